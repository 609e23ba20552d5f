"""Owners (and other parties) of a filing: verified accounts, their details taken from their verification."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ruanzhu.accounts.models import User
from ruanzhu.accounts.phones import normalize_phone, phone_index
from ruanzhu.filings.models import Filing, FilingParty, PartyRole
from ruanzhu.filings.services.common import FilingError, content_changed, lock, require_editable
from ruanzhu.identity.selectors import verified_identity_of


def _find_account(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    digits = identifier.lstrip("+").replace(" ", "").replace("-", "")
    if digits.isdigit():
        try:
            return User.objects.filter(
                phone_index=phone_index(normalize_phone(identifier)), is_staff=False
            ).first()
        except ValidationError:
            return None
    return User.objects.filter(username__iexact=identifier, is_staff=False).first()


def party_snapshot(account: User) -> dict:
    """Return the party details of a verified account, as its verification states them ({} if unverified)."""
    identity = verified_identity_of(account)
    if identity is None:
        return {}
    return {
        "name": identity.name,
        "category": identity.category,
        "id_type": identity.id_type,
        "id_number": identity.id_number,
        "nationality": identity.nationality,
        "province": identity.province,
        "city": identity.city,
        "identity_index": identity.identity_index,
    }


def _apply_snapshot(party: FilingParty, account: User) -> None:
    snapshot = party_snapshot(account)
    party.name = snapshot.get("name") or account.display_name
    for field in ("category", "id_type", "id_number", "nationality", "province", "city", "identity_index"):
        setattr(party, field, snapshot.get(field, ""))


def party_add(*, filing: Filing, account: User, by: User, role: str = PartyRole.OWNER) -> FilingParty:
    """Add ``account`` as a party of ``filing`` (inside the caller's transaction)."""
    position = (filing.parties.aggregate(top=Max("position"))["top"] or 0) + 1
    party = FilingParty(filing=filing, account=account, role=role, position=position)
    _apply_snapshot(party, account)
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise FilingError(_("该用户已是本申请的著作权人。")) from None
    return party


@transaction.atomic
def owner_add(*, filing: Filing, by: User, identifier: str, role: str = PartyRole.OWNER) -> FilingParty:
    """Add a co-owner by phone number or username."""
    filing = lock(filing)
    require_editable(filing)
    account = _find_account(identifier)
    if account is None:
        raise FilingError(_("未找到该用户，请核对手机号或用户名。"))
    party = party_add(filing=filing, account=account, by=by, role=role)
    content_changed(filing, by=by)
    return party


@transaction.atomic
def owner_remove(*, filing: Filing, by: User, party_id: int) -> None:
    """Remove a co-owner; the applicant cannot be removed from its own filing."""
    filing = lock(filing)
    require_editable(filing)
    party = filing.parties.filter(pk=party_id).first()
    if party is None:
        raise FilingError(_("没有这位著作权人。"))
    if party.account_id == filing.applicant_id:
        raise FilingError(_("申请人本人不能从自己的申请中移除。"))
    party.delete()
    content_changed(filing, by=by)


def parties_refresh(*, filing: Filing) -> list[str]:
    """Copy every party's details from its verification again; return the names of unverified parties."""
    missing = []
    for party in filing.parties.select_related("account"):
        if not party.account.is_verified_identity:
            missing.append(party.account.display_name)
            continue
        _apply_snapshot(party, party.account)
        party.save()
    return missing
