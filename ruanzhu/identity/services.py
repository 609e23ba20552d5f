"""Real-name verification: the applicant's wizard and the identity reviewers' decisions."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from ruanzhu.accounts.models import User
from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.files import read_private_file, store_private_file
from ruanzhu.core.models import ReasonCode
from ruanzhu.core.outbox import outbox_enqueue
from ruanzhu.core.review import ReviewError, item_lock, item_transition
from ruanzhu.core.workdays import review_due_date
from ruanzhu.identity.images.quality import photo_hash
from ruanzhu.identity.images.sanitize import UploadRejected, sanitize_upload
from ruanzhu.identity.models import Slot, Verification, VerificationDocument, VerifiedIdentity
from ruanzhu.identity.tasks import document_check_task
from ruanzhu.identity.validators import (
    institution_identity_index,
    person_identity_index,
    validate_credit_code,
    validate_id_number,
)
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.services import notify

CONSENT_VERSION = "2026-11"
CHECKLIST = {
    "document_genuine": gettext_lazy("证件真实有效"),
    "face_matches": gettext_lazy("手持照片人像与证件照一致"),
    "data_match": gettext_lazy("填写信息与证件一致"),
}
UPLOAD_FOLDER = "identity"


class VerificationError(ApplicationError):
    """An applicant action that is not possible now; ``message`` is shown to the applicant."""


def _lock(verification: Verification) -> Verification:
    return item_lock(verification)


def _require_editable(verification: Verification) -> None:
    if not verification.is_editable:
        raise VerificationError(_("认证申请已提交，审核期间不能修改。"))


# --- Applicant ----------------------------------------------------------------------------------------------------


@transaction.atomic
def verification_open(*, account: User) -> Verification:
    """Return the account's open round, or start one (copying the last decided round, if any)."""
    open_round = account.verifications.filter(
        status__in=[Verification.Status.DRAFT, Verification.Status.SUBMITTED]
    )
    current = open_round.first()
    if current is not None:
        return current
    last = account.verifications.filter(
        status__in=[Verification.Status.APPROVED, Verification.Status.REJECTED]
    ).first()
    kind = (
        Verification.Kind.INSTITUTION
        if account.kind == User.Kind.INSTITUTION
        else Verification.Kind.INDIVIDUAL
    )
    if last is None:
        try:
            with transaction.atomic():
                return Verification.objects.create(account=account, kind=kind)
        except IntegrityError:
            # A double click opened the round in a parallel request: use that one.
            return open_round.get()
    return _new_round_from(last)


def _new_round_from(last: Verification) -> Verification:
    copied = Verification.objects.get(pk=last.pk)
    copied.pk = None
    copied.id = None
    copied.status = Verification.Status.DRAFT
    copied.previous = last
    copied.step = 2  # the identity step is decided; the applicant reviews the details and the uploads
    copied.created_at = timezone.now()
    for field in ("submitted_at", "due_date", "decided_at", "decided_by", "claimed_by", "claimed_at"):
        setattr(copied, field, None)
    copied.consent_id_data = copied.consent_face = ""
    copied.consent_id_data_at = copied.consent_face_at = None
    copied.internal_note = ""
    copied.checklist = {}
    copied.save(force_insert=True)
    for document in last.documents.all():
        content = read_private_file(document.storage_name)
        suffix = "." + document.storage_name.rsplit(".", 1)[-1] if "." in document.storage_name else ""
        VerificationDocument.objects.create(
            verification=copied,
            slot=document.slot,
            storage_name=store_private_file(content=content, folder=UPLOAD_FOLDER, suffix=suffix),
            content_type=document.content_type,
            sha256=document.sha256,
            photo_hash=document.photo_hash,
            width=document.width,
            height=document.height,
            check_state=document.check_state,
            checks=document.checks,
        )
    return copied


@transaction.atomic
def verification_save_identity(
    *, verification: Verification, nationality: str, id_type: str = "", category: str = ""
) -> Verification:
    """Save step 1 (身份): nationality and ID type for a person, category for an institution."""
    verification = _lock(verification)
    _require_editable(verification)
    approved_before = _approved_previous(verification)
    if approved_before is not None and id_type and id_type != approved_before.id_type:
        raise ValidationError({"id_type": [_("重新认证不能更换证件。")]})
    verification.nationality = nationality
    if verification.kind == Verification.Kind.INSTITUTION:
        verification.category = category
    verification.id_type = id_type
    verification.step = max(verification.step, 1)
    verification.save()
    return verification


@dataclass(frozen=True)
class PersonDetails:
    real_name: str
    id_number: str
    id_valid_from: date
    id_valid_until: date | None
    id_long_term: bool
    province: str
    city: str


@dataclass(frozen=True)
class InstitutionDetails:
    institution_name: str
    credit_code: str
    legal_representative: str
    address: str
    province: str
    city: str
    admin: PersonDetails


