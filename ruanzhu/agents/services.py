"""Marking agents and the life of a mandate: proposed by the agent, accepted or declined by the client,
revoked by either side; every change is recorded and told to the other side."""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ruanzhu.accounts.models import User
from ruanzhu.accounts.selectors import user_find_by_identifier
from ruanzhu.agents.models import DESCRIPTION_MAX_LENGTH, AgentProfile, Mandate, MandateEvent
from ruanzhu.agents.selectors import agent_cache_key
from ruanzhu.core.errors import ApplicationError
from ruanzhu.core.files import delete_private_file, store_private_file
from ruanzhu.filings.definitions import service_codes
from ruanzhu.identity.images.sanitize import UploadRejected, sanitize_upload
from ruanzhu.identity.selectors import verified_identity_of
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.services import notify

MAX_TERM_YEARS = 3
LETTER_FOLDER = "mandates"
LETTER_MAX_BYTES = 10 * 1024 * 1024


class AgentError(ApplicationError):
    """An action on agents or mandates that is not allowed; ``message`` is shown to the user."""


# --- Agents -------------------------------------------------------------------------------------------------------


def agent_eligibility_error(account: User | None) -> str | None:
    """Return why ``account`` cannot be marked as agent, or None when it can."""
    if account is None:
        return _("没有找到该账户。")
    if account.is_staff:
        return _("工作人员账户不能设为代理机构。")
    if account.kind != User.Kind.INSTITUTION:
        return _("只有机构用户可以设为代理机构，个人用户不能。")
    if not account.is_verified_identity:
        return _("该机构尚未通过实名认证，不能设为代理机构。")
    if AgentProfile.objects.filter(account=account).exists():
        return _("该账户已是代理机构。")
    return None


@transaction.atomic
def agent_mark(
    *,
    account: User,
    by: User | None,
    contact_person: str,
    phone: str,
    email: str,
    postcode: str,
    address: str = "",
) -> AgentProfile:
    """Mark the verified institution ``account`` as agent; its name (and, if not given, address) come from
    its verification."""
    account = User.objects.select_for_update().get(pk=account.pk)
    error = agent_eligibility_error(account)
    if error:
        raise AgentError(error)
    identity = verified_identity_of(account)
    profile = AgentProfile.objects.create(
        account=account,
        name=(identity and identity.name) or account.display_name,
        address=address or (identity.address if identity else ""),
        postcode=postcode,
        contact_person=contact_person,
        phone=phone,
        email=email,
        marked_by=by,
        marked_at=timezone.now(),
    )
    notify(
        recipient=account,
        title=Text(gettext_noop("已开通代理机构功能")),
        body=Text(gettext_noop("您的账户已设为代理机构，可以在“代理机构”页面向委托人发起委托。")),
        link=reverse("agents:dashboard"),
    )
    transaction.on_commit(lambda: cache.delete(agent_cache_key(account.pk)))
    return profile


def agent_set_active(*, profile: AgentProfile, active: bool) -> AgentProfile:
    """Suspend or restore an agent: while suspended none of its mandates is in effect."""
    profile.is_active = active
    profile.save(update_fields=["is_active"])
    cache.delete(agent_cache_key(profile.account_id))
    return profile


# --- Mandates -----------------------------------------------------------------------------------------------------


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_services(services) -> list[str]:
    services = list(dict.fromkeys(services or []))
    if not services:
        raise AgentError(_("请至少选择一项委托事项。"))
    offered = service_codes()
    unknown = [code for code in services if code not in offered]
    if unknown:
        raise AgentError(_("未知的委托事项：%(codes)s。") % {"codes": "、".join(map(str, unknown))})
    return [code for code in offered if code in services]


def _check_term(start_date: datetime.date, end_date: datetime.date) -> None:
    today = timezone.localdate()
    if start_date is None or end_date is None:
        raise AgentError(_("请填写委托期限。"))
    if start_date < today:
        raise AgentError(_("委托期限不能早于今天开始。"))
    if end_date <= start_date:
        raise AgentError(_("委托期限的结束日期必须晚于开始日期。"))
    if end_date > _add_years(start_date, MAX_TERM_YEARS):
        raise AgentError(_("委托期限最长为%(years)d年。") % {"years": MAX_TERM_YEARS})


