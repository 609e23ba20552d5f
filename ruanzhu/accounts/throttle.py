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
its owner is told. Counting before the check, under a row lock, keeps parallel requests from all slipping
through before the first failure is written. Keys are blind indexes: no identifier or address is stored.
"""

import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.accounts.models import LoginThrottle, User
from ruanzhu.accounts.selectors import identifier_normalize
from ruanzhu.accounts.tasks import login_wait_notice_task
from ruanzhu.core.crypto import blind_index
from ruanzhu.core.http import client_ip
from ruanzhu.core.metrics import login_throttle_wait_observe
from ruanzhu.core.outbox import outbox_enqueue
from ruanzhu.otp.limits import format_wait

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


@dataclass(frozen=True)
class LoginAttempt:
    """An attempt that was let through, and the (scope, key) pairs it is counted under, the first one leading."""

    keys: tuple[tuple[str, str], ...]
    account: User | None


@dataclass(frozen=True)
class KnownDevice:
    nonce: str
    accounts: tuple[int, ...]


def login_attempt_begin(*, request: HttpRequest, identifier: str, account: User | None) -> LoginAttempt:
    """Count an attempt before its password is checked; raise LoginThrottled if one of its keys must wait."""
    keys = _attempt_keys(request=request, identifier=identifier, account=account)
    wait = _reserve(keys, now=timezone.now())
    if wait:
        login_throttle_wait_observe(wait_seconds=wait)
        raise LoginThrottled(wait)
    return LoginAttempt(keys=keys, account=account)


def login_attempt_failed(attempt: LoginAttempt) -> None:
    """Leave the attempt counted; the first time in a window that the account must wait, tell its owner."""
    scope, key = attempt.keys[0]
    with transaction.atomic():
        # Run for every scope, so that a known and an unknown identifier cost the same queries.
        first_wait = LoginThrottle.objects.filter(
            key=key, blocked_until__isnull=False, notified_at__isnull=True
        ).update(notified_at=timezone.now())
        if first_wait and scope in (Scope.ACCOUNT, Scope.IDENTIFIER):
            # Queued for an identifier without an account too (the task then has nobody to tell), so that the
            # request does the same work either way.
            account_id = attempt.account.pk if scope == Scope.ACCOUNT else None
            outbox_enqueue(task=login_wait_notice_task, args=[account_id])


@transaction.atomic
def login_attempt_succeeded(attempt: LoginAttempt) -> None:
    """Forget the account's (or the browser's) count; give the address back the attempt it was charged."""
    for scope, key in attempt.keys:
        if scope != Scope.ADDRESS:
            LoginThrottle.objects.filter(key=key).delete()
            continue
        # Not forgotten: an attacker would log in to an own account between guesses to clear the address.
        row = LoginThrottle.objects.select_for_update().filter(key=key).first()
        if row is not None and row.attempts:
            row.attempts -= 1
            if row.attempts < _threshold(scope):
                row.blocked_until = None
            row.save(update_fields=["attempts", "blocked_until"])


@contextmanager
def password_rechecked(*, request: HttpRequest, account: User) -> Iterator[None]:
    """Count the re-check of a logged-in account's password (to change its phone, to close it) as a login attempt.

    A stolen session must not be a way to guess the password faster than the login page allows: the attempt is
    counted before the check, and raises LoginThrottled when the account must wait. A ValidationError on
    ``password`` from the block is a wrong password; any other outcome means the password was right.
    """
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
    LoginThrottle.objects.filter(key=_key(Scope.ACCOUNT, str(account.pk))).delete()


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


@transaction.atomic
def _reserve(keys: tuple[tuple[str, str], ...], *, now: datetime) -> int:
    """Count one attempt under every key and return 0, or return the seconds to wait and count nothing."""
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(key=key, scope=scope, window_started_at=now) for scope, key in keys],
        ignore_conflicts=True,
    )
    rows = list(
        LoginThrottle.objects.select_for_update()
        .filter(key__in=[key for _scope, key in keys])
        .order_by("key")
    )
    waits = [row.blocked_until - now for row in rows if row.blocked_until and row.blocked_until > now]
    if waits:
        return max(1, math.ceil(max(waits).total_seconds()))
    for row in rows:
        if now >= row.window_started_at + LoginThrottle.WINDOWS[row.scope]:
            row.attempts, row.window_started_at, row.blocked_until, row.notified_at = 0, now, None, None
        row.attempts += 1
        excess = row.attempts - _threshold(row.scope)
        if excess >= 0:
            # This attempt goes ahead; the next one waits, whatever this one's outcome.
            row.blocked_until = now + _delay(excess)
        row.save(update_fields=["attempts", "window_started_at", "blocked_until", "notified_at"])
    return 0


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
