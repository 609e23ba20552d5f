import time

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ruanzhu.core.http import SESSION_STARTED_KEY, client_ip
from ruanzhu.core.models import AuditEntry

UNMASK_PERMISSION = "core.unmask_personal_data"
# Long enough that "查看" or a single character cannot pass for a reason; "核对身份" is the shortest useful one.
UNMASK_REASON_MIN_CHARS = 4
_USER_AGENT_MAX = AuditEntry._meta.get_field("user_agent").max_length
_TARGET_LABEL_MAX = AuditEntry._meta.get_field("target_label").max_length


class UnmaskRefused(PermissionDenied):
    """A request to see personal data in clear was refused; the message says why, in the user's language."""


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: AuditEntry.Action,
    target: models.Model | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    field_label: str = "",
) -> AuditEntry:
    """Record that ``actor`` (None for the system) performed ``action`` on ``target``; never pass the value."""
    entry = AuditEntry(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "",
        action=action,
        field_label=field_label,
        reason=reason.strip(),
    )
    if target is not None:
        entry.target_content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        entry.target_object_id = str(target.pk)
        entry.target_label = str(target)[:_TARGET_LABEL_MAX]
    if request is not None:
        entry.ip = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_MAX]
    entry.save()
    return entry


def personal_data_unmask(
    *,
    actor: AbstractBaseUser,
    request: HttpRequest,
    target: models.Model,
    field_label: str,
    value: str,
    reason: str,
    action: AuditEntry.Action = AuditEntry.Action.UNMASK_PERSONAL_DATA,
) -> str:
    """Return ``value`` in clear once the actor's right, fresh login and reason are checked and it is audited.

    Raise UnmaskRefused otherwise; nothing is recorded for a refusal, since nothing was seen.
    """
    if not (actor.is_active and actor.is_staff and actor.has_perm(UNMASK_PERMISSION)):
        raise UnmaskRefused(_("您没有查看完整个人信息的权限。"))
    if getattr(request, "user", None) is None or request.user.pk != actor.pk:
        raise UnmaskRefused(_("只能以当前登录的账户查看完整个人信息。"))
    reason = (reason or "").strip()
    if len(reason) < UNMASK_REASON_MIN_CHARS:
        raise UnmaskRefused(
            _("请说明查看完整个人信息的事由（至少 %(count)d 个字）。") % {"count": UNMASK_REASON_MIN_CHARS}
        )
    logged_in_at = request.session.get(SESSION_STARTED_KEY)
    if logged_in_at is None or time.time() - logged_in_at > settings.UNMASK_FRESH_LOGIN_SECONDS:
        raise UnmaskRefused(_("查看完整个人信息前请重新登录。"))
    audit_record(
        actor=actor, action=action, target=target, reason=reason, request=request, field_label=field_label
    )
    return value
