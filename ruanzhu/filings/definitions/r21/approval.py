"""What approving an R21 does: record the contract against the registration, with its certificate."""

from ruanzhu.filings.definitions.base import Approval
from ruanzhu.filings.definitions.common import (
    label_of,
    record_certificate_data,
    registration_of,
    rights_label,
)
from ruanzhu.filings.definitions.r21.forms import CONTRACT_TYPES
from ruanzhu.filings.definitions.r21.rules import contract_term, term_label
from ruanzhu.filings.models import PartyRole
from ruanzhu.registry.models import RegistrationChange
from ruanzhu.registry.services import (
    RecordOwner,
    certificate_number_label,
    certificate_sequence_next,
    registration_record_change,
)


def approve(filing, by) -> Approval:
    """Record the contract on the registry record and return the contract registration certificate."""
    details = filing.details
    registration = registration_of(filing)
    number = certificate_number_label(certificate_sequence_next())
    parties = list(filing.joined_parties().order_by("position", "id"))
    transferors = [party.name for party in parties if party.role == PartyRole.TRANSFEROR]
    transferees = [party for party in parties if party.role == PartyRole.TRANSFEREE]
    transfer = details.get("contract_type") == "transfer"
    rights = rights_label(details)
    term = contract_term(details)
    rows = (
        ("合同类型", label_of(CONTRACT_TYPES, details.get("contract_type"))),
        ("转让方/许可方", "；".join(transferors)),
        ("受让方/被许可方", "；".join(party.name for party in transferees)),
        ("合同权利范围", rights),
        ("地域范围", details.get("territory", "")),
        (term_label(details), term),
    )
    # A transfer makes the transferees the owners of record (who they are, not only their names); an
    # exclusive licence is recorded against the record and leaves its owners as they are.
    new_owners = (
        [
            RecordOwner(
                party.name, party.account.kind, party.nationality, party.identity_index, party.account_id
            )
            for party in transferees
        ]
        if transfer
        else None
    )
    registration_record_change(
        registration=registration,
        kind=RegistrationChange.Kind.CONTRACT,
        description="；".join(f"{label}：{value}" for label, value in rows)
        + (
            f"；著作权人：{'、'.join(registration.owners)} → {'、'.join(owner.name for owner in new_owners)}"
            if transfer
            else ""
        ),
        before={"owners": list(registration.owners)} if transfer else {},
        after={
            "contract_type": details.get("contract_type"),
            "transferors": transferors,
            "transferees": [party.name for party in transferees],
            **({"owners": [owner.name for owner in new_owners]} if transfer else {}),
            "rights": rights,
            "territory": details.get("territory", ""),
            "term": term,
            "flow_number": filing.flow_number,
        },
        certificate_number=number,
        new_owners=new_owners,
    )
    registration.refresh_from_db()
    certificate = record_certificate_data(
        filing,
        registration,
        kind="contract",
        title="软件著作权合同登记证书",
        number=number,
        rights_scope=rights,
        rows=rows,
    )
    return Approval(registration=registration, certificate=certificate, kind="contract", number=number)
