"""R21's rules beyond its forms: who may file, the parties a contract needs, the term and sections as printed."""

from django.utils.translation import gettext

from ruanzhu.filings.definitions import ownership
from ruanzhu.filings.definitions.common import label_of, rights_label
from ruanzhu.filings.definitions.r21.forms import CONTRACT_TYPES
from ruanzhu.filings.models import PartyRole


def contract_term(details: dict) -> str:
    if details.get("contract_type") == "exclusive_licence":
        return f"{details.get('licence_start', '')} 至 {details.get('licence_end', '')}"
    return f"{details.get('effective_date', '')} 起生效"


def term_label(details: dict) -> str:
    return "许可期限" if details.get("contract_type") == "exclusive_licence" else "转让生效日期"


def sections(details: dict):
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
                (term_label(details), contract_term(details)),
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


def step_problems(filing, step: str, details: dict) -> list[str]:
    return ownership.applicant_problems(filing, details) if step == "contract" else []


def on_step_saved(filing, step: str) -> bool:
    """The transferor/licensor side is exactly the owners of record with an account here."""
    return ownership.parties_sync(filing, PartyRole.TRANSFEROR) if step == "contract" else False


def owners_of_record(filing) -> list:
    return ownership.owners_of_record(filing, PartyRole.TRANSFEROR)


def approval_problems(filing) -> list[str]:
    return ownership.approval_problems(filing, PartyRole.TRANSFEROR)


def issue_problems(filing) -> list[str]:
    """Return what the parties still lack: the owners of record and a transferee, and no party on both sides."""
    applicant = ownership.applicant_problems(filing, filing.details)
    if applicant:
        return applicant
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
