"""Vocabulary several services share: registration numbers, rights, the registry record a filing names."""

import re

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.review import ReviewError
from ruanzhu.documents.certificate import CertificateData
from ruanzhu.registry.selectors import registration_get

REGISTRATION_NUMBER = re.compile(r"^\d{4}SR\d{7}$")
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})

ACQUISITION = [("original", _("原始取得")), ("succession", _("继受取得"))]
RIGHTS_SCOPE = [("all", _("全部权利")), ("partial", _("部分权利"))]
RIGHTS = [
    ("publication", _("发表权")),
    ("attribution", _("署名权")),
    ("modification", _("修改权")),
    ("reproduction", _("复制权")),
    ("distribution", _("发行权")),
    ("rental", _("出租权")),
    ("network", _("信息网络传播权")),
    ("translation", _("翻译权")),
    ("other", _("其他")),
]
# Conditional fields of the rights block, for a form's ``show_when``.
RIGHTS_SHOW_WHEN = {"rights": "rights_scope=partial", "rights_other": "rights=other"}


def label_of(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def check_registration_number(value: str) -> str:
    value = (value or "").strip().upper()
    if not REGISTRATION_NUMBER.match(value):
        raise forms.ValidationError(_("登记号格式应为“年份+SR+7位数字”，例如2026SR0123456。"))
    return value


def clean_rights(form: forms.Form, data: dict) -> None:
    """Check 权利范围: 部分权利 names at least one right, and “其他” says which."""
    if data.get("rights_scope") == "partial":
        rights = data.get("rights") or []
        if not rights:
            form.add_error("rights", _("部分权利须至少选择一项权利。"))
        if "other" in rights and not data.get("rights_other", "").strip():
            form.add_error("rights_other", _("选择“其他”时须说明具体权利。"))
    else:
        data["rights"] = []
        data["rights_other"] = ""


def rights_label(details: dict) -> str:
    """Return 权利范围 as printed: 全部权利, or the partial rights named."""
    if details.get("rights_scope") != "partial":
        return label_of(RIGHTS_SCOPE, "all")
    return "、".join(label_of(RIGHTS, right) for right in details.get("rights", [])) + (
        f"（{details.get('rights_other')}）" if details.get("rights_other") else ""
    )


def verification_url(registration) -> str:
    return settings.SITE_URL + reverse("registry:verify", args=[registration.certificate_token])


def registration_of(filing):
    """Return the registry record a filing names by its registration number; refuse the approval otherwise."""
    registration = registration_get(registration_number=filing.details.get("registration_number", ""))
    if registration is None:
        raise ReviewError(
            gettext("登记号%(number)s不在本系统的登记簿中，无法登记；请核对登记号，或作不予登记处理。")
            % {"number": filing.details.get("registration_number", "")}
        )
    return registration


def record_basis(filing, registration) -> tuple[str, str]:
    """Return (权利取得方式, 权利范围) of a record, from the filing it came from ("—" when unknown)."""
    reference = registration.source_reference
    source = None
    if reference.startswith("filing:") and reference[7:].isdigit():
        source = type(filing).objects.filter(pk=int(reference[7:])).only("details").first()
    if source is None:
        return "—", "—"
    return label_of(ACQUISITION, source.details.get("acquisition")) or "—", rights_label(source.details)


def record_certificate_data(
    filing, registration, *, kind: str, title: str, number: str, rights_scope: str, rows
) -> CertificateData:
    """Return the certificate of something recorded against a registration (a contract, a change …)."""
    acquisition, _rights = record_basis(filing, registration)
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
        verification_url=verification_url(registration),
        extra_rows=tuple(rows),
    )
