from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.models import User
from ruanzhu.agents.models import AgentProfile
from ruanzhu.agents.selectors import agent_profile_for
from ruanzhu.portal.demo import DEMO_PASSWORD, demo_accounts_ensure


def test_demo_data_creates_the_accounts_once_and_prints_logins(db, capsys):
    call_command("demo_data")
    call_command("demo_data")
    out = capsys.readouterr().out
    assert User.objects.count() == 6
    for name in ("alice", "bob", "acme", "agent", "reviewer", "examiner"):
        assert name in out
    assert DEMO_PASSWORD in out
    assert out.count("otpauth://totp/") == 4  # two staff, printed on each run
    alice = User.objects.get(username="alice")
    assert alice.is_verified_identity and alice.check_password(DEMO_PASSWORD)
    assert TOTPDevice.objects.filter(user__is_staff=True, confirmed=True).count() == 2


def test_demo_accounts_carry_approved_verifications(db):
    from ruanzhu.filings.services.parties import party_snapshot

    call_command("demo_data")
    call_command("demo_data")
    alice = User.objects.get(username="alice")
    assert party_snapshot(alice)["name"] == "李爱丽"
    acme = User.objects.get(username="acme")
    assert party_snapshot(acme)["id_number"] == "91110108MA01ABCD1E"


def test_the_demo_agent_is_an_agent_and_ensuring_twice_changes_nothing(db):
    demo_accounts_ensure()
    profile = AgentProfile.objects.get()
    assert profile.account.username == "agent"
    assert profile.name == "示例知识产权代理有限公司"
    assert agent_profile_for(profile.account) == profile
    demo_accounts_ensure()
    assert AgentProfile.objects.get() == profile


def test_demo_data_prints_the_address_the_portal_is_served_on(db, capsys, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    call_command("demo_data")
    assert "Portal: http://127.0.0.1:8123" in capsys.readouterr().out
