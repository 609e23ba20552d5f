"""Correction (补正): the listed items, the applicant's answer, the diff, reminders and 视为撤回.

A 补正 that changes the content of the form makes a new form version: it counts as answered only once every
confirming party has confirmed that version (its own code or its own account) and the newly signed signature
page of that version is uploaded. Until then the filing stays 待补正.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ruanzhu.core.files import delete_private_file, store_private_file
from ruanzhu.core.masking import mask_phone
from ruanzhu.core.review import ReviewError, item_lock, item_transition
from ruanzhu.examination.models import CorrectionRound
from ruanzhu.examination.services.common import notify_parties, transition
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.definitions.base import to_json
from ruanzhu.filings.models import Filing, FilingDocument, FormVersion
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.documents import SIGNATURE_PAGE, clean_upload, deposit_upload_check
from ruanzhu.filings.services.issue import codes_send
from ruanzhu.filings.services.versions import (
    correction_version,
    fingerprint_of,
    pending_parties,
    version_current,
    version_freeze,
)
from ruanzhu.filings.states import Status
from ruanzhu.notifications.messages import Text


def snapshot(filing: Filing) -> dict:
    """Return what a correction may change: the details and the documents' hashes."""
    return {
        "details": dict(filing.details),
        "documents": {
            document.kind: {"sha256": document.sha256, "name": document.original_name}
            for document in filing.documents.exclude(kind=SIGNATURE_PAGE)
        },
    }


@dataclass(frozen=True)
class CorrectionItem:
    target: str  # "field:<name>" or "document:<kind>"
    message: str


def correction_targets(filing: Filing) -> list[tuple[str, str]]:
    """Return what an examiner may ask to correct: (target, label) for every field and document of the service."""
    definition = definition_for(filing.service)
    targets = []
    for step in definition.form_steps:
        for name, field in step.form_class().fields.items():
            targets.append((f"field:{name}", f"{step.label} · {field.label}"))
    for spec in definition.documents:
        targets.append((f"document:{spec.kind}", str(spec.label)))
    return targets


@transaction.atomic
def correction_request(*, filing: Filing, by, items: list[CorrectionItem], note: str = "") -> CorrectionRound:
    """Ask for a correction (补正) of the listed items, with a deadline; the applicant may change only those."""
    labels = dict(correction_targets(filing))
    items = [item for item in items if item.message.strip()]
    if not items:
        raise ReviewError(_("请至少列出一项补正事项并说明问题。"))
    unknown = [item.target for item in items if item.target not in labels]
    if unknown:
        raise ReviewError(_("补正事项无效。"))
    filing = transition(filing, Status.CORRECTION, by=by, note=note)
    number = filing.correction_rounds.count() + 1
    deadline = timezone.localdate() + datetime.timedelta(days=settings.CORRECTION_DAYS)
    correction = CorrectionRound.objects.create(
        filing=filing,
        number=number,
        items=[
            {"target": item.target, "label": labels[item.target], "message": item.message.strip()}
            for item in items
        ],
        note=note,
        deadline=deadline,
        requested_by=by,
        before=snapshot(filing),
    )
    notify_parties(
        filing,
        title=Text(gettext_noop("补正通知")),
        body=Text(
            gettext_noop(
                "%(title)s（流水号%(flow)s）需要补正，请在%(deadline)s前提交补正材料，逾期视为撤回。"
            ),
            title=filing.title,
            flow=filing.flow_number,
            deadline=f"{deadline:%Y-%m-%d}",
        ),
    )
    return correction


def open_correction(filing: Filing) -> CorrectionRound | None:
    return filing.correction_rounds.filter(answered_at__isnull=True).order_by("-number").first()


