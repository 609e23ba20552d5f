"""Personal access tokens: creating and revoking them, recognising one in a request, and counting its requests.

A token is ``rz_<prefix>_<secret>``: the prefix is public and finds the row, the secret is 256 random bits of
which only the SHA-256 is stored. A password hasher would add nothing against guessing such a secret and would
cost every request its work factor.
"""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.accounts.models import User
from ruanzhu.api.models import PersonalAccessToken
from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.models import AuditEntry
from ruanzhu.core.services import audit_record

TOKEN_FORMAT = re.compile(r"^rz_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$")
# last_used_at is written at most this often per token, so that a busy program does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
RATE_WINDOW_SECONDS = 60


class TokenError(ApplicationError):
    """A token that cannot be created or revoked; ``message`` is shown to the user."""


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, with its secret: shown once, then only its hash remains."""

    token: PersonalAccessToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    """Tell whether an account may hold tokens: applicants' accounts only (staff work in the back office)."""
    return user.is_active and not user.is_staff


@transaction.atomic
def token_create(
    *, user: User, name: str, scopes: list[str], days: int, request: HttpRequest | None = None
) -> IssuedToken:
    """Create a token for ``user`` valid ``days`` days with ``scopes``; its secret is returned once."""
    if not may_hold_tokens(user):
        raise TokenError(_("工作人员账户不能创建API令牌。"))
    if not scopes or set(scopes) - set(PersonalAccessToken.Scope.values):
        raise TokenError(_("请选择令牌的权限范围。"))
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise TokenError(_("有效期最长%(days)d天。") % {"days": settings.API_TOKEN_MAX_DAYS})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time per account
    active = PersonalAccessToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if active >= settings.API_TOKENS_PER_ACCOUNT:
        raise TokenError(
            _("有效的API令牌最多%(count)d个，请先吊销不再使用的令牌。")
            % {"count": settings.API_TOKENS_PER_ACCOUNT}
        )
    prefix = secrets.token_hex(5)
    secret = f"rz_{prefix}_{secrets.token_urlsafe(32)}"
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        secret_hash=_digest(secret),
        scopes=[scope for scope in PersonalAccessToken.Scope.values if scope in scopes],
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(actor=user, action=AuditEntry.Action.API_TOKEN_CREATE, target=token, request=request)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: PersonalAccessToken, by: User, request: HttpRequest | None = None) -> None:
    """Revoke ``token`` at once; revoking it again changes nothing."""
    revoked = PersonalAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(actor=by, action=AuditEntry.Action.API_TOKEN_REVOKE, target=token, request=request)


def token_authenticate(*, secret: str) -> PersonalAccessToken | None:
    """Return the token ``secret`` is, if it is in force and its account may use it; None otherwise."""
    match = TOKEN_FORMAT.match(secret)
    if match is None:
        return None
    token = PersonalAccessToken.objects.select_related("user").filter(prefix=match[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    if not token.is_active or not may_hold_tokens(token.user):
        return None
    return token


def token_use_record(*, token: PersonalAccessToken, operation: str, request: HttpRequest) -> None:
    """Audit one use of ``token`` (which token and which operation, nothing of the request's content)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    audit_record(
        actor=token.user,
        action=AuditEntry.Action.API_REQUEST,
        target=token,
        field_label=operation[:100],
        request=request,
    )


def token_rate_wait(*, token: PersonalAccessToken) -> int:
    """Count a request of ``token``; return 0 if it is within API_TOKEN_RATE_PER_MINUTE, else seconds to wait.

    A fixed window of a minute in the shared cache (Redis in production), so that every instance counts together.
    """
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"api:rate:{token.pk}:{window}"
    cache.add(key, 0, RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS + 5)
        count = 1
    if count <= settings.API_TOKEN_RATE_PER_MINUTE:
        return 0
    return max(1, int((window + 1) * RATE_WINDOW_SECONDS - now) + 1)
