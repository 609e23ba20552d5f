"""R21's wizard forms: the contract, its parties' addresses (SPEC §9)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.common import (
    DATE_INPUT,
    RIGHTS,
    RIGHTS_SCOPE,
    RIGHTS_SHOW_WHEN,
    check_registration_number,
    clean_rights,
)
from ruanzhu.registry.selectors import registration_get

CONTRACT_TYPES = [("transfer", _("转让合同")), ("exclusive_licence", _("专有许可合同"))]


def _registration_number(form: forms.Form, data: dict) -> str:
    """Return the normalised registration number of the form ("" after noting a malformed one)."""
    try:
        data["registration_number"] = check_registration_number(data["registration_number"])
    except forms.ValidationError as error:
        form.add_error("registration_number", error)
        return ""
    return data["registration_number"]


class ContractForm(forms.Form):
    """合同信息: the registered software, the contract and what it covers."""

    show_when = {
        **RIGHTS_SHOW_WHEN,
        "effective_date": "contract_type=transfer",
        "licence_start": "contract_type=exclusive_licence",
        "licence_end": "contract_type=exclusive_licence",
    }

    registration_number = forms.CharField(label=_("登记号"), max_length=13, help_text=_("例如 2026SR0123456"))
    software_name = forms.CharField(label=_("软件全称"), max_length=200)
    version = forms.CharField(label=_("版本号"), max_length=40)
    contract_type = forms.ChoiceField(label=_("合同类型"), choices=CONTRACT_TYPES, widget=forms.RadioSelect)
    rights_scope = forms.ChoiceField(label=_("权利范围"), choices=RIGHTS_SCOPE, widget=forms.RadioSelect)
    rights = forms.MultipleChoiceField(
        label=_("部分权利"), choices=RIGHTS, required=False, widget=forms.CheckboxSelectMultiple
    )
    rights_other = forms.CharField(label=_("其他权利说明"), max_length=100, required=False)
    territory = forms.CharField(label=_("地域范围"), max_length=200)
    effective_date = forms.DateField(label=_("转让生效日期"), widget=DATE_INPUT, required=False)
    licence_start = forms.DateField(label=_("许可期限起"), widget=DATE_INPUT, required=False)
    licence_end = forms.DateField(label=_("许可期限止"), widget=DATE_INPUT, required=False)

    def clean(self):
        data = super().clean()
        number = _registration_number(self, data) if "registration_number" in data else ""
        registration = registration_get(registration_number=number) if number else None
        if number and registration is None:
            self.add_error(
                "registration_number",
                _("登记号%(number)s不在本系统的登记簿中，请核对。") % {"number": number},
            )
        name, version = data.get("software_name", "").strip(), data.get("version", "").strip()
        if registration is not None and name and version:
            if (name, version) != (registration.software_name, registration.version):
                self.add_error(
                    "software_name",
                    _("软件全称和版本号须与登记号%(number)s的登记记录一致：%(name)s %(version)s。")
                    % {
                        "number": registration.registration_number,
                        "name": registration.software_name,
                        "version": registration.version,
                    },
                )
        clean_rights(self, data)
        if data.get("contract_type") == "exclusive_licence":
            start, end = data.get("licence_start"), data.get("licence_end")
            if not start:
                self.add_error("licence_start", _("专有许可合同须填写许可期限的起始日期。"))
            if not end:
                self.add_error("licence_end", _("专有许可合同须填写许可期限的终止日期。"))
            if start and end and end < start:
                self.add_error("licence_end", _("许可期限的终止日期不能早于起始日期。"))
            data["effective_date"] = None
        elif data.get("contract_type") == "transfer":
            if not data.get("effective_date"):
                self.add_error("effective_date", _("转让合同须填写转让生效日期。"))
            data["licence_start"] = data["licence_end"] = None
        return data


class PartiesForm(forms.Form):
    """当事人: the addresses printed with the parties (names and the rest come from their verification)."""

    transferor_address = forms.CharField(label=_("转让方/许可方地址"), max_length=200)
    transferee_address = forms.CharField(label=_("受让方/被许可方地址"), max_length=200)
