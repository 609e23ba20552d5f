"""Owners of record: who may file on a registry record, and who must consent (services that change a record).

People are matched by the blind index of their verified ID number or credit code, never by name: an owner who
changed their name is still the owner, and a stranger who types an owner's name is not. Every owner of record
with an account here becomes a party of the filing in the service's role, so that each confirms the form with a
code sent to their own phone and hears of its outcome; an owner with no account here consents on paper
(著作权人同意书), which the examiner checks.
"""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.base import ChecklistItem, DocumentSpec
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.filings.services.parties import party_add
from ruanzhu.filings.services.versions import confirmed_party_ids
from ruanzhu.identity.models import VerifiedIdentity
from ruanzhu.identity.selectors import verified_identity_of
from ruanzhu.registry.selectors import record_owners, registration_get

OWNER_CONSENT = "owner_consent"


@dataclass(frozen=True)
class OwnerOfRecord:
    """An owner of record as the examiner sees it: matched to an account here or not, and its consent."""

    name: str
    account_id: int | None
    party: FilingParty | None
    consent: str  # "confirmed", "pending", "document", "missing"

    @property
    def matched(self) -> bool:
        return self.account_id is not None

    @property
    def consented(self) -> bool:
        return self.consent in ("confirmed", "document")


def _registration(details: dict):
    return registration_get(registration_number=details.get("registration_number", ""))


def _accounts_of(owners) -> dict[int, int | None]:
    """Return, for each owner row, the account of its verified identity here (None: no account)."""
    indexes = [owner.identity_index for owner in owners if owner.identity_index]
    by_index = dict(VerifiedIdentity.objects.filter(index__in=indexes).values_list("index", "account_id"))
    return {
        owner.pk: by_index.get(owner.identity_index) if owner.identity_index else None for owner in owners
    }


def applicant_problems(filing: Filing, details: dict) -> list[str]:
    """Return why the filing's applicant may not file on the record its details name (nothing if it may).

    The applicant (the client, when an agent files under a mandate) must be an owner of record by identity.
    """
    registration = _registration(details)
    if registration is None:
        return []  # the form says so
    identity = verified_identity_of(filing.applicant)
    owners = record_owners(registration=registration)
    if identity is not None and any(owner.identity_index == identity.identity_index for owner in owners):
        return []
    return [
        gettext(
            "只有登记号%(number)s的著作权人或其委托的代理机构可以办理本业务；申请人不是该登记记录中的著作权人"
            "（以实名认证的证件号码或统一社会信用代码核对，不以名称核对）。"
        )
        % {"number": registration.registration_number}
    ]


def parties_sync(filing: Filing, role: str) -> bool:
    """Make every owner of record with an account here a party of the filing in ``role``; drop the others.

    Return whether the parties changed. The parties of ``role`` are exactly the owners of record: the filer can
    neither leave one out nor add someone else in that role.
    """
    registration = _registration(filing.details)
    owners = record_owners(registration=registration) if registration else []
    wanted = [account for account in _accounts_of(owners).values() if account is not None]
    current = {party.account_id: party for party in filing.parties.filter(role=role)}
    changed = False
    for account_id, party in current.items():
        if account_id not in wanted:
            party.delete()
            changed = True
    missing = [account_id for account_id in wanted if account_id not in current]
    accounts = type(filing.applicant).objects.in_bulk(missing)
    for account_id in missing:  # in the record's order
        party_add(filing=filing, account=accounts[account_id], by=filing.filer, role=role)
        changed = True
    return changed


def unmatched_owner_names(details: dict) -> list[str]:
    """Return the owners of record of the record named in ``details`` who have no account here."""
    registration = _registration(details)
    if registration is None:
        return []
    owners = record_owners(registration=registration)
    accounts = _accounts_of(owners)
    return [owner.name for owner in owners if accounts[owner.pk] is None]


def owners_of_record(filing: Filing, role: str) -> list[OwnerOfRecord]:
    """Return each owner of record of the filing's record with its match and its consent to the current version."""
    registration = _registration(filing.details)
    if registration is None:
        return []
    owners = record_owners(registration=registration)
    accounts = _accounts_of(owners)
    parties = {party.account_id: party for party in filing.parties.filter(role=role)}
    confirmed = confirmed_party_ids(filing)
    has_document = filing.documents.filter(kind=OWNER_CONSENT).exists()
    rows = []
    for owner in owners:
        account_id = accounts[owner.pk]
        party = parties.get(account_id) if account_id else None
        if account_id is None:
            consent = "document" if has_document else "missing"
        elif party is not None and party.pk in confirmed:
            consent = "confirmed"
        else:
            consent = "pending"
        rows.append(OwnerOfRecord(owner.name, account_id, party, consent))
    return rows


def approval_problems(filing: Filing, role: str) -> list[str]:
    """Return what stops approval: an owner of record who has not consented to the current form."""
    missing = [row.name for row in owners_of_record(filing, role) if not row.consented]
    if not missing:
        return []
    return [gettext("登记记录中的著作权人尚未同意本申请：%(names)s。") % {"names": "、".join(missing)}]


def consent_document(step: str) -> DocumentSpec:
    """The 著作权人同意书, required when an owner of record has no account here."""
    return DocumentSpec(
        OWNER_CONSENT,
        _("著作权人同意书（登记记录中没有本系统账户的著作权人签章）"),
        step=step,
        required=lambda details: bool(unmatched_owner_names(details)),
        accept_images=True,
    )


CONSENT_CHECK = ChecklistItem(
    "owner_consent",
    _("著作权人同意书已由登记记录中每一位没有本系统账户的著作权人签章"),
    applies=lambda filing: bool(unmatched_owner_names(filing.details)),
)
