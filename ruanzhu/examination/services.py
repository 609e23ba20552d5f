"""Examination: acceptance, correction (补正), decisions, numbers and certificates (SPEC §10)."""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.files import read_private_file, store_private_file
from ruanzhu.core.review import ReviewError, item_lock, item_transition
from ruanzhu.documents.certificate import CertificateData, certificate_pdf, sign_pdf
from ruanzhu.examination.models import Certificate, CorrectionRound, RefusalGround
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.definitions.base import to_json
from ruanzhu.filings.definitions.r11 import ACQUISITION, label_of, rights_label
from ruanzhu.filings.models import Filing, FilingDocument, PartyRole
from ruanzhu.filings.services import FilingError
from ruanzhu.filings.services.documents import SIGNATURE_PAGE, clean_upload, deposit_problems
from ruanzhu.filings.states import Status
from ruanzhu.notifications.services import notify
from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.selectors import registration_get
from ruanzhu.registry.services import (
    certificate_number_label,
    certificate_sequence_next,
    registration_create,
    registration_numbers_next,
    registration_record_change,
)


def _notify_parties(filing: Filing, *, title: str, body: str, sms: bool = True) -> None:
    link = reverse("filings:detail", args=[filing.pk])
    accounts = {party.account for party in filing.parties.select_related("account")} | {filing.filer}
    for account in accounts:
        notify(recipient=account, title=title, body=body, link=link, sms=sms)


def _transition(filing: Filing, to_status: str, *, by, note: str = "") -> Filing:
    filing = item_lock(filing)
    item_transition(item=filing, to_status=to_status, by=by, note=note)
    filing.save()
    return filing


@transaction.atomic
def filing_accept(*, filing: Filing, by) -> Filing:
    """Accept (已受理) a submitted filing whose materials are complete, and send the acceptance notice."""
    filing = _transition(filing, Status.ACCEPTED, by=by, note=_("材料齐全，予以受理。"))
    _notify_parties(
        filing,
        title=_("受理通知"),
        body=_("%(title)s（流水号%(flow)s）已受理，进入审查。")
        % {"title": filing.title, "flow": filing.flow_number},
    )
    return filing


@transaction.atomic
def filing_reject_acceptance(*, filing: Filing, by, reason: str) -> Filing:
    """Refuse acceptance (不予受理): a duplicate or incomplete materials."""
    if not reason.strip():
        raise ReviewError(_("请说明不予受理的理由。"))
    filing = _transition(filing, Status.NOT_ACCEPTED, by=by, note=reason.strip())
    _notify_parties(
        filing,
        title=_("不予受理通知"),
        body=_("%(title)s（流水号%(flow)s）不予受理：%(reason)s")
        % {"title": filing.title, "flow": filing.flow_number, "reason": reason.strip()},
    )
    return filing


@transaction.atomic
def examination_start(*, filing: Filing, by) -> Filing:
    """Open the examination of an accepted filing (审查中)."""
    return _transition(filing, Status.EXAMINING, by=by)


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
    filing = _transition(filing, Status.CORRECTION, by=by, note=note)
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
    _notify_parties(
        filing,
        title=_("补正通知"),
        body=_("%(title)s（流水号%(flow)s）需要补正，请在%(deadline)s前提交补正材料，逾期视为撤回。")
        % {"title": filing.title, "flow": filing.flow_number, "deadline": f"{deadline:%Y-%m-%d}"},
    )
    return correction


def open_correction(filing: Filing) -> CorrectionRound | None:
    return filing.correction_rounds.filter(answered_at__isnull=True).order_by("-number").first()


