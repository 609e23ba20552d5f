import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import totp_now

STAFF_LOGIN = reverse("accounts:staff_login")
STAFF_HOME = reverse("staff:home")


def test_staff_logs_in_with_password_and_totp(client, reviewer, password):
    device = TOTPDevice.objects.get(user=reviewer)
    response = client.post(
        STAFF_LOGIN, {"identifier": "reviewer", "password": password, "otp_token": totp_now(device)}
    )
    assert response.status_code == 302
    assert response["Location"] == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200


def test_wrong_totp_is_refused(client, reviewer, password):
    response = client.post(
        STAFF_LOGIN, {"identifier": "reviewer", "password": password, "otp_token": "000000"}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_applicant_cannot_use_the_staff_login(client, alice, password):
    response = client.post(STAFF_LOGIN, {"identifier": "alice", "password": password, "otp_token": "123456"})
    assert response.status_code == 400


def test_staff_pages_refuse_a_session_without_the_second_factor(client, reviewer):
    client.force_login(reviewer)  # password only, no OTP device verified in this session
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(STAFF_LOGIN)


def test_admin_refuses_a_session_without_the_second_factor(client, reviewer):
    reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_staff_home_needs_login(client, db):
    assert client.get(STAFF_HOME)["Location"].startswith(STAFF_LOGIN)


@pytest.mark.parametrize("token", ["12345", "abcdef", ""])
def test_malformed_token_is_refused(client, reviewer, password, token):
    response = client.post(STAFF_LOGIN, {"identifier": "reviewer", "password": password, "otp_token": token})
    assert response.status_code == 400
    assert response.context["form"].errors["otp_token"]
