"""Who calls: ``Authorization: Bearer <personal access token>``, the token's scope, its rate, and the audit.

An operation names the scope it needs (``TokenAuth("read")``). An unknown, malformed, expired or revoked token,
or one of an account that may no longer hold tokens, answers 401; a token without the scope 403; a token over
API_TOKEN_RATE_PER_MINUTE 429 with Retry-After. Every request of a recognised token within its rate is audited
(the token and the operation, nothing of the request's content).
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from ruanzhu.api.errors import Problem
from ruanzhu.api.models import PersonalAccessToken
from ruanzhu.api.services import token_authenticate, token_rate_wait, token_use_record


class TokenAuth(HttpBearer):
    """A personal access token with ``scope``; ``request.auth`` is the token, ``request.auth.user`` its account."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = PersonalAccessToken.Scope(scope)

    def authenticate(self, request: HttpRequest, token: str) -> PersonalAccessToken | None:
        found = token_authenticate(secret=token)
        if found is None:
            return None
        wait = token_rate_wait(token=found)
        if wait:
            raise Problem(
                429,
                "rate_limited",
                _("请求过于频繁，请%(seconds)d秒后重试。") % {"seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        operation = (
            f"{request.method} {request.resolver_match.route if request.resolver_match else request.path}"
        )
        token_use_record(token=found, operation=operation, request=request)
        if not found.allows(self.scope):
            raise Problem(
                403,
                "insufficient_scope",
                _("此令牌没有“%(scope)s”权限。") % {"scope": self.scope.label},
            )
        return found


READ = TokenAuth(PersonalAccessToken.Scope.READ)
FILE = TokenAuth(PersonalAccessToken.Scope.FILE)
SUBMIT = TokenAuth(PersonalAccessToken.Scope.SUBMIT)
