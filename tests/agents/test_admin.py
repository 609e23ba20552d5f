from django.urls import reverse

from ruanzhu.agents.models import AgentProfile, Mandate
from ruanzhu.agents.selectors import agent_profile_for
from ruanzhu.notifications.models import Notification
from tests.agents.conftest import mandate_for
from tests.factories import StaffFactory, UserFactory, VerificationFactory, staff_session


def admin_client(client):
    return staff_session(client, StaffFactory(username="admin", is_superuser=True))


def mark(client, identifier, **overrides):
    data = {
        "account_identifier": identifier,
        "address": "",
        "postcode": "200120",
        "contact_person": "孙联系",
        "phone": "021-50000000",
        "email": "ip@acme.example.com",
    }
    data.update(overrides)
    return client.post(reverse("admin:agents_agentprofile_add"), data)


def test_staff_mark_a_verified_institution_with_its_verified_name_and_address(client, acme):
    VerificationFactory(
        institution=True,
        account=acme,
        institution_name="示例科技有限公司",
        credit_code="91110000600037341L",
        address="上海市浦东新区1号",
    )
    admin_client(client)
    response = mark(client, "acme")
    assert response.status_code == 302
    profile = AgentProfile.objects.get(account=acme)
    assert profile.name == "示例科技有限公司"
    assert profile.address == "上海市浦东新区1号"
    assert profile.marked_by.username == "admin"
    assert profile.is_active
    assert agent_profile_for(acme) == profile
    assert Notification.objects.filter(recipient=acme, title="已开通代理机构功能").exists()


def test_marking_an_account_verified_by_status_only_uses_the_accounts_own_name(client, acme):
    admin_client(client)
    mark(client, "13800000003", address="上海市浦东新区2号")
    profile = AgentProfile.objects.get(account=acme)
    assert (profile.name, profile.address) == ("示例科技有限公司", "上海市浦东新区2号")


def test_individuals_unverified_institutions_and_existing_agents_are_refused(client, alice, acme):
    pending = UserFactory(username="pending", kind="institution", identity_status="pending")
    admin_client(client)
    for identifier, message in (
        ("alice", "只有机构用户可以设为代理机构，个人用户不能。"),
        ("pending", "该机构尚未通过实名认证，不能设为代理机构。"),
        ("nobody", "没有找到该账户。"),
    ):
        response = mark(client, identifier)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert AgentProfile.objects.count() == 0
    mark(client, "acme", address="上海")
    response = mark(client, "acme", address="上海")
    assert "该账户已是代理机构。" in response.content.decode()
    assert AgentProfile.objects.count() == 1
    assert pending.pk


def test_suspending_an_agent_ends_its_mandates_at_once(client, agent, alice):
    from ruanzhu.agents.selectors import mandate_active

    mandate_for(agent, alice)
    admin_client(client)
    profile = AgentProfile.objects.get(account=agent)
    response = client.post(
        reverse("admin:agents_agentprofile_changelist"),
        {"action": "suspend", "_selected_action": [profile.pk]},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert not profile.is_active
    assert mandate_active(agent=agent, client=alice, service="R11") is None
    assert Mandate.objects.get().status == Mandate.Status.ACCEPTED


def test_the_admin_needs_the_second_factor(client, acme):
    client.force_login(StaffFactory(username="admin", is_superuser=True))
    response = mark(client, "acme", address="上海")
    assert response.status_code == 302
    assert AgentProfile.objects.count() == 0
