from django.contrib.contenttypes.models import ContentType
from django.db import models

from ruanzhu.core.models import AuditEntry


def audit_entries_for_target(*, target: models.Model) -> models.QuerySet[AuditEntry]:
    """Return the audit entries about ``target``, newest first, with their actors."""
    content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return (
        AuditEntry.objects.filter(target_content_type=content_type, target_object_id=str(target.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