def correction_submit(
    *, filing: Filing, by, fields: dict, documents: dict[str, tuple[bytes, str]]
) -> CorrectionRound:
    """Apply the applicant's corrections — only to the listed items — and return the filing to the examiner.

    ``fields`` maps a field name to its new (raw) value; ``documents`` maps a document kind to (data, filename).
    The step forms validate the corrected details as a whole; deposits are checked as at upload.
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
            problems, page_count = deposit_problems(probe, deposit=spec.deposit, data=data)
            if problems:
                raise FilingError("\n".join(problem["message"] for problem in problems))
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
                },
            )
        filing.details = new_details
        filing.title = definition.title_of(new_details)[:200]
        item_transition(
            item=filing, to_status=Status.EXAMINING, by=by, note=_("已提交补正"), require_claim=False
        )
        filing.save()
        correction.answered_at = timezone.now()
        correction.after = snapshot(filing)
        correction.save(update_fields=["answered_at", "after"])
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


def _certificate_data(filing: Filing, registration) -> CertificateData:
    details = filing.details
    rights = rights_label(details)
    published = details.get("first_publication_date")
    return CertificateData(
        kind="registration",
        title="计算机软件著作权登记证书",
        certificate_number=registration.certificate_number,
        registration_number=registration.registration_number,
        software_name=registration.software_name,
        version=registration.version,
        owners=tuple(registration.owners),
        completion_date=datetime.date.fromisoformat(details["completion_date"]),
        first_publication_date=datetime.date.fromisoformat(published) if published else None,
        acquisition=label_of(ACQUISITION, details.get("acquisition")),
        rights_scope=rights,
        registered_on=registration.registered_on,
        verification_url=settings.SITE_URL
        + reverse("registry:verify", args=[registration.certificate_token]),
    )


def certificate_issue(
    *, filing: Filing, registration, kind: str = "registration", data: CertificateData | None = None
) -> Certificate:
    """Render and sign the certificate of a decision and keep it with the filing."""
    key_pem, cert_pem = signing_identity()
    pdf = sign_pdf(
        certificate_pdf(data or _certificate_data(filing, registration)), key_pem=key_pem, cert_pem=cert_pem
    )
    return Certificate.objects.create(
        filing=filing,
        registration=registration,
        kind=kind,
        certificate_number=registration.certificate_number
        if kind == "registration"
        else (data.certificate_number if data else ""),
        storage_name=store_private_file(content=pdf, folder="certificates", suffix=".pdf"),
    )


def _register(filing: Filing, by) -> Certificate:
    """R11: take the registration and certificate numbers, publish the record, issue the certificate."""
    details = filing.details
    today = timezone.localdate()
    registration_number, certificate_sequence = registration_numbers_next(year=today.year)
    published = details.get("first_publication_date")
    registration = registration_create(
        software_name=details["full_name"],
        short_name=details.get("short_name", ""),
        version=details["version"],
        category=details.get("category", ""),
        owners=[party.name for party in filing.parties.order_by("position", "id")],
        completion_date=datetime.date.fromisoformat(details["completion_date"]),
        first_publication_date=datetime.date.fromisoformat(published) if published else None,
        registered_on=today,
        service=filing.service,
        source_reference=f"filing:{filing.pk}",
        registration_number=registration_number,
        certificate_sequence=certificate_sequence,
    )
    return certificate_issue(filing=filing, registration=registration)


def _record_basis(registration) -> tuple[str, str]:
    """Return (权利取得方式, 权利范围) of a record, from the filing it came from ("—" when unknown)."""
    reference = registration.source_reference
    source = None
    if reference.startswith("filing:") and reference[7:].isdigit():
        source = Filing.objects.filter(pk=int(reference[7:])).only("details").first()
    if source is None:
        return "—", "—"
    return label_of(ACQUISITION, source.details.get("acquisition")) or "—", rights_label(source.details)


def _registration_of(filing: Filing):
    registration = registration_get(registration_number=filing.details.get("registration_number", ""))
    if registration is None:
        raise ReviewError(
            _("登记号%(number)s不在本系统的登记簿中，无法登记；请核对登记号，或作不予登记处理。")
            % {"number": filing.details.get("registration_number", "")}
        )
    return registration


def _change_certificate_data(
    filing: Filing, registration, *, kind: str, title: str, number: str, rights_scope: str, rows
) -> CertificateData:
    acquisition, _rights = _record_basis(registration)
    return CertificateData(
        kind=kind,
        title=title,
        certificate_number=number,
        registration_number=registration.registration_number,
        software_name=registration.software_name,
        version=registration.version,
        owners=tuple(registration.owners),
        completion_date=registration.completion_date,
        first_publication_date=registration.first_publication_date,
        acquisition=acquisition,
        rights_scope=rights_scope,
        registered_on=timezone.localdate(),
        verification_url=settings.SITE_URL
        + reverse("registry:verify", args=[registration.certificate_token]),
        extra_rows=tuple(rows),
    )


def _record_contract(filing: Filing, by) -> Certificate:
    """R21: record the contract against the registration and issue the contract registration certificate."""
    from ruanzhu.filings.definitions.r21 import CONTRACT_TYPES, contract_term

    details = filing.details
    registration = _registration_of(filing)
    number = certificate_number_label(certificate_sequence_next())
    parties = list(filing.parties.order_by("position", "id"))
    transferors = [party.name for party in parties if party.role == PartyRole.TRANSFEROR]
    transferees = [party.name for party in parties if party.role == PartyRole.TRANSFEREE]
    contract_type = label_of(CONTRACT_TYPES, details.get("contract_type"))
    rights = rights_label(details)
    term = contract_term(details)
    rows = (
        ("合同类型", contract_type),
        ("转让方/许可方", "；".join(transferors)),
        ("受让方/被许可方", "；".join(transferees)),
        ("合同权利范围", rights),
        ("地域范围", details.get("territory", "")),
        ("许可期限" if details.get("contract_type") == "exclusive_licence" else "转让生效日期", term),
    )
    registration_record_change(
        registration=registration,
        kind=RegistrationChange.Kind.CONTRACT,
        description="；".join(f"{label}：{value}" for label, value in rows),
        before={},
        after={
            "contract_type": details.get("contract_type"),
            "transferors": transferors,
            "transferees": transferees,
            "rights": rights,
            "territory": details.get("territory", ""),
            "term": term,
            "flow_number": filing.flow_number,
        },
        certificate_number=number,
    )
    registration.refresh_from_db()
    data = _change_certificate_data(
        filing,
        registration,
        kind="contract",
        title="软件著作权合同登记证书",
        number=number,
        rights_scope=rights,
        rows=rows,
    )
    return certificate_issue(filing=filing, registration=registration, kind="contract", data=data)


def _amend_record(filing: Filing, by) -> Certificate:
    """R41: change or supplement the registry record, keeping its history, and issue the change certificate."""
    from ruanzhu.filings.definitions.r41 import row_text, rows_of

    details = filing.details
    registration = _registration_of(filing)
    number = certificate_number_label(certificate_sequence_next())
    changes: dict = {}
    before: dict = {}
    after: dict = {}
    for row in rows_of(details):
        if row.item == "software_name":
            changes["new_name"] = row.after
            before["software_name"], after["software_name"] = registration.software_name, row.after
        elif row.item == "version":
            changes["new_version"] = row.after
            before["version"], after["version"] = registration.version, row.after
        elif row.item == "owner_name":
            owners = changes.get("new_owners", list(registration.owners))
            changes["new_owners"] = [row.after if owner == row.before else owner for owner in owners]
            before["owners"], after["owners"] = list(registration.owners), changes["new_owners"]
        elif row.item == "first_publication_date":
            changes["new_first_publication_date"] = datetime.date.fromisoformat(row.after)
            before["first_publication_date"], after["first_publication_date"] = None, row.after
    texts = [row_text(row) for row in rows_of(details)]
    kind = (
        RegistrationChange.Kind.SUPPLEMENT
        if details.get("change_kind") == "supplement"
        else RegistrationChange.Kind.CHANGE
    )
    registration_record_change(
        registration=registration,
        kind=kind,
        description="；".join(texts),
        before=before,
        after=after,
        certificate_number=number,
        **changes,
    )
    registration.refresh_from_db()
    _acquisition, rights = _record_basis(registration)
    label = "补充事项" if kind == RegistrationChange.Kind.SUPPLEMENT else "变更事项"
    data = _change_certificate_data(
        filing,
        registration,
        kind="change",
        title="软件登记事项变更或补充证明",
        number=number,
        rights_scope=rights,
        rows=(*((label, text) for text in texts), ("变更或补充理由", details.get("reason", ""))),
    )
    return certificate_issue(filing=filing, registration=registration, kind="change", data=data)


# What approval does, by ServiceDefinition.approval.
APPROVALS = {"register": _register, "contract": _record_contract, "amend": _amend_record}


@transaction.atomic
def filing_register(*, filing: Filing, by) -> Filing:
    """Decide 已登记 and do what approval does for the filing's service (its definition says which)."""
    filing = _transition(filing, Status.REGISTERED, by=by, note=_("准予登记"))
    certificate = APPROVALS[definition_for(filing.service).approval](filing, by)
    _notify_parties(
        filing,
        title=_("登记通知"),
        body=_("%(title)s已登记，登记号%(number)s，证书号%(certificate)s。可在“我的申请”中下载电子证书。")
        % {
            "title": filing.title,
            "number": certificate.registration.registration_number,
            "certificate": certificate.certificate_number,
        },
    )
    return filing


