"""Login throttling: failed logins make the next attempts wait; they never lock an account.

Every attempt is counted before its password is checked, under the keys it belongs to:

- the account the identifier resolves to, whichever spelling of its username, email or phone was typed; or,
  when no account has it, the normalised identifier itself, counted and answered exactly the same way;
- the client's address, with a higher threshold because offices and carrier NAT share one, so that one
  address cannot spray guesses over many accounts;
- instead of both, the (account, browser) pair when the browser holds a device cookie from an earlier
  successful login to that account: an attacker's failures elsewhere never hold up the owner's own browser.

Past a key's threshold within its window, each further attempt first waits 1, 2, 4 … minutes, never more than
``LOGIN_THROTTLE_MAX_DELAY_SECONDS``: the most an attacker can impose on the owner is that wait. A login or a
password reset by SMS code ends the account's count; the first time in a window that the account must wait,
its owner is told. Keys are blind indexes: no identifier or address is stored.

Failures are counted in the database; an attempt under way is counted in the shared cache (Redis) from before its
check until it ends, so that parallel guesses cannot all slip through before the first failure is written, and a
login to an account without failures writes no count at all (see "Attempts in flight" below).

Before any of that, every request that may compute a hash spends one from its address's budget of password
hashes. Checking or setting a password costs one Argon2id hash, about 20 ms of a core: a client sending login or
sign-up forms as fast as it can would keep a core busy by itself, and the counts above let an address's attempts
through until many have failed, and write to the database to count them. The budget is decided with a single
operation on the shared cache, no database access, and no hash is computed when it is spent:

- the login forms (the portal's, the staff one, the admin's: in accounts.backends, before the account is even
  looked up, and whether or not it exists, since an unknown account costs a decoy hash as well);
- the re-check of a logged-in account's password (phone change, closing the account), sign-up and the password
  reset by SMS code.

The budget is a token bucket (GCRA): ``PASSWORD_HASH_IP_BURST`` at once, refilled at
``PASSWORD_HASH_IP_RATE_PER_MINUTE``. The defaults (a burst of 30, then 30 a minute) cost one address at most
about 1 % of a core, and still leave an office or carrier address shared by many people a login every two
seconds after its burst. An IPv6 client is counted by its /64, the smallest block a subscriber is given.
"""

import ipaddress
import logging
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.accounts.counters import (
    budget_take,
    in_flight_ahead,
    in_flight_join,
    in_flight_leave,
    in_flight_mark,
)
from ruanzhu.accounts.models import LoginThrottle, User
from ruanzhu.accounts.selectors import identifier_normalize
from ruanzhu.accounts.tasks import login_wait_notice_task
from ruanzhu.core.crypto import blind_index
from ruanzhu.core.http import client_ip
from ruanzhu.core.metrics import login_throttle_wait_observe
from ruanzhu.core.outbox import outbox_enqueue
from ruanzhu.otp.limits import format_wait

logger = logging.getLogger(__name__)
Scope = LoginThrottle.Scope
KEY_PURPOSE = "login-throttle"
FIRST_DELAY = timedelta(minutes=1)
DEVICE_COOKIE = "ruanzhu_device"
DEVICE_COOKIE_SALT = "ruanzhu.accounts.throttle.device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
DEVICE_COOKIE_PATH = "/accounts/"
# A shared computer vouches for the last few accounts that logged in on it, not for every one.
DEVICE_COOKIE_ACCOUNTS = 5


