"""Parties of a filing: verified accounts, their details taken from their verification.

The applicant's own party and the parties the system adds (owners of record …) join at once (``party_add``).
A co-owner the filer adds by phone number or username is only invited (``owner_add``): until they accept in
their own account, the filing holds what the filer typed, masked, and nothing of who they are; declining or
ignoring the invitation reveals nothing either. A party keeps the blind index of its verified identity, never a
copy of the ID number: documents that print it read it from the verification (``FilingParty.masked_id_number``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ruanzhu.accounts.models import User
from ruanzhu.core.masking import mask_phone, mask_username
from ruanzhu.core.phones import normalize_phone, phone_index
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import Filing, FilingParty, PartyRole
from ruanzhu.filings.services.common import FilingError, content_changed, lock, require_editable
from ruanzhu.identity.selectors import verified_identity_of
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.services import notify

USERNAME_MAX_LENGTH = 30


def _parse_identifier(identifier: str) -> tuple[str, str]:
    """Return ("phone", E.164) or ("username", name) for what the filer typed; refuse what can be neither."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise FilingError(_("请输入著作权人的手机号或用户名。"))
    digits = identifier.lstrip("+").replace(" ", "").replace("-", "")
    if digits.isdigit():
        try:
            return "phone", normalize_phone(identifier)
        except ValidationError as error:
            raise FilingError(error.messages[0]) from None
    if len(identifier) > USERNAME_MAX_LENGTH:
        raise FilingError(_("用户名不超过30个字符，请核对手机号或用户名。"))
    try:
        User.username_validator(identifier)
    except ValidationError:
        raise FilingError(_("用户名格式不正确，请核对手机号或用户名。")) from None
    return "username", identifier


def _find_account(kind: str, value: str) -> User | None:
    # Staff accounts are no parties: to the filer they are like a number nobody registered.
    accounts = User.objects.filter(is_staff=False, is_active=True)
    if kind == "phone":
        return accounts.filter(phone_index=phone_index(value)).first()
    return accounts.filter(username__iexact=value).first()


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
    for field in ("category", "id_type", "nationality", "province", "city", "identity_index"):
        setattr(party, field, snapshot.get(field, ""))
    # The identity index says who the party is; the ID number itself stays with the verification.
    party.id_number = ""


def _next_position(filing: Filing) -> int:
    return (filing.parties.aggregate(top=Max("position"))["top"] or 0) + 1


def party_add(*, filing: Filing, account: User, by: User, role: str = PartyRole.OWNER) -> FilingParty:
    """Add ``account`` as a party of ``filing`` at once, with its verified details (inside the caller's
    transaction): the applicant's own party, and parties the system adds (owners of record)."""
    party = FilingParty(filing=filing, account=account, role=role, position=_next_position(filing))
    _apply_snapshot(party, account)
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise FilingError(_("该用户已是本申请的著作权人。")) from None
    return party


def inviter_name(filing: Filing) -> str:
    """Return who invites, as the invitee reads it: the applicant's verified name (and its agent's)."""
    applicant = party_snapshot(filing.applicant).get("name") or filing.applicant.display_name
    if filing.filer_id == filing.applicant_id:
        return applicant
    agent = party_snapshot(filing.filer).get("name") or filing.filer.display_name
    return _("%(agent)s（代理%(applicant)s）") % {"agent": agent, "applicant": applicant}


def _software(filing: Filing) -> str:
    return filing.title or _("未命名申请")


@transaction.atomic
def owner_add(*, filing: Filing, by: User, identifier: str, role: str = PartyRole.OWNER) -> str:
    """Invite a co-owner (or a party of a contract) by phone number or username; return what was typed, masked.

    The answer is the same whether an account matched or not, and whether it was invited before: only the
    invitee learns of the invitation, and only by accepting it does the filer learn who they are.
    """
    record_role = definition_for(filing.service).record_role
    if record_role and role == record_role:
        raise FilingError(
            _("%(role)s为登记记录中的著作权人，由系统按登记记录列入，不能另行添加。")
            % {"role": PartyRole(role).label}
        )
    kind, value = _parse_identifier(identifier)
    invited_as = mask_phone(value) if kind == "phone" else mask_username(value)
    filing = lock(filing)
    require_editable(filing)
    account = _find_account(kind, value)
    if account is not None and account.pk in (filing.applicant_id, by.pk):
        raise FilingError(_("不能邀请自己：申请人已是本申请的当事人。"))
    if account is None or filing.parties.filter(account=account, role=role).exists():
        return invited_as
    party = FilingParty.objects.create(
        filing=filing,
        account=account,
        role=role,
        position=_next_position(filing),
        status=FilingParty.Status.INVITED,
        invited_as=invited_as,
    )
    content_changed(filing, by=by)
    definition = definition_for(filing.service)
    notify(
        recipient=account,
        title=Text(gettext_noop("%(role)s邀请"), role=PartyRole(party.role).label),
        body=Text(
            gettext_noop(
                "%(inviter)s邀请您作为《%(software)s》（%(service)s）的%(role)s。请登录账户，在“我的邀请”中接受或拒绝；"
                "接受前申请人看不到您的姓名和证件信息。"
            ),
            inviter=inviter_name(filing),
            software=_software(filing),
            service=definition.title,
            role=PartyRole(party.role).label,
        ),
        link=reverse("filings:invitations"),
    )
    return invited_as


