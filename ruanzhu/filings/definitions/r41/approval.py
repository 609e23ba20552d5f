"""What approving an R41 does: change or supplement the registry record, keeping its history, and certify it."""

import datetime
from dataclasses import replace

from ruanzhu.filings.definitions.base import Approval
from ruanzhu.filings.definitions.common import record_basis, record_certificate_data, registration_of
from ruanzhu.filings.definitions.r41.forms import row_text, rows_of
from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.selectors import record_owners
from ruanzhu.registry.services import (
    RecordOwner,
    certificate_number_label,
    certificate_sequence_next,
    registration_record_change,
)


def _changes(registration, rows) -> tuple[dict, dict, dict]:
    """Return the record's new values, and what the history shows before and after, for the rows."""
    changes: dict = {}
    before: dict = {}
    after: dict = {}
    for row in rows:
        if row.item == "software_name":
            changes["new_name"] = row.after
            before["software_name"], after["software_name"] = registration.software_name, row.after
        elif row.item == "version":
            changes["new_version"] = row.after
            before["version"], after["version"] = registration.version, row.after
        elif row.item == "owner_name":
            # The renamed owner stays who it is: only the printed name changes, its identity is kept.
            owners = changes.get("new_owners") or [
                RecordOwner.of(owner) for owner in record_owners(registration=registration)
            ]
            changes["new_owners"] = [
                replace(owner, name=row.after) if owner.name == row.before else owner for owner in owners
            ]
            before["owners"] = list(registration.owners)
            after["owners"] = [owner.name for owner in changes["new_owners"]]
        elif row.item == "first_publication_date":
            changes["new_first_publication_date"] = datetime.date.fromisoformat(row.after)
            before["first_publication_date"], after["first_publication_date"] = None, row.after
    return changes, before, after


def approve(filing, by) -> Approval:
    """Amend the record as the rows say and return the change (or supplement) certificate."""
    details = filing.details
    registration = registration_of(filing)
    number = certificate_number_label(certificate_sequence_next())
    rows = rows_of(details)
    changes, before, after = _changes(registration, rows)
    texts = [row_text(row) for row in rows]
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
    _acquisition, rights = record_basis(filing, registration)
    label = "补充事项" if kind == RegistrationChange.Kind.SUPPLEMENT else "变更事项"
    certificate = record_certificate_data(
        filing,
        registration,
        kind="change",
        title="软件登记事项变更或补充证明",
        number=number,
        rights_scope=rights,
        rows=(*((label, text) for text in texts), ("变更或补充理由", details.get("reason", ""))),
    )
    return Approval(registration=registration, certificate=certificate, kind="change", number=number)
