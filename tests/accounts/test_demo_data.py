from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.demo import DEMO_PASSWORD
from ruanzhu.accounts.models import User


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
