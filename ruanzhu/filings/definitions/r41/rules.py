"""R41's rules beyond its forms: who may ask to change a record, the form's sections, its title."""

from django.utils.translation import gettext

from ruanzhu.filings.definitions.common import label_of
from ruanzhu.filings.definitions.r41.forms import CHANGE_KINDS, REGISTRATION_TYPES, row_text, rows_of
from ruanzhu.filings.services.parties import party_snapshot
from ruanzhu.registry.selectors import registration_get


def owner_of_record_problems(filing, details: dict) -> list[str]:
    """Return why the applicant may not ask to change the record: only its owners (or their agent) may.

    The applicant is an owner of record when its verified name is one of the record's owners, or when it asks
    to change an owner's name of record into its own verified name (a renamed owner).
    """
    registration = registration_get(registration_number=details.get("registration_number", ""))
    if registration is None:
        return []  # the form says so
    name = party_snapshot(filing.applicant).get("name", "")
    renamed = any(
        row.item == "owner_name" and row.before in registration.owners and row.after == name
        for row in rows_of(details)
    )
    if name in registration.owners or renamed:
        return []
    return [
        gettext(
            "只有登记记录中的著作权人（%(owners)s）或其代理人可以申请变更或补充登记，"
            "申请人%(name)s不是该软件的著作权人。"
        )
        % {"owners": "、".join(registration.owners), "name": name or filing.applicant.display_name}
    ]


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
    return owner_of_record_problems(filing, details) if step == "change" else []


def issue_problems(filing) -> list[str]:
    return owner_of_record_problems(filing, filing.details)
