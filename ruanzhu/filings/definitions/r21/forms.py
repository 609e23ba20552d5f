"""R21 — 计算机软件著作权转让或专有许可合同登记申请: the fields and rules of SPEC §9."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.base import DocumentSpec, ServiceDefinition, Step
from ruanzhu.filings.definitions.r11 import (
    DATE_INPUT,
    RIGHTS,
    RIGHTS_SCOPE,
    check_registration_number,
    clean_rights,
    label_of,
    rights_label,
)

CONTRACT_TYPES = [("transfer", _("转让合同")), ("exclusive_licence", _("专有许可合同"))]
SIDES = [("transferor", _("转让方/许可方")), ("transferee", _("受让方/被许可方"))]


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

    registration_number = forms.CharField(label=_("登记号"), max_length=13, help_text=_("例如 2026SR0123456"))
    software_name = forms.CharField(label=_("软件全称"), max_length=200)
    version = forms.CharField(label=_("版本号"), max_length=40)
    contract_type = forms.ChoiceField(label=_("合同类型"), choices=CONTRACT_TYPES, widget=forms.RadioSelect)
    applicant_side = forms.ChoiceField(label=_("申请人是"), choices=SIDES, widget=forms.RadioSelect)
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
        from ruanzhu.registry.selectors import registration_get

        data = super().clean()
        number = _registration_number(self, data) if "registration_number" in data else ""
        registration = registration_get(registration_number=number) if number else None
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


def contract_term(details: dict) -> str:
    if details.get("contract_type") == "exclusive_licence":
        return f"{details.get('licence_start', '')} 至 {details.get('licence_end', '')}"
    return f"{details.get('effective_date', '')} 起生效"


def _sections(details: dict):
    get = details.get
    return (
        (
            "合同信息",
            (
                ("软件全称", get("software_name", "")),
                ("版本号", get("version", "")),
                ("登记号", get("registration_number", "")),
                ("合同类型", label_of(CONTRACT_TYPES, get("contract_type"))),
                ("权利范围", rights_label(details)),
                ("地域范围", get("territory", "")),
                (
                    "许可期限" if get("contract_type") == "exclusive_licence" else "转让生效日期",
                    contract_term(details),
                ),
            ),
        ),
        (
            "当事人地址",
            (
                ("转让方/许可方地址", get("transferor_address", "")),
                ("受让方/被许可方地址", get("transferee_address", "")),
            ),
        ),
    )


def _issue_problems(filing) -> list[str]:
    roles: dict[str, set[int]] = {"transferor": set(), "transferee": set()}
    for role, account in filing.parties.values_list("role", "account_id"):
        if role in roles:
            roles[role].add(account)
    problems = []
    if not roles["transferor"]:
        problems.append(gettext("请添加转让方/许可方。"))
    if not roles["transferee"]:
        problems.append(gettext("请添加受让方/被许可方。"))
    if roles["transferor"] & roles["transferee"]:
        problems.append(gettext("同一当事人不能既是转让方/许可方又是受让方/被许可方。"))
    return problems


R21 = ServiceDefinition(
    code="R21",
    title=_("计算机软件著作权转让或专有许可合同登记申请"),
    form_title="计算机软件著作权转让或专有许可合同登记申请表",
    steps=(
        Step("contract", _("合同信息"), ContractForm),
        Step("parties", _("当事人"), PartiesForm),
        Step("confirm", _("确认")),
    ),
    documents=(DocumentSpec("contract", _("合同文本"), step="parties", accept_images=True),),
    party_label=_("合同当事人"),
    parties_step="parties",
    party_roles=("transferor", "transferee"),
    applicant_role=lambda details: details.get("applicant_side") or "transferor",
    title_of=lambda details: details.get("software_name", ""),
    form_sections=_sections,
    issue_problems=_issue_problems,
    approval="contract",
)
