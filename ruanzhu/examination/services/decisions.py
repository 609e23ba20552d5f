"""Decisions: 准予登记 with numbers, the public record and a signed certificate, or 不予登记 on a ground."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.files import read_private_file, store_private_file
from ruanzhu.core.review import ReviewError
from ruanzhu.documents.certificate import CertificateData, certificate_pdf, sign_pdf
from ruanzhu.examination.models import Certificate, RefusalGround
from ruanzhu.examination.services.common import notify_parties, transition
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.definitions.r11 import ACQUISITION, label_of, rights_label
from ruanzhu.filings.models import Filing, PartyRole
from ruanzhu.filings.states import Status
from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.selectors import registration_get
from ruanzhu.registry.services import (
    certificate_number_label,
    certificate_sequence_next,
    registration_create,
    registration_numbers_next,
    registration_record_change,
)


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
    filing = transition(filing, Status.REGISTERED, by=by, note=_("准予登记"))
    certificate = APPROVALS[definition_for(filing.service).approval](filing, by)
    notify_parties(
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
    filing = transition(filing, Status.REFUSED, by=by, note=f"{label}{'：' + note if note else ''}")
    notify_parties(
        filing,
        title=_("不予登记通知"),
        body=_("%(title)s（流水号%(flow)s）不予登记：%(ground)s")
        % {"title": filing.title, "flow": filing.flow_number, "ground": label},
    )
    return filing


def certificate_content(certificate: Certificate) -> bytes:
    return read_private_file(certificate.storage_name)