class LoginThrottled(PermissionDenied):
    """Too many attempts under one of the keys: the next one is looked at after ``wait_seconds``."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__("login throttled")
        self.wait_seconds = wait_seconds

    @property
    def message(self) -> str:
        return wait_message(self.wait_seconds)


@dataclass(frozen=True)
class LoginAttempt:
    """An attempt that was let through, and the (scope, key) pairs it is counted under, the first one leading.

    ``token`` and ``places`` are its entry among the attempts in flight under each key; ``rows`` the keys that
    had a count when it began (a login forgets only those: the others have nothing to forget).
    """

    keys: tuple[tuple[str, str], ...]
    account: User | None
    token: str = ""
    places: tuple[int, ...] = ()
    rows: frozenset[str] = frozenset()


@dataclass(frozen=True)
class KnownDevice:
    nonce: str
    accounts: tuple[int, ...]


def login_attempt_begin(*, request: HttpRequest, identifier: str, account: User | None) -> LoginAttempt:
    """Count an attempt before its password is checked; raise LoginThrottled if one of its keys must wait.

    The attempt joins the attempts in flight under its keys (in the shared cache), then reads the failures
    counted (in the database) and the attempts ahead of it: no database write unless it fails.
    """
    keys = _attempt_keys(request=request, identifier=identifier, account=account)
    now = timezone.now()
    token = secrets.token_hex(8)
    places, ahead = (), [[] for _key in keys]
    try:
        places = in_flight_join(keys, token=token, now=now.timestamp())
        rows = {row.key: row for row in LoginThrottle.objects.filter(key__in=[key for _scope, key in keys])}
        ahead = in_flight_ahead(keys, places=places, now=now.timestamp())
    except redis.RedisError:
        # Redis is down: the failures in the database still count; only parallel attempts go uncounted.
        logger.exception("login attempts in flight unavailable; counting failures only")
        rows = {row.key: row for row in LoginThrottle.objects.filter(key__in=[key for _scope, key in keys])}
    wait = _wait(keys, rows=rows, ahead=ahead, now=now)
    if wait:
        in_flight_leave(keys, token=token)
        login_throttle_wait_observe(wait_seconds=wait)
        raise LoginThrottled(wait)
    return LoginAttempt(keys=keys, account=account, token=token, places=places, rows=frozenset(rows))


def login_attempt_failed(attempt: LoginAttempt) -> None:
    """Count the failure under every key; the first time in a window that the account must wait, tell its owner."""
    scope, key = attempt.keys[0]
    now = timezone.now()
    with transaction.atomic():
        counts = _count_failure(attempt.keys, now=now)
        # Before the commit: whoever reads the new counts also sees that this attempt is in them.
        in_flight_mark(attempt.keys, token=attempt.token, places=attempt.places, counts=counts)
        # Run for every scope, so that a known and an unknown identifier cost the same queries.
        first_wait = LoginThrottle.objects.filter(
            key=key, blocked_until__isnull=False, notified_at__isnull=True
        ).update(notified_at=now)
        if first_wait and scope in (Scope.ACCOUNT, Scope.IDENTIFIER):
            # Queued for an identifier without an account too (the task then has nobody to tell), so that the
            # request does the same work either way.
            account_id = attempt.account.pk if scope == Scope.ACCOUNT else None
            outbox_enqueue(task=login_wait_notice_task, args=[account_id])


def login_attempt_succeeded(attempt: LoginAttempt) -> None:
    """Forget the account's (or the browser's) count; the address's failures stay counted.

    Not the address's: an attacker would log in to an own account between guesses to clear it. A login to an
    account without failures writes nothing.
    """
    forget = [key for scope, key in attempt.keys if scope != Scope.ADDRESS and key in attempt.rows]
    if forget:
        LoginThrottle.objects.filter(key__in=forget).delete()
    in_flight_leave(attempt.keys, token=attempt.token, forget=forget)


@contextmanager
def password_rechecked(*, request: HttpRequest, account: User) -> Iterator[None]:
    """Count the re-check of a logged-in account's password (to change its phone, to close it) as a login attempt.

    A stolen session must not be a way to guess the password faster than the login page allows: the attempt is
    counted before the check, and raises LoginThrottled when the account must wait. A ValidationError on
    ``password`` from the block is a wrong password; any other outcome means the password was right. The check
    first spends a hash of the address's budget, and raises HashBudgetExhausted when none is left.
    """
    password_hash_budget_spend(request=request)
    attempt = login_attempt_begin(request=request, identifier=account.username, account=account)
    try:
        yield
    except ValidationError as error:
        if "password" in getattr(error, "error_dict", {}):
            login_attempt_failed(attempt)
        else:
            login_attempt_succeeded(attempt)
        raise
    except Exception:
        login_attempt_succeeded(attempt)
        raise
    login_attempt_succeeded(attempt)


def login_throttle_clear(*, account: User) -> None:
    """End the account's wait at once: its owner just proved the phone with an SMS code."""
    key = _key(Scope.ACCOUNT, str(account.pk))
    LoginThrottle.objects.filter(key=key).delete()
    in_flight_leave(((Scope.ACCOUNT, key),), token="", forget=[key])


