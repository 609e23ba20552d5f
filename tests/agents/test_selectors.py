import datetime

from ruanzhu.agents import services
from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.agents.selectors import agent_profile_for, mandate_active
from ruanzhu.filings.access import clients_of
from tests.agents.conftest import mandate_for

DAY = datetime.timedelta(days=1)


def test_a_proposed_mandate_is_not_active(agent, alice):
    mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    assert mandate_active(agent=agent, client=alice, service="R11") is None


def test_an_accepted_mandate_in_term_is_found(agent, alice):
    mandate = mandate_for(agent, alice, services=("R11", "R41"))
    assert mandate_active(agent=agent, client=alice, service="R11") == mandate
    assert mandate_active(agent=agent, client=alice, service="R41") == mandate


def test_a_service_not_covered_is_not_active(agent, alice):
    mandate_for(agent, alice, services=("R11",))
    assert mandate_active(agent=agent, client=alice, service="R21") is None
    assert mandate_active(agent=agent, client=alice, service="R99") is None


def test_the_term_bounds_are_inclusive_and_nothing_counts_outside_them(agent, alice, today):
    start, end = today + 10 * DAY, today + 40 * DAY
    mandate = mandate_for(agent, alice, start=start, end=end)
    assert mandate_active(agent=agent, client=alice, service="R11") is None  # today: before the start
    assert mandate_active(agent=agent, client=alice, service="R11", on=start - DAY) is None
    assert mandate_active(agent=agent, client=alice, service="R11", on=start) == mandate
    assert mandate_active(agent=agent, client=alice, service="R11", on=end) == mandate
    assert mandate_active(agent=agent, client=alice, service="R11", on=end + DAY) is None


def test_an_expired_mandate_is_not_active_and_reads_as_expired(agent, alice, today):
    mandate = mandate_for(agent, alice, start=today - 30 * DAY, end=today - DAY)
    assert mandate_active(agent=agent, client=alice, service="R11") is None
    assert mandate.state() == Mandate.EXPIRED
    assert mandate.state_label == "已过期"
    assert mandate.status == Mandate.Status.ACCEPTED


def test_revocation_by_the_client_takes_effect_on_the_next_call(agent, alice):
    mandate = mandate_for(agent, alice)
    assert mandate_active(agent=agent, client=alice, service="R11") == mandate
    services.mandate_revoke(mandate=mandate, by=alice)
    assert mandate_active(agent=agent, client=alice, service="R11") is None


def test_revocation_by_the_agent_takes_effect_on_the_next_call(agent, alice):
    mandate = mandate_for(agent, alice)
    services.mandate_revoke(mandate=mandate, by=agent)
    assert mandate_active(agent=agent, client=alice, service="R11") is None


def test_a_declined_mandate_is_not_active(agent, alice):
    mandate = mandate_for(agent, alice, status=Mandate.Status.PROPOSED)
    services.mandate_decline(mandate=mandate, by=alice)
    assert mandate_active(agent=agent, client=alice, service="R11") is None


def test_a_suspended_agent_holds_no_active_mandate(agent, alice):
    mandate_for(agent, alice)
    AgentProfile.objects.filter(account=agent).update(is_active=False)
    assert mandate_active(agent=agent, client=alice, service="R11") is None
    assert agent_profile_for(agent) is None
    assert list(clients_of(agent)) == []


def test_a_mandate_counts_only_for_its_own_agent_and_client(agent, other_agent, alice, bob):
    mandate_for(agent, alice)
    assert mandate_active(agent=other_agent, client=alice, service="R11") is None
    assert mandate_active(agent=agent, client=bob, service="R11") is None
    assert mandate_active(agent=alice, client=agent, service="R11") is None


def test_clients_of_lists_only_clients_with_a_mandate_in_effect(agent, alice, bob, carol, acme, today):
    mandate_for(agent, alice)
    mandate_for(agent, bob, status=Mandate.Status.PROPOSED)
    mandate_for(agent, carol, start=today - 30 * DAY, end=today - DAY)
    mandate_for(agent, acme, status=Mandate.Status.REVOKED)
    assert list(clients_of(agent)) == [alice]


def test_agent_block_holds_the_agent_details_and_the_mandate_description(agent, alice):
    mandate = mandate_for(agent, alice, description="代为办理“示例软件V1.0”的著作权登记")
    assert mandate.agent_block() == {
        "name": "示例知识产权代理有限公司",
        "address": "北京市海淀区知春路1号",
        "postcode": "100083",
        "contact_person": "钱经办",
        "phone": "010-62000000",
        "email": "agent@agent.example.com",
        "mandate_description": "代为办理“示例软件V1.0”的著作权登记",
    }


def test_agent_profile_for_needs_an_active_profile(agent, alice, client):
    assert agent_profile_for(agent).account == agent
    assert agent_profile_for(alice) is None
