import ipaddress

from axes.helpers import get_client_ip_address
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from ruanzhu.accounts.models import User
from ruanzhu.core.models import AuditEntry

_USER_AGENT_MAX = AuditEntry._meta.get_field("user_agent").max_length
_TARGET_LABEL_MAX = AuditEntry._meta.get_field("target_label").max_length


def _client_ip(request: HttpRequest) -> str | None:
    # The same resolution as login throttling, so that the proxy settings apply to both.
    address = get_client_ip_address(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def audit_record(
    *,
    actor: User | None,
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
        entry.ip = _client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_MAX]
    entry.save()
    return entry