def wait_message(wait_seconds: int) -> str:
    """Return the line shown to a throttled login, the same whether or not the identifier has an account."""
    return _("登录失败次数过多，请在%(wait)s后重试，或通过短信验证码重置密码。") % {
        "wait": format_wait(wait_seconds)
    }


# --- The device cookie --------------------------------------------------------------------------------------


def device_cookie_set(response: HttpResponse, *, request: HttpRequest, account: User) -> None:
    """Remember in this browser that ``account`` logged in on it, so that its attempts are counted apart."""
    known = _known_device(request)
    nonce = known.nonce if known else secrets.token_urlsafe(16)
    others = [pk for pk in known.accounts if pk != account.pk] if known else []
    accounts = [account.pk, *others][:DEVICE_COOKIE_ACCOUNTS]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{nonce}:{'.'.join(str(pk) for pk in accounts)}",
        salt=DEVICE_COOKIE_SALT,
        max_age=DEVICE_COOKIE_AGE,
        path=DEVICE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _known_device(request: HttpRequest) -> KnownDevice | None:
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_AGE
    )
    nonce, _separator, accounts = (value or "").partition(":")
    if not nonce:
        return None
    try:
        return KnownDevice(nonce=nonce, accounts=tuple(int(pk) for pk in accounts.split(".") if pk))
    except ValueError:
        return None


# --- Counting -------------------------------------------------------------------------------------------------


def _key(scope: str, value: str) -> str:
    return blind_index(f"{scope}:{value}", purpose=KEY_PURPOSE)


def _attempt_keys(
    *, request: HttpRequest, identifier: str, account: User | None
) -> tuple[tuple[str, str], ...]:
    known = _known_device(request)
    if account is not None and known is not None and account.pk in known.accounts:
        return ((Scope.DEVICE, _key(Scope.DEVICE, f"{account.pk}:{known.nonce}")),)
    if account is not None:
        lead = (Scope.ACCOUNT, _key(Scope.ACCOUNT, str(account.pk)))
    else:
        kind, value = identifier_normalize(identifier)
        lead = (Scope.IDENTIFIER, _key(Scope.IDENTIFIER, f"{kind}:{value}"))
    address = client_ip(request)
    if address is None:
        return (lead,)
    return (lead, (Scope.ADDRESS, _key(Scope.ADDRESS, address)))


def _threshold(scope: str) -> int:
    if scope == Scope.ADDRESS:
        return settings.LOGIN_THROTTLE_ADDRESS_AFTER
    return settings.LOGIN_THROTTLE_AFTER


def _delay(excess: int) -> timedelta:
    # Doubling stops well before the cap could overflow a timedelta.
    delay = FIRST_DELAY * 2 ** min(excess, 20)
    return min(delay, timedelta(seconds=settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS))


def _counted(row: LoginThrottle | None, now: datetime) -> int:
    """Return the failures of ``row`` in its current window."""
    if row is None or now >= row.window_started_at + LoginThrottle.WINDOWS[row.scope]:
        return 0
    return row.attempts