def _invitation(party: FilingParty, by: User) -> tuple[Filing, FilingParty]:
    """Return the filing (locked) and the invitation (locked) that ``by`` answers; refuse a stale one."""
    filing = lock(party.filing)
    party = FilingParty.objects.select_for_update().filter(pk=party.pk, account=by).first()
    if party is None or party.status != FilingParty.Status.INVITED:
        raise FilingError(_("该邀请已撤回或已处理。"))
    if not filing.is_editable:
        raise FilingError(_("该申请已提交，邀请已失效。"))
    return filing, party


@transaction.atomic
def invitation_accept(*, party: FilingParty, by: User) -> FilingParty:
    """Join a filing as invited: the invitee's verified details become the party's."""
    filing, party = _invitation(party, by)
    if not by.is_verified_identity:
        raise FilingError(_("请先完成实名认证，再接受邀请：申请表上的信息取自您的实名认证。"))
    _apply_snapshot(party, by)
    party.status = FilingParty.Status.ACCEPTED
    party.save()
    content_changed(filing, by=by)
    notify(
        recipient=filing.filer,
        title=Text(gettext_noop("邀请已接受")),
        body=Text(
            gettext_noop("%(name)s（%(invited_as)s）已接受邀请，成为《%(software)s》的%(role)s。"),
            name=party.name,
            invited_as=party.invited_as,
            software=_software(filing),
            role=PartyRole(party.role).label,
        ),
        link=reverse("filings:detail", args=[filing.pk]),
        sms=False,
    )
    return party


@transaction.atomic
def invitation_decline(*, party: FilingParty, by: User) -> FilingParty:
    """Decline an invitation: the filer learns only that what it typed declined."""
    filing, party = _invitation(party, by)
    party.status = FilingParty.Status.DECLINED
    party.save(update_fields=["status"])
    notify(
        recipient=filing.filer,
        title=Text(gettext_noop("邀请已拒绝")),
        body=Text(
            gettext_noop("%(invited_as)s拒绝了成为《%(software)s》%(role)s的邀请。请移除后再出申请表。"),
            invited_as=party.invited_as,
            software=_software(filing),
            role=PartyRole(party.role).label,
        ),
        link=reverse("filings:detail", args=[filing.pk]),
        sms=False,
    )
    return party


def invitation_problems(filing: Filing) -> list[str]:
    """Return the invitations that stop the form from being issued (pending or declined), by what was typed."""
    pending, declined = [], []
    for status, invited_as in filing.parties.exclude(status=FilingParty.Status.ACCEPTED).values_list(
        "status", "invited_as"
    ):
        (pending if status == FilingParty.Status.INVITED else declined).append(invited_as)
    problems = []
    if pending:
        problems.append(_("待以下当事人接受邀请：%(who)s。") % {"who": "、".join(pending)})
    if declined:
        problems.append(_("以下当事人已拒绝邀请，请移除：%(who)s。") % {"who": "、".join(declined)})
    return problems


@transaction.atomic
def owner_remove(*, filing: Filing, by: User, party_id: int) -> None:
    """Remove a party or withdraw an invitation; the applicant cannot be removed from its own filing."""
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
    """Copy every party's details from its verification again; return the names of unverified parties.

    Invitations are left alone: nothing of an invitee is copied before they accept.
    """
    missing = []
    for party in filing.joined_parties():
        if not party.account.is_verified_identity:
            missing.append(party.account.display_name)
            continue
        _apply_snapshot(party, party.account)
        party.save()
    return missing
