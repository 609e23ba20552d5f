import datetime

import pytest

from ruanzhu.agents import services
from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.core.files import read_private_file
from ruanzhu.notifications.models import Notification
from tests.agents.conftest import mandate_for
from tests.factories import UserFactory

DAY = datetime.timedelta(days=1)


def propose(agent, **overrides):
    today = datetime.date.today()
    arguments = {
        "agent": agent,
        "client_identifier": "alice",
        "services": ["R11"],
        "start_date": today,
        "end_date": today + 365 * DAY,
        "description": "代为办理软件著作权登记",
    }
    arguments.update(overrides)
    return services.mandate_propose(**arguments)


def test_propose_by_username_or_phone_records_the_event_and_tells_the_client(agent, alice):
    mandate = propose(agent, services=["R41", "R11", "R11"])
    assert mandate.status == Mandate.Status.PROPOSED
    assert mandate.client == alice
    assert mandate.services == ["R11", "R41"]
    event = mandate.events.get()
    assert (event.actor, event.from_status, event.to_status) == (agent, "", "proposed")
    assert Notification.objects.filter(recipient=alice, title="代理机构向您发起委托").exists()

    mandate.status = Mandate.Status.REVOKED
    mandate.save()
    by_phone = propose(agent, client_identifier="138 0000 0001")
    assert by_phone.client == alice


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_identifier": "nobody"}, "没有找到该委托人"),
        ({"client_identifier": "newcomer"}, "尚未通过实名认证"),
        ({"client_identifier": "agent"}, "不能委托自己"),
        ({"services": []}, "请至少选择一项委托事项"),
        ({"services": ["R11", "R99"]}, "未知的委托事项：R99"),
        ({"end_date": datetime.date.today()}, "结束日期必须晚于开始日期"),
        ({"start_date": datetime.date.today() - DAY}, "不能早于今天"),
        ({"end_date": datetime.date.today() + 4 * 366 * DAY}, "最长为3年"),
        ({"description": "说" * 181}, "不能超过180个字"),
        ({"description": "  "}, "请填写委托事项说明"),
    ],
)
def test_bad_proposals_are_refused_with_a_message_and_nothing_is_created(
    agent, alice, newcomer, overrides, message
):
    with pytest.raises(services.AgentError) as refusal:
        propose(agent, **overrides)
    assert message in refusal.value.message
    assert Mandate.objects.count() == 0
    assert not Notification.objects.filter(recipient=alice).exists()


def test_staff_cannot_be_a_client(agent, reviewer):
    with pytest.raises(services.AgentError, match="没有找到该委托人"):
        propose(agent, client_identifier="reviewer")


def test_only_an_active_agent_can_propose(agent, alice, acme):
    with pytest.raises(services.AgentError, match="只有有效的代理机构"):
        propose(acme)
    AgentProfile.objects.filter(account=agent).update(is_active=False)
    with pytest.raises(services.AgentError, match="只有有效的代理机构"):
        propose(agent)
    assert Mandate.objects.count() == 0


def test_an_overlapping_open_mandate_is_refused_but_a_later_term_is_not(agent, alice, today):
    first = propose(agent)
    with pytest.raises(services.AgentError, match="期限重叠"):
        propose(agent, services=["R21"])
    later = propose(agent, start_date=first.end_date + DAY, end_date=first.end_date + 30 * DAY)
    assert later.pk != first.pk
    assert Mandate.objects.count() == 2