def correction_submit(
    *, filing: Filing, by, fields: dict, documents: dict[str, tuple[bytes, str]], ip: str | None = None
) -> CorrectionRound:
    """Apply the applicant's corrections — only to the listed items — and return the filing to the examiner.

    ``fields`` maps a field name to its new (raw) value; ``documents`` maps a document kind to (data, filename).
    The step forms validate the corrected details as a whole; deposits are checked as at upload. A correction
    that changes the form's content makes a new version and sends every confirming party a code for it: it is
    answered once they all confirmed it and its signed signature page is uploaded (``correction_missing``).
    """
    definition = definition_for(filing.service)
    correction = open_correction(filing)
    if filing.status != Status.CORRECTION or correction is None:
        raise FilingError(_("该申请当前不需要补正。"))
    if correction.deadline < timezone.localdate():
        raise FilingError(_("补正期限已过。"))
    allowed_fields, allowed_documents = set(correction.fields), set(correction.documents)
    if set(fields) - allowed_fields or set(documents) - allowed_documents:
        raise FilingError(_("只能修改审查员要求补正的事项。"))
    details = {**filing.details, **fields}
    cleaned = {}
    for step in definition.form_steps:
        form = step.form_class(data=details)
        if not form.is_valid():
            touched = {
                name: errors for name, errors in form.errors.items() if name in fields or name == "__all__"
            }
            raise FilingError(
                "\n".join(
                    f"{form.fields[name].label if name in form.fields else ''}{'：' if name in form.fields else ''}{error}"
                    for name, errors in (touched or form.errors).items()
                    for error in errors
                )
            )
        cleaned.update(form.cleaned_data)
    new_details = {**filing.details, **{name: to_json(cleaned[name]) for name in fields if name in cleaned}}
    stored = []
    probe = Filing(service=filing.service, details=new_details)
    for kind, (data, filename) in documents.items():
        spec = definition.document(kind)
        if spec.deposit:
            page_count = deposit_upload_check(probe, deposit=spec.deposit, data=data)
            content, content_type, extension = data, "application/pdf", "pdf"
        else:
            content, content_type, extension, page_count = clean_upload(
                data, accept_images=spec.accept_images
            )
        stored.append((kind, filename, content, content_type, extension, page_count))
    with transaction.atomic():
        filing = item_lock(filing)
        if filing.status != Status.CORRECTION:
            raise FilingError(_("该申请当前不需要补正。"))
        for kind, filename, content, content_type, extension, page_count in stored:
            FilingDocument.objects.update_or_create(
                filing=filing,
                kind=kind,
                defaults={
                    "original_name": (filename or kind)[:200],
                    "storage_name": store_private_file(
                        content=content, folder="filings", suffix="." + extension
                    ),
                    "content_type": content_type,
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "page_count": page_count,
                    "problems": [],
                    "uploaded_at": timezone.now(),
                },
            )
        filing.details = new_details
        filing.title = definition.title_of(new_details)[:200]
        current = version_current(filing)
        if current is None or current.fingerprint != fingerprint_of(filing):
            # What the owners confirmed and signed is no longer what would be registered: a new version.
            version_freeze(filing=filing, by=by, reason=FormVersion.Reason.CORRECTION)
            filing.save()
            correction.after = snapshot(filing)
            correction.save(update_fields=["after"])
            # A refused send rolls the whole correction back: nothing is half done.
            codes_send(filing=filing, parties=list(pending_parties(filing)), by=by, ip=ip, action=_("补正"))
            return correction
        _answer(filing, correction, by=by)
    return correction


def _answer(filing: Filing, correction: CorrectionRound, *, by) -> None:
    """Return the locked filing to the examiner and record the correction as answered."""
    item_transition(item=filing, to_status=Status.EXAMINING, by=by, note=_("已提交补正"), require_claim=False)
    correction.answered_at = timezone.now()
    correction.after = snapshot(filing)
    correction.save(update_fields=["answered_at", "after"])


def correction_missing(filing: Filing) -> list[str]:
    """Return what a correction's new version still needs before the correction counts as answered."""
    version = correction_version(filing)
    if version is None:
        return []
    missing = [
        _("%(name)s（%(phone)s）确认第%(number)d版申请表")
        % {"name": party.name, "phone": mask_phone(party.account.phone), "number": version.number}
        for party in pending_parties(filing, version)
    ]
    if not version.signed_at:
        missing.append(_("上传第%(number)d版申请表签字或盖章后的申请确认签章页") % {"number": version.number})
    return missing


@transaction.atomic
def correction_codes_send(*, filing: Filing, by, ip: str | None = None) -> list[str]:
    """Send the parties who have not confirmed a correction's new version their code again."""
    filing = item_lock(filing)
    version = correction_version(filing)
    if version is None or version.confirmed_at is not None:
        raise FilingError(_("当前不需要验证码确认。"))
    return codes_send(
        filing=filing, parties=list(pending_parties(filing, version)), by=by, ip=ip, action=_("补正")
    )