@transaction.atomic
def filing_refuse(*, filing: Filing, by, ground: str, note: str = "") -> Filing:
    """Decide 不予登记 on one of the grounds of SPEC §10."""
    if ground not in RefusalGround.values:
        raise ReviewError(_("请选择不予登记的理由。"))
    label = RefusalGround(ground).label
    filing = _transition(filing, Status.REFUSED, by=by, note=f"{label}{'：' + note if note else ''}")
    _notify_parties(
        filing,
        title=_("不予登记通知"),
        body=_("%(title)s（流水号%(flow)s）不予登记：%(ground)s")
        % {"title": filing.title, "flow": filing.flow_number, "ground": label},
    )
    return filing


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
            filing.save()
            _notify_parties(
                filing,
                title=_("视为撤回通知"),
                body=_("%(title)s（流水号%(flow)s）未在补正期限内补正，视为撤回。")
                % {"title": filing.title, "flow": filing.flow_number},
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
                _notify_parties(
                    correction.filing,
                    title=_("补正期限提醒"),
                    body=_("%(title)s的补正期限为%(deadline)s，请及时提交补正材料，逾期视为撤回。")
                    % {"title": correction.filing.title, "deadline": f"{correction.deadline:%Y-%m-%d}"},
                )
                reminded += 1
    return {"expired": expired, "reminded": reminded}


def certificate_content(certificate: Certificate) -> bytes:
    return read_private_file(certificate.storage_name)
