import json

from django.urls import reverse

from ruanzhu.accounts.models import User


def test_user_downloads_their_own_data(client, alice):
    client.force_login(alice)
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "alice" and data["account"]["phone"] == "+8613800000001"


def test_export_needs_login_and_get(client, alice):
    assert client.get(reverse("accounts:data_export")).status_code == 302
    client.force_login(alice)
    assert client.post(reverse("accounts:data_export")).status_code == 405


def test_closing_erases_personal_data_and_blocks_login(client, alice, password):
    client.force_login(alice)
    response = client.post(reverse("accounts:close_account"), {"password": password})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active and alice.phone == "" and alice.phone_index is None
    assert alice.username.startswith("closed-") and "alice" not in alice.email
    response = client.post(
        reverse("accounts:login"), {"identifier": "13800000001", "password": password, "tab": "individual"}
    )
    assert "_auth_user_id" not in client.session


def test_closing_needs_the_password(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:close_account"), {"password": "wrong-password-here"})
    assert response.status_code == 400
    assert User.objects.get(pk=alice.pk).is_active


def test_phone_of_a_closed_account_can_sign_up_again(client, alice, password):
    from ruanzhu.accounts.selectors import user_find_by_phone

    client.force_login(alice)
    client.post(reverse("accounts:close_account"), {"password": password})
    assert user_find_by_phone("+8613800000001") is None