def test_the_client_accepts_once_and_the_agent_is_told(agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    services.mandate_accept(mandate=mandate, by=alice)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED
    assert Notification.objects.filter(recipient=agent, title="委托已确认").exists()
    with pytest.raises(services.AgentError, match="只有待确认的委托可以确认"):
        services.mandate_accept(mandate=mandate, by=alice)
    assert mandate.events.count() == 2


def test_the_agent_cannot_accept_or_decline_its_own_proposal(agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    with pytest.raises(services.AgentError, match="只有委托人可以确认委托"):
        services.mandate_accept(mandate=mandate, by=agent)
    with pytest.raises(services.AgentError, match="只有委托人可以拒绝委托"):
        services.mandate_decline(mandate=mandate, by=agent)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PROPOSED


def test_a_proposal_whose_term_has_passed_cannot_be_accepted(agent, alice, today):
    mandate = mandate_for(
        agent, alice, status=Mandate.Status.PROPOSED, start=today - 9 * DAY, end=today - DAY
    )
    with pytest.raises(services.AgentError, match="委托期限已过"):
        services.mandate_accept(mandate=mandate, by=alice)


def test_a_proposal_of_a_suspended_agent_cannot_be_accepted(agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    AgentProfile.objects.filter(account=agent).update(is_active=False)
    with pytest.raises(services.AgentError, match="不能接受委托"):
        services.mandate_accept(mandate=mandate, by=alice)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PROPOSED


def test_an_accepted_mandate_cannot_be_declined(agent, alice):
    mandate = mandate_for(agent, alice)
    with pytest.raises(services.AgentError, match="只有待确认的委托可以拒绝"):
        services.mandate_decline(mandate=mandate, by=alice)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED


@pytest.mark.parametrize("status", [Mandate.Status.PROPOSED, Mandate.Status.ACCEPTED])
def test_either_side_revokes_and_the_other_is_told(agent, alice, status):
    by_client = mandate_for(agent, alice, status=status)
    services.mandate_revoke(mandate=by_client, by=alice)
    by_client.refresh_from_db()
    assert by_client.status == Mandate.Status.REVOKED
    assert Notification.objects.filter(recipient=agent, title="委托已撤销").count() == 1
    by_agent = mandate_for(agent, alice, status=status)
    services.mandate_revoke(mandate=by_agent, by=agent)
    by_agent.refresh_from_db()
    assert by_agent.status == Mandate.Status.REVOKED
    assert Notification.objects.filter(recipient=alice, title="委托已撤销").count() == 1
    assert [event.to_status for event in by_agent.events.all()] == [status, "revoked"]


def test_someone_else_cannot_revoke_and_ended_mandates_cannot_be_revoked(agent, alice, carol, today):
    mandate = mandate_for(agent, alice)
    with pytest.raises(services.AgentError, match="只有委托双方可以撤销委托"):
        services.mandate_revoke(mandate=mandate, by=carol)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED
    for status in (Mandate.Status.DECLINED, Mandate.Status.REVOKED):
        ended = mandate_for(agent, alice, status=status)
        with pytest.raises(services.AgentError, match="该委托已结束"):
            services.mandate_revoke(mandate=ended, by=alice)
    expired = mandate_for(agent, alice, start=today - 9 * DAY, end=today - DAY)
    with pytest.raises(services.AgentError, match="已过期"):
        services.mandate_revoke(mandate=expired, by=alice)


def test_a_signed_letter_pdf_is_stored_encrypted_and_replaces_the_previous_one(
    agent, alice, _private_storage
):
    from tests.agents.test_views import signed_pdf

    mandate = mandate_for(agent, alice)
    services.mandate_upload_letter(mandate=mandate, by=agent, data=signed_pdf(), filename="委托书.pdf")
    mandate.refresh_from_db()
    first = mandate.letter_storage_name
    assert first.startswith("mandates/") and first.endswith(".pdf")
    assert read_private_file(first) == signed_pdf()
    assert signed_pdf() not in (_private_storage / first).read_bytes()
    assert Notification.objects.filter(recipient=alice, title="委托书已上传").exists()
    services.mandate_upload_letter(mandate=mandate, by=alice, data=signed_pdf(), filename="scan.pdf")
    mandate.refresh_from_db()
    assert mandate.letter_storage_name != first
    assert mandate.letter_uploaded_by == alice


def test_a_letter_upload_is_refused_for_ended_mandates_outsiders_and_non_documents(agent, alice, carol):
    ended = mandate_for(agent, alice, status=Mandate.Status.REVOKED)
    with pytest.raises(services.AgentError, match="该委托已结束"):
        services.mandate_upload_letter(mandate=ended, by=alice, data=b"%PDF-1.4", filename="x.pdf")
    mandate = mandate_for(agent, UserFactory(), status=Mandate.Status.PROPOSED)
    with pytest.raises(services.AgentError, match="只有委托双方"):
        services.mandate_upload_letter(mandate=mandate, by=carol, data=b"%PDF-1.4", filename="x.pdf")
    with pytest.raises(services.AgentError, match="请上传jpg、png、jpeg或pdf格式"):
        services.mandate_upload_letter(
            mandate=mandate, by=agent, data=b"<html>hello</html>", filename="x.pdf"
        )
    mandate.refresh_from_db()
    assert mandate.letter_storage_name == ""