def _record(mandate: Mandate, *, by: User, from_status: str, note: str = "") -> MandateEvent:
    return MandateEvent.objects.create(
        mandate=mandate, actor=by, from_status=from_status, to_status=mandate.status, note=note
    )


def _tell(mandate: Mandate, *, recipient: User, title: Text, body: Text) -> None:
    notify(
        recipient=recipient,
        title=title,
        body=body,
        link=reverse("agents:mandate_detail", args=[mandate.pk]),
    )


def _lock(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().select_related("agent", "client").get(pk=mandate.pk)


@transaction.atomic
def mandate_propose(
    *,
    agent: User,
    client_identifier: str,
    services,
    start_date: datetime.date,
    end_date: datetime.date,
    description: str,
) -> Mandate:
    """Propose a mandate from ``agent`` to the client found by phone or username; the client accepts it."""
    profile = AgentProfile.objects.filter(account=agent, is_active=True).first()
    if profile is None or not agent.is_active:
        raise AgentError(_("只有有效的代理机构可以发起委托。"))
    client = user_find_by_identifier(client_identifier)
    if client is None or client.is_staff or not client.is_active:
        raise AgentError(_("没有找到该委托人，请填写委托人的用户名或注册手机号。"))
    if client.pk == agent.pk:
        raise AgentError(_("不能委托自己。"))
    if not client.is_verified_identity:
        raise AgentError(_("该委托人尚未通过实名认证，认证通过后才能接受委托。"))
    services = _check_services(services)
    _check_term(start_date, end_date)
    description = (description or "").strip()
    if not description:
        raise AgentError(_("请填写委托事项说明。"))
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise AgentError(_("委托事项说明不能超过%(limit)d个字。") % {"limit": DESCRIPTION_MAX_LENGTH})
    # Serialise proposals for the same client so that two overlapping mandates cannot both be created.
    User.objects.select_for_update().filter(pk=client.pk).first()
    overlapping = Mandate.objects.filter(
        agent=agent,
        client=client,
        status__in=[Mandate.Status.PROPOSED, Mandate.Status.ACCEPTED],
        start_date__lte=end_date,
        end_date__gte=start_date,
    )
    if overlapping.exists():
        raise AgentError(_("与该委托人已有期限重叠的委托（待确认或生效），请先撤销原委托。"))
    mandate = Mandate.objects.create(
        agent=agent,
        client=client,
        services=services,
        start_date=start_date,
        end_date=end_date,
        description=description,
        status=Mandate.Status.PROPOSED,
    )
    _record(mandate, by=agent, from_status="")
    _tell(
        mandate,
        recipient=client,
        title=Text(gettext_noop("代理机构向您发起委托")),
        body=Text(
            gettext_noop("%(agent)s 请求代理您办理软件登记业务，请在“我的委托”中确认或拒绝。"),
            agent=profile.name,
        ),
    )
    return mandate


@transaction.atomic
def mandate_accept(*, mandate: Mandate, by: User) -> Mandate:
    """Accept a proposed mandate; only its client can."""
    mandate = _lock(mandate)
    if by.pk != mandate.client_id:
        raise AgentError(_("只有委托人可以确认委托。"))
    if mandate.status != Mandate.Status.PROPOSED:
        raise AgentError(_("只有待确认的委托可以确认。"))
    if mandate.end_date < timezone.localdate():
        raise AgentError(_("委托期限已过，不能再确认。"))
    if not AgentProfile.objects.filter(account_id=mandate.agent_id, is_active=True).exists():
        raise AgentError(_("该代理机构目前不能接受委托。"))
    mandate.status = Mandate.Status.ACCEPTED
    mandate.save(update_fields=["status", "updated_at"])
    _record(mandate, by=by, from_status=Mandate.Status.PROPOSED)
    _tell(
        mandate,
        recipient=mandate.agent,
        title=Text(gettext_noop("委托已确认")),
        body=Text(gettext_noop("%(client)s 已确认您的委托。"), client=mandate.client.display_name),
    )
    return mandate


@transaction.atomic
def mandate_decline(*, mandate: Mandate, by: User, note: str = "") -> Mandate:
    """Decline a proposed mandate; only its client can."""
    mandate = _lock(mandate)
    if by.pk != mandate.client_id:
        raise AgentError(_("只有委托人可以拒绝委托。"))
    if mandate.status != Mandate.Status.PROPOSED:
        raise AgentError(_("只有待确认的委托可以拒绝。"))
    mandate.status = Mandate.Status.DECLINED
    mandate.save(update_fields=["status", "updated_at"])
    _record(mandate, by=by, from_status=Mandate.Status.PROPOSED, note=note)
    _tell(
        mandate,
        recipient=mandate.agent,
        title=Text(gettext_noop("委托被拒绝")),
        body=Text(gettext_noop("%(client)s 拒绝了您的委托。"), client=mandate.client.display_name),
    )
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, by: User, note: str = "") -> Mandate:
    """Revoke a proposed or accepted mandate; either side can, with effect from the next request."""
    mandate = _lock(mandate)
    if by.pk not in (mandate.agent_id, mandate.client_id):
        raise AgentError(_("只有委托双方可以撤销委托。"))
    if mandate.status not in (Mandate.Status.PROPOSED, Mandate.Status.ACCEPTED):
        raise AgentError(_("该委托已结束，不能撤销。"))
    if mandate.state() == Mandate.EXPIRED:
        raise AgentError(_("该委托已过期，无需撤销。"))
    from_status = mandate.status
    mandate.status = Mandate.Status.REVOKED
    mandate.save(update_fields=["status", "updated_at"])
    _record(mandate, by=by, from_status=from_status, note=note)
    other = mandate.client if by.pk == mandate.agent_id else mandate.agent
    _tell(
        mandate,
        recipient=other,
        title=Text(gettext_noop("委托已撤销")),
        body=Text(
            gettext_noop(
                "%(who)s 撤销了%(client)s 与 %(agent)s 之间的委托，自即日起代理机构不能再代为办理。"
            ),
            who=by.display_name,
            client=mandate.client.display_name,
            agent=mandate.agent.display_name,
        ),
    )
    return mandate


