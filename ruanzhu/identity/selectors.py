from dataclasses import dataclass

from django.conf import settings
from django.db import router
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ruanzhu.accounts.decorators import staff_may
from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery
from ruanzhu.core.masking import mask_id_number
from ruanzhu.core.pagination import Keyset, KeysetPage, keyset_page
from ruanzhu.identity.models import Verification, VerificationDocument, VerifiedIdentity

REVIEW_PERMISSION = "identity.review_verification"


@dataclass(frozen=True)
class IdentityDetails:
    """Who an account is, as its approved real-name verification states it."""

    kind: str  # Verification.Kind: 个人 or 机构
    name: str
    category: str  # 自然人, or the institution's category
    id_type: str  # the document's label: 居民身份证 ..., or 统一社会信用代码
    id_number: str  # the ID number, or the institution's credit code
    identity_index: str  # the blind index of that number: how people are matched, never by name
    nationality: str
    province: str
    city: str
    address: str
    verification: Verification

    @property
    def is_institution(self) -> bool:
        return self.kind == Verification.Kind.INSTITUTION

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


def verified_identity_of(account) -> IdentityDetails | None:
    """Return the identity of a verified account from its approved verification; None for anyone else."""
    if account is None or not account.is_verified_identity:
        return None
    held = VerifiedIdentity.objects.select_related("verification").filter(account=account).first()
    if held is None:
        return None
    verification = held.verification
    # The labels go onto documents (the application form, the mandate letter): in Chinese, whatever the
    # language of the page that copied them.
    with translation.override(settings.LANGUAGE_CODE):
        if verification.kind == Verification.Kind.INSTITUTION:
            return IdentityDetails(
                kind=verification.kind,
                name=verification.institution_name,
                category=str(verification.get_category_display()),
                id_type=str(_("统一社会信用代码")),
                id_number=verification.credit_code,
                identity_index=held.index,
                nationality=verification.nationality or "中国",
                province=verification.province,
                city=verification.city,
                address=verification.address,
                verification=verification,
            )
        return IdentityDetails(
            kind=verification.kind,
            name=verification.real_name,
            category=str(_("自然人")),
            id_type=str(verification.get_id_type_display()),
            id_number=verification.id_number,
            identity_index=held.index,
            nationality=verification.nationality,
            province=verification.province,
            city=verification.city,
            address=f"{verification.province}{verification.city}",
            verification=verification,
        )


def _verified_number_query(*, account):
    return (
        VerifiedIdentity.objects.filter(account=account)
        .order_by("pk")
        .values_list("index", "verification__kind", "verification__id_number", "verification__credit_code")[
            :1
        ]
    )


# Pages that list parties show each one's masked ID number: the verification's other columns are not read.
_VERIFIED_NUMBER = CompiledQuery(
    _verified_number_query, {"account": (VerifiedIdentity._meta.get_field("account"), *STAND_IN_IDS)}
)


def verified_id_number_of(account) -> tuple[str, str] | None:
    """Return the ``identity_index`` and ``id_number`` of ``verified_identity_of(account)``, reading only them."""
    if account is None or not account.is_verified_identity:
        return None
    rows = _VERIFIED_NUMBER.rows(router.db_for_read(VerifiedIdentity), account=account.pk)
    if not rows:
        return None
    index, kind, id_number, credit_code = rows[0]
    return index, credit_code if kind == Verification.Kind.INSTITUTION else id_number


def verification_latest(*, account) -> Verification | None:
    """Return the account's newest round, whatever its state."""
    return account.verifications.exclude(status=Verification.Status.WITHDRAWN).first()


def verification_unsaved(*, account) -> Verification:
    """Return the first round of an account that has none, unsaved: what the wizard shows before a POST."""
    institution = account.kind == account.Kind.INSTITUTION
    return Verification(
        account=account, kind=Verification.Kind.INSTITUTION if institution else Verification.Kind.INDIVIDUAL
    )


def document_for_owner(*, account, slot: str) -> VerificationDocument:
    """Return a document of the account's newest round; 404 for anything else."""
    latest = verification_latest(account=account)
    document = latest.documents.filter(slot=slot).first() if latest else None
    if document is None:
        raise Http404
    return document


def can_review(user) -> bool:
    return staff_may(user, REVIEW_PERMISSION)


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


# The orders of the review queue: open items by due date (the index ``identity_queue_idx`` is (status, due_date,
# id)), decided ones the newest first.
OPEN_ORDER = Keyset(("due_date", "id"))
DECIDED_ORDER = Keyset(("-decided_at", "-id"))
PAGE_SIZE = 25


def review_queue_page(
    *,
    user,
    kind: str = "",
    state: str = "open",
    claimed: str = "",
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """Return one page of the identity review queue, oldest due date first; ``state`` is open, overdue or decided."""
    queue = Verification.objects.select_related("account", "claimed_by")
    if state == "decided":
        queue = queue.filter(status__in=[Verification.Status.APPROVED, Verification.Status.REJECTED])
        order = DECIDED_ORDER
    else:
        queue = queue.filter(status=Verification.Status.SUBMITTED)
        if state == "overdue":
            queue = queue.filter(due_date__lt=timezone.localdate())
        order = OPEN_ORDER
    if kind in (Verification.Kind.INDIVIDUAL, Verification.Kind.INSTITUTION):
        queue = queue.filter(kind=kind)
    if claimed == "mine":
        queue = queue.filter(claimed_by=user)
    elif claimed == "unclaimed":
        queue = queue.filter(claimed_by__isnull=True)
    return keyset_page(queue, order, after=after, before=before, size=size)


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