def _approved_previous(verification: Verification) -> Verification | None:
    round_ = verification.previous
    while round_ is not None:
        if round_.status == Verification.Status.APPROVED:
            return round_
        round_ = round_.previous
    return None


def validity_problem(*, valid_from: date | None, valid_until: date | None, long_term: bool) -> str | None:
    """Return what is wrong with a document's validity (有效期), or None."""
    if valid_until and valid_from and valid_until < valid_from:
        return _("有效期截止日期不能早于起始日期。")
    if not long_term and valid_until and valid_until < timezone.localdate():
        return _("证件已过有效期，请使用有效证件。")
    if not long_term and valid_until is None:
        return _("请填写有效期截止日期，或选择长期有效。")
    return None


def _apply_person(verification: Verification, details: PersonDetails, *, field_prefix: str = "") -> None:
    if not verification.id_type:
        raise VerificationError(_("请先选择证件类型。"))
    try:
        number, birth = validate_id_number(verification.id_type, details.id_number)
    except ValidationError as error:
        raise ValidationError({f"{field_prefix}id_number": error.messages}) from None
    approved_before = _approved_previous(verification)
    if (
        approved_before is not None
        and verification.kind == Verification.Kind.INDIVIDUAL
        and approved_before.identity_index != person_identity_index(verification.id_type, number)
    ):
        raise ValidationError({f"{field_prefix}id_number": [_("重新认证不能更改证件号码。")]})
    validity = validity_problem(
        valid_from=details.id_valid_from, valid_until=details.id_valid_until, long_term=details.id_long_term
    )
    if validity:
        raise ValidationError({f"{field_prefix}id_valid_until": [validity]})
    verification.real_name = details.real_name.strip()
    verification.id_number = number
    verification.birth_date = birth
    verification.id_valid_from = details.id_valid_from
    verification.id_valid_until = None if details.id_long_term else details.id_valid_until
    verification.id_long_term = details.id_long_term
    verification.province = details.province.strip()
    verification.city = details.city.strip()


@transaction.atomic
def verification_save_details(
    *, verification: Verification, details: PersonDetails | InstitutionDetails
) -> Verification:
    """Save step 2 (完善账户信息); ID numbers and credit codes are checked, the identity index recomputed."""
    verification = _lock(verification)
    _require_editable(verification)
    if isinstance(details, InstitutionDetails):
        try:
            code = validate_credit_code(details.credit_code)
        except ValidationError as error:
            raise ValidationError({"credit_code": error.messages}) from None
        approved_before = _approved_previous(verification)
        if approved_before is not None and approved_before.credit_code != code:
            raise ValidationError({"credit_code": [_("重新认证不能更改统一社会信用代码。")]})
        _apply_person(verification, details.admin, field_prefix="admin_")
        verification.institution_name = details.institution_name.strip()
        verification.credit_code = code
        verification.legal_representative = details.legal_representative.strip()
        verification.address = details.address.strip()
        verification.province = details.province.strip()
        verification.city = details.city.strip()
        verification.identity_index = institution_identity_index(code)
    else:
        _apply_person(verification, details)
        verification.identity_index = person_identity_index(verification.id_type, verification.id_number)
    verification.step = max(verification.step, 2)
    verification.save()
    return verification


def verification_upload(*, verification: Verification, slot: str, data: bytes) -> VerificationDocument:
    """Check, clean and store an uploaded document for ``slot``; its photo checks run after the commit."""
    if slot not in verification.slots:
        raise VerificationError(_("该认证类型不需要此材料。"))
    try:
        clean = sanitize_upload(
            data,
            allow_pdf=slot == Slot.AUTHORIZATION_LETTER,
            max_bytes=settings.IDENTITY_UPLOAD_MAX_BYTES,
        )
    except UploadRejected as rejection:
        raise VerificationError(rejection.message) from None
    digest = "" if clean.content_type == "application/pdf" else f"{photo_hash(clean.content):016x}"
    storage_name = store_private_file(
        content=clean.content, folder=UPLOAD_FOLDER, suffix="." + clean.extension
    )
    with transaction.atomic():
        verification = _lock(verification)
        _require_editable(verification)
        document, _created = VerificationDocument.objects.update_or_create(
            verification=verification,
            slot=slot,
            defaults={
                "storage_name": storage_name,
                "content_type": clean.content_type,
                "sha256": clean.sha256,
                "photo_hash": digest,
                "width": clean.width,
                "height": clean.height,
                "check_state": VerificationDocument.CheckState.PENDING,
                "checks": [],
                "uploaded_at": timezone.now(),
            },
        )
        outbox_enqueue(task=document_check_task, args=[document.pk])
    return document


def documents_missing(verification: Verification) -> str:
    """Return the message naming the documents still to upload (请上传：…), or "" when none is missing."""
    present = set(verification.documents.values_list("slot", flat=True))
    missing = [Slot(slot).label for slot in verification.slots if slot not in present]
    if not missing:
        return ""
    return _("请上传：%(items)s。") % {"items": "、".join(str(item) for item in missing)}