def _wait(keys, *, rows: dict[str, LoginThrottle], ahead: list[list[int | None]], now: datetime) -> int:
    """Return 0 if the attempt may go ahead, or the seconds to wait.

    It waits while a key's wait runs, and when an attempt ahead of it under a key reaches the threshold: that
    one's failure would make the next attempts wait. ``ahead`` holds, per key, the attempts in flight before
    this one: None for one still under way, else the count its failure made, which ``rows`` may already hold.
    Counting attempts in flight keeps parallel guesses from all slipping through before the first failure is
    written.
    """
    waits = [
        row.blocked_until - now for row in rows.values() if row.blocked_until and row.blocked_until > now
    ]
    if waits:
        return max(1, math.ceil(max(waits).total_seconds()))
    for (scope, key), others in zip(keys, ahead, strict=True):
        counted = _counted(rows.get(key), now)
        pending = [made for made in others if made is None or made > counted]
        before = counted + len(pending)  # the failures and attempts ahead of this one
        if pending and before >= _threshold(scope):
            return math.ceil(_delay(before - _threshold(scope)).total_seconds())
    return 0


def _count_failure(keys: tuple[tuple[str, str], ...], *, now: datetime) -> dict[str, int]:
    """Count one failure under every key, past a key's threshold making the next attempts wait; return the counts."""
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(key=key, scope=scope, window_started_at=now) for scope, key in keys],
        ignore_conflicts=True,
    )
    counts = {}
    rows = LoginThrottle.objects.select_for_update().filter(key__in=[key for _scope, key in keys])
    for row in rows.order_by("key"):
        if now >= row.window_started_at + LoginThrottle.WINDOWS[row.scope]:
            row.attempts, row.window_started_at, row.blocked_until, row.notified_at = 0, now, None, None
        row.attempts += 1
        excess = row.attempts - _threshold(row.scope)
        if excess >= 0:
            row.blocked_until = now + _delay(excess)
        row.save(update_fields=["attempts", "window_started_at", "blocked_until", "notified_at"])
        counts[row.key] = row.attempts
    return counts


# --- The address's budget of password hashes ------------------------------------------------------------

BUDGET_KEY_PURPOSE = "password-hash-budget"
BUDGET_KEY_PREFIX = "ruanzhu:hash-budget:"
DEFAULT_RATE_PER_MINUTE = 30
DEFAULT_BURST = 30


class HashBudgetExhausted(LoginThrottled):
    """The address has spent its budget of password hashes: the next one is allowed after ``wait_seconds``."""

    @property
    def message(self) -> str:
        return budget_message(self.wait_seconds)


def budget_message(wait_seconds: int) -> str:
    """Return the line shown when an address must wait before its next login, sign-up or password check."""
    return _("来自您所在网络的登录和注册请求过于频繁，请在%(wait)s后重试。") % {
        "wait": format_wait(wait_seconds)
    }


def password_hash_budget_spend(*, request: HttpRequest) -> None:
    """Spend one hash of the request's address; raise HashBudgetExhausted, and spend nothing, if none is left."""
    rate = getattr(settings, "PASSWORD_HASH_IP_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE)
    burst = getattr(settings, "PASSWORD_HASH_IP_BURST", DEFAULT_BURST)
    interval = 60.0 / rate
    key = BUDGET_KEY_PREFIX + blind_index(_budget_address(request), purpose=BUDGET_KEY_PURPOSE)
    now = timezone.now().timestamp()
    try:
        wait = budget_take(key, now=now, interval=interval, span=interval * burst)
    except redis.RedisError:
        # Redis is down: the login throttle in the database still counts, and logins keep working.
        logger.exception("password hash budget unavailable; attempt let through")
        return
    if wait > 0:
        raise HashBudgetExhausted(max(1, math.ceil(wait)))


def _budget_address(request: HttpRequest) -> str:
    address = client_ip(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


# --- Receivers of django.contrib.auth's signals (connected in apps.py): every login page, the admin's too -----


def record_login_success(sender, request, user, **kwargs) -> None:
    """End the count of the attempt that has just logged ``user`` in."""
    attempt = getattr(request, "login_attempt", None)
    if attempt is not None and attempt.account is not None and attempt.account.pk == user.pk:
        login_attempt_succeeded(attempt)


def record_login_failure(sender, credentials, request=None, **kwargs) -> None:
    """Keep the count of an attempt whose password did not match."""
    attempt = getattr(request, "login_attempt", None)
    if attempt is not None:
        login_attempt_failed(attempt)