def correction_signature_page_upload(*, filing: Filing, by, data: bytes, filename: str) -> CorrectionRound:
    """Store the signed signature page of a correction's confirmed new version; the correction is then answered."""
    if len(data) > settings.FILING_UPLOAD_MAX_BYTES:
        limit = settings.FILING_UPLOAD_MAX_BYTES / 1024 / 1024
        raise FilingError(_("文件不能超过%(size)s。") % {"size": f"{limit:g}MB"})
    content, content_type, extension, page_count = clean_upload(data, accept_images=True)
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        filing = item_lock(filing)
        correction = open_correction(filing)
        version = correction_version(filing)
        if correction is None or version is None:
            raise FilingError(_("该申请当前不需要上传签章页。"))
        if version.confirmed_at is None:
            raise FilingError(
                _("请先由全部著作权人确认第%(number)d版申请表，再上传签章页。") % {"number": version.number}
            )
        earlier = {
            value for value in filing.form_versions.values_list("signature_page_sha256", flat=True) if value
        }
        previous = filing.documents.filter(kind=SIGNATURE_PAGE).first()
        if sha256 in earlier or (previous is not None and previous.sha256 == sha256):
            raise FilingError(
                _("这是此前版本的签章页。请下载第%(number)d版申请表，签字或盖章后上传。")
                % {"number": version.number}
            )
        FilingDocument.objects.update_or_create(
            filing=filing,
            kind=SIGNATURE_PAGE,
            defaults={
                "original_name": (filename or SIGNATURE_PAGE)[:200],
                "storage_name": store_private_file(content=content, folder="filings", suffix="." + extension),
                "content_type": content_type,
                "size": len(content),
                "sha256": sha256,
                "page_count": page_count,
                "problems": [],
                "uploaded_at": timezone.now(),
            },
        )
        if previous is not None:
            old_name = previous.storage_name
            transaction.on_commit(lambda: delete_private_file(old_name))
        version.signature_page_sha256 = sha256
        version.signed_at = timezone.now()
        version.save(update_fields=["signature_page_sha256", "signed_at"])
        _answer(filing, correction, by=by)
    return correction


@dataclass(frozen=True)
class Difference:
    label: str
    before: str
    after: str


def correction_diff(correction: CorrectionRound) -> list[Difference]:
    """Return what changed between the state the examiner saw and the corrected one."""
    if not correction.after:
        return []
    labels = dict(correction_targets(correction.filing))
    differences = []
    before_details, after_details = correction.before.get("details", {}), correction.after.get("details", {})
    for name in sorted(set(before_details) | set(after_details)):
        if before_details.get(name) != after_details.get(name):
            differences.append(
                Difference(
                    labels.get(f"field:{name}", name),
                    str(before_details.get(name, "")),
                    str(after_details.get(name, "")),
                )
            )
    before_documents, after_documents = (
        correction.before.get("documents", {}),
        correction.after.get("documents", {}),
    )
    for kind in sorted(set(before_documents) | set(after_documents)):
        old, new = before_documents.get(kind, {}), after_documents.get(kind, {})
        if old.get("sha256") != new.get("sha256"):
            differences.append(
                Difference(labels.get(f"document:{kind}", kind), old.get("name", "—"), new.get("name", "—"))
            )
    return differences


def corrections_expire(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send reminders before correction deadlines and make filings past them 视为撤回; return the counts."""
    today = today or timezone.localdate()
    expired = reminded = 0
    overdue = CorrectionRound.objects.filter(
        answered_at__isnull=True, deadline__lt=today, filing__status=Status.CORRECTION
    )
    for correction in overdue.select_related("filing"):
        with transaction.atomic():
            filing = item_lock(correction.filing)
            if filing.status != Status.CORRECTION:
                continue
            item_transition(
                item=filing,
                to_status=Status.DEEMED_WITHDRAWN,
                by=None,
                note=_("补正期限届满未补正"),
                require_claim=False,
            )
            notify_parties(
                filing,
                title=Text(gettext_noop("视为撤回通知")),
                body=Text(
                    gettext_noop("%(title)s（流水号%(flow)s）未在补正期限内补正，视为撤回。"),
                    title=filing.title,
                    flow=filing.flow_number,
                ),
            )
            expired += 1
    soon = today + datetime.timedelta(days=settings.CORRECTION_REMINDER_DAYS)
    due = CorrectionRound.objects.filter(
        answered_at__isnull=True,
        reminded_at__isnull=True,
        deadline__gte=today,
        deadline__lte=soon,
        filing__status=Status.CORRECTION,
    )
    for correction in due.select_related("filing"):
        with transaction.atomic():
            if CorrectionRound.objects.filter(pk=correction.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                notify_parties(
                    correction.filing,
                    title=Text(gettext_noop("补正期限提醒")),
                    body=Text(
                        gettext_noop("%(title)s的补正期限为%(deadline)s，请及时提交补正材料，逾期视为撤回。"),
                        title=correction.filing.title,
                        deadline=f"{correction.deadline:%Y-%m-%d}",
                    ),
                )
                reminded += 1
    return {"expired": expired, "reminded": reminded}
