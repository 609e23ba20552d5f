import pytest
from django.urls import reverse

from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages
from tests.factories import UserFactory

URL = reverse("accounts:phone_change")
NEW = "13911112222"
NEW_E164 = "+8613911112222"


@pytest.fixture
def code(client, alice, password, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"action": "send_code", "password": password, "new_phone": NEW})
    assert response.status_code == 200, response.content.decode()[:500]
    return latest_code_in_outbox(NEW_E164)


def test_phone_change_with_password_and_code_notifies_the_old_number(
    client, alice, password, code, django_capture_on_commit_callbacks
):
    old = alice.phone
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"action": "change", "password": password, "new_phone": NEW, "code": code}
        )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.phone == NEW_E164
    notice = outbox_messages(old).first()
    assert notice is not None and "139****2222" in notice.body


def test_wrong_password_sends_nothing(client, alice):
    client.force_login(alice)
    response = client.post(URL, {"action": "send_code", "password": "not-my-password", "new_phone": NEW})
    assert response.status_code == 400 and response.context["form"].errors["password"]
    assert outbox_messages(NEW_E164).count() == 0


def test_number_of_another_account_is_answered_as_free_and_refused_at_the_code(
    client, alice, password, django_capture_on_commit_callbacks
):
    other = UserFactory(username="other", phone=NEW)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"action": "send_code", "password": password, "new_phone": NEW})
    assert response.status_code == 200 and not response.context["form"].errors
    (notice,) = outbox_messages(NEW_E164)
    assert "未发送验证码" in notice.body
    response = client.post(
        URL, {"action": "change", "password": password, "new_phone": NEW, "code": "123456"}
    )
    assert response.context["form"].errors == {"code": ["验证码不正确，请检查后重新输入。"]}
    alice.refresh_from_db()
    other.refresh_from_db()
    assert (alice.phone, other.phone) == ("+8613800000001", NEW_E164)


def test_wrong_code_changes_nothing(client, alice, password, code):
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(URL, {"action": "change", "password": password, "new_phone": NEW, "code": wrong})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.phone == "+8613800000001"


def test_code_for_another_number_is_refused(client, alice, password, code):
    response = client.post(
        URL, {"action": "change", "password": password, "new_phone": "13911113333", "code": code}
    )
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.phone == "+8613800000001"


def test_phone_change_needs_login(client, db):
    assert client.get(URL).status_code == 302


def test_malformed_new_number_is_refused(client, alice, password):
    client.force_login(alice)
    response = client.post(URL, {"action": "send_code", "password": password, "new_phone": "123"})
    assert response.status_code == 400 and response.context["form"].errors["new_phone"]
