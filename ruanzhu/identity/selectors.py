from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.identity.models import Verification, VerificationDocument

REVIEW_PERMISSION = "identity.review_verification"


def verification_latest(*, account) -> Verification | None:
    """Return the account's newest round, whatever its state."""
    return account.verifications.exclude(status=Verification.Status.WITHDRAWN).first()


def document_for_owner(*, account, slot: str) -> VerificationDocument:
    """Return a document of the account's newest round; 404 for anything else."""
    latest = verification_latest(account=account)
    document = latest.documents.filter(slot=slot).first() if latest else None
    if document is None:
        raise Http404
    return document


def can_review(user) -> bool:
    return user.is_authenticated and user.is_staff and user.is_verified() and user.has_perm(REVIEW_PERMISSION)


def verification_for_reviewer(*, user, pk: int) -> Verification:
    """Return a verification for an identity reviewer; 404 for anyone else or a draft."""
    if not can_review(user):
        raise Http404
    verification = (
        Verification.objects.select_related("account", "claimed_by", "previous", "decided_by")
        .prefetch_related("documents", "rejection_reasons", "events__actor")
        .exclude(status=Verification.Status.DRAFT)
        .filter(pk=pk)
        .first()
    )
    if verification is None:
        raise Http404
    return verification


def review_queue(*, kind: str = "", state: str = "open", claimed: str = "") -> QuerySet[Verification]:
    """Return the identity review queue: oldest due date first; ``state`` is open, overdue or decided."""
    today = timezone.localdate()
    queue = Verification.objects.select_related("account", "claimed_by")
    if state == "decided":
        queue = queue.filter(
            status__in=[Verification.Status.APPROVED, Verification.Status.REJECTED]
        ).order_by("-decided_at", "-id")
    else:
        queue = queue.filter(status=Verification.Status.SUBMITTED)
        if state == "overdue":
            queue = queue.filter(due_date__lt=today)
        queue = queue.order_by("due_date", "submitted_at", "id")
    if kind in (Verification.Kind.INDIVIDUAL, Verification.Kind.INSTITUTION):
        queue = queue.filter(kind=kind)
    if claimed == "mine":
        queue = queue.filter(claimed_by__isnull=False)
    elif claimed == "unclaimed":
        queue = queue.filter(claimed_by__isnull=True)
    return queue


def queue_counts() -> dict[str, int]:
    """Return the sizes of the identity queues for the staff workbench."""
    today = timezone.localdate()
    submitted = Verification.objects.filter(status=Verification.Status.SUBMITTED)
    return {
        "open": submitted.count(),
        "overdue": submitted.filter(due_date__lt=today).count(),
        "unclaimed": submitted.filter(Q(claimed_by__isnull=True)).count(),
    }


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


# The fields a reviewer compares between rounds, in the order of the form.
COMPARED_FIELDS = (
    "real_name",
    "nationality",
    "id_type",
    "id_valid_from",
    "id_valid_until",
    "id_long_term",
    "province",
    "city",
    "institution_name",
    "credit_code",
    "category",
    "legal_representative",
    "address",
)


def _display(verification: Verification, name: str) -> str:
    value = getattr(verification, name)
    display = getattr(verification, f"get_{name}_display", None)
    if display is not None and value:
        return str(display())
    if isinstance(value, bool):
        return "✓" if value else "—"
    return "" if value is None else str(value)


def verification_changes(verification: Verification) -> list[Change]:
    """Return what changed since the previous round: fields, the ID number (masked) and replaced documents."""
    previous = verification.previous
    if previous is None:
        return []
    changes = []
    for name in COMPARED_FIELDS:
        before, after = _display(previous, name), _display(verification, name)
        if before != after:
            changes.append(Change(str(Verification._meta.get_field(name).verbose_name), before, after))
    if previous.id_number != verification.id_number:
        changes.append(
            Change(
                str(Verification._meta.get_field("id_number").verbose_name),
                previous.masked_id_number,
                verification.masked_id_number,
            )
        )
    before_documents = {document.slot: document.sha256 for document in previous.documents.all()}
    for document in verification.documents.all():
        if before_documents.get(document.slot) != document.sha256:
            changes.append(Change(document.get_slot_display(), "", _("已更换")))
    return changes