def mandate_upload_letter(*, mandate: Mandate, by: User, data: bytes, filename: str = "") -> Mandate:
    """Store the signed 委托书 (a PDF, or a photo cleaned of metadata) of an open mandate."""
    if by.pk not in (mandate.agent_id, mandate.client_id):
        raise AgentError(_("只有委托双方可以上传委托书。"))
    if not mandate.is_open:
        raise AgentError(_("该委托已结束，不能再上传委托书。"))
    if not data:
        raise AgentError(_("请选择要上传的文件。"))
    try:
        clean = sanitize_upload(data, allow_pdf=True, max_bytes=LETTER_MAX_BYTES)
    except UploadRejected as rejection:
        raise AgentError(rejection.message) from None
    storage_name = store_private_file(
        content=clean.content, folder=LETTER_FOLDER, suffix="." + clean.extension
    )
    with transaction.atomic():
        mandate = _lock(mandate)
        if not mandate.is_open:
            delete_private_file(storage_name)
            raise AgentError(_("该委托已结束，不能再上传委托书。"))
        previous = mandate.letter_storage_name
        mandate.letter_storage_name = storage_name
        mandate.letter_content_type = clean.content_type
        mandate.letter_uploaded_at = timezone.now()
        mandate.letter_uploaded_by = by
        mandate.save(
            update_fields=[
                "letter_storage_name",
                "letter_content_type",
                "letter_uploaded_at",
                "letter_uploaded_by",
                "updated_at",
            ]
        )
        _record(mandate, by=by, from_status=mandate.status, note=_("上传已签署的委托书"))
        if previous:
            transaction.on_commit(lambda: delete_private_file(previous))
        other = mandate.client if by.pk == mandate.agent_id else mandate.agent
        _tell(
            mandate,
            recipient=other,
            title=Text(gettext_noop("委托书已上传")),
            body=Text(gettext_noop("%(who)s 上传了已签署的委托书。"), who=by.display_name),
        )
    return mandate
