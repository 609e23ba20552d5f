"""R41's rules beyond its forms: who may ask to change a record and who consents, the form's sections."""

from ruanzhu.filings.definitions import ownership
from ruanzhu.filings.definitions.common import label_of
from ruanzhu.filings.definitions.r41.forms import CHANGE_KINDS, REGISTRATION_TYPES, row_text, rows_of
from ruanzhu.filings.models import PartyRole


def sections(details: dict):
    get = details.get
    return (
        (
            "原登记信息",
            (
                ("原登记类型", label_of(REGISTRATION_TYPES, get("registration_type"))),
                ("原登记号", get("registration_number", "")),
                ("软件名称", f"{get('record_name', '')} {get('record_version', '')}".strip()),
            ),
        ),
        (
            "变更或补充事项",
            (
                ("申请类型", label_of(CHANGE_KINDS, get("change_kind"))),
                *((f"事项{index}", row_text(row)) for index, row in enumerate(rows_of(details), start=1)),
                ("变更或补充理由", get("reason", "")),
            ),
        ),
    )


def title_of(details: dict) -> str:
    kind = label_of(CHANGE_KINDS, details.get("change_kind"))
    return f"{details.get('record_name', '')}（{kind}）" if details.get("record_name") else ""


def step_problems(filing, step: str, details: dict) -> list[str]:
    return ownership.applicant_problems(filing, details) if step == "change" else []


def issue_problems(filing) -> list[str]:
    return ownership.applicant_problems(filing, filing.details)


def on_step_saved(filing, step: str) -> bool:
    """Every owner of record with an account here is an owner of the filing and confirms it."""
    return ownership.parties_sync(filing, PartyRole.OWNER) if step == "change" else False


def owners_of_record(filing) -> list:
    return ownership.owners_of_record(filing, PartyRole.OWNER)


def approval_problems(filing) -> list[str]:
    return ownership.approval_problems(filing, PartyRole.OWNER)