def verification_submit(
    *, verification: Verification, consent_id_data: bool, consent_face: bool
) -> Verification:
    """Submit for review (申请认证): every document, both consents, and an identity no other account holds."""
    with transaction.atomic():
        verification = _lock(verification)
        _require_editable(verification)
        if verification.step < 2 or not verification.identity_index:
            raise VerificationError(_("请先完善账户信息。"))
        missing = documents_missing(verification)
        if missing:
            raise VerificationError(missing)
        if not (consent_id_data and consent_face):
            raise VerificationError(_("请阅读并勾选两项授权同意。"))
        holder = VerifiedIdentity.objects.filter(index=verification.identity_index).first()
        if holder is not None and holder.account_id != verification.account_id:
            raise VerificationError(
                _("该证件已被其他账户实名认证，一个证件只能认证一个账户。如有疑问请联系客服。")
                if verification.kind == Verification.Kind.INDIVIDUAL
                else _("该统一社会信用代码已被其他账户实名认证，一个机构只能认证一个账户。")
            )
        now = timezone.now()
        verification.consent_id_data = verification.consent_face = CONSENT_VERSION
        verification.consent_id_data_at = verification.consent_face_at = now
        verification.submitted_at = now
        verification.due_date = review_due_date(now)
        verification.step = 3
        item_transition(
            item=verification,
            to_status=Verification.Status.SUBMITTED,
            by=verification.account,
            require_claim=False,
        )
        account = verification.account
        if account.identity_status != User.IdentityStatus.VERIFIED:
            account.identity_status = User.IdentityStatus.PENDING
            account.save(update_fields=["identity_status"])
        notify(
            recipient=account,
            title=Text(gettext_noop("实名认证申请已提交")),
            body=Text(
                gettext_noop("您已提交实名认证申请，我们将在1-3个工作日内审核（预计%(due)s前）。"),
                due=f"{verification.due_date:%Y-%m-%d}",
            ),
            link=reverse("identity:status"),
        )
    return verification


# --- Review -------------------------------------------------------------------------------------------------------


def verification_approve(
    *, verification: Verification, by: User, checklist: dict[str, bool], note: str = ""
) -> Verification:
    """Approve a claimed verification once every checklist item is ticked."""
    unticked = [str(label) for key, label in CHECKLIST.items() if not checklist.get(key)]
    if unticked:
        raise ReviewError(_("请先完成核对：%(items)s。") % {"items": "、".join(unticked)})
    with transaction.atomic():
        verification = _lock(verification)
        verification.checklist = {key: True for key in CHECKLIST}
        verification.decided_at = timezone.now()
        verification.decided_by = by
        verification.internal_note = note
        item_transition(item=verification, to_status=Verification.Status.APPROVED, by=by, note=note)
        account = User.objects.select_for_update().get(pk=verification.account_id)
        holder = (
            VerifiedIdentity.objects.select_for_update().filter(index=verification.identity_index).first()
        )
        if holder is not None and holder.account_id != account.pk:
            raise ReviewError(_("该证件已被其他账户实名认证，不能通过。"))
        try:
            with transaction.atomic():
                VerifiedIdentity.objects.update_or_create(
                    account=account,
                    defaults={"index": verification.identity_index, "verification": verification},
                )
        except IntegrityError:
            raise ReviewError(_("该证件已被其他账户实名认证，不能通过。")) from None
        account.identity_status = User.IdentityStatus.VERIFIED
        account.save(update_fields=["identity_status"])
        notify(
            recipient=account,
            title=Text(gettext_noop("实名认证审核通过")),
            body=Text(gettext_noop("您的实名认证已审核通过，现在可以办理软件登记。")),
            link=reverse("filings:catalog"),
        )
    return verification


def verification_reject(
    *, verification: Verification, by: User, reasons: list[ReasonCode], note: str = ""
) -> Verification:
    """Reject a claimed verification with one or more reasons the applicant will read."""
    reasons = [
        reason
        for reason in reasons
        if reason.queue == ReasonCode.Queue.IDENTITY
        and reason.is_active
        and reason.applies_to(verification.kind)
    ]
    if not reasons:
        raise ReviewError(_("请至少选择一项不通过理由。"))
    with transaction.atomic():
        verification = _lock(verification)
        verification.decided_at = timezone.now()
        verification.decided_by = by
        verification.internal_note = note
        item_transition(item=verification, to_status=Verification.Status.REJECTED, by=by, note=note)
        verification.rejection_reasons.set(reasons)
        account = verification.account
        if account.identity_status != User.IdentityStatus.VERIFIED:
            account.identity_status = User.IdentityStatus.REJECTED
            account.save(update_fields=["identity_status"])
        notify(
            recipient=account,
            title=Text(gettext_noop("实名认证审核未通过")),
            body=Text(
                gettext_noop("您的实名认证未通过审核，原因：%(reasons)s。请修改信息后再提交。"),
                reasons="；".join(reason.clause for reason in reasons),
            ),
            link=reverse("identity:status"),
        )
    return verification
