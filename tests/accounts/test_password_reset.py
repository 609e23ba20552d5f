import pytest
from django.urls import reverse

from ruanzhu.otp.selectors import outbox_messages

RESET = reverse("accounts:password_reset")
CONFIRM = reverse("accounts:password_reset_confirm")
NEW = "Quiet-River-Stone-42"


@pytest.fixture
def reset_code(client, alice, send_code):
    return send_code(client, RESET, {"phone": "138 0000 0001"}, "+8613800000001")


def test_reset_with_the_sms_code_sets_the_password(client, alice, reset_code):
    response = client.post(CONFIRM, {"code": reset_code, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_unknown_phone_gets_the_same_answer_and_no_message(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"phone": "13700000000"})
    assert response.status_code == 302
    assert outbox_messages().count() == 0
    response = client.post(CONFIRM, {"code": "123456", "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["验证码不正确，请检查后重新输入。"]


def test_a_password_like_the_accounts_details_is_refused_only_after_the_code(client, alice, reset_code):
    # Before the code proves the number, no answer may depend on whose number it is: a password that resembles
    # alice's email must get past the first checks just as it would for a number nobody has.
    like_email = "alice@example.com1"
    wrong = "000000" if reset_code != "000000" else "111111"
    response = client.post(
        CONFIRM, {"code": wrong, "new_password": like_email, "new_password_again": like_email}
    )
    assert list(response.context["form"].errors) == ["code"]
    response = client.post(
        CONFIRM, {"code": reset_code, "new_password": like_email, "new_password_again": like_email}
    )
    assert response.context["form"].errors["new_password"]
    # Refused for the password, the code itself is still good.
    response = client.post(CONFIRM, {"code": reset_code, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302


def test_wrong_code_changes_nothing(client, alice, reset_code):
    wrong = "000000" if reset_code != "000000" else "111111"
    response = client.post(CONFIRM, {"code": wrong, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert not alice.check_password(NEW)


def test_weak_new_password_is_refused_and_the_code_stays_usable(client, alice, reset_code):
    response = client.post(CONFIRM, {"code": reset_code, "new_password": "abc", "new_password_again": "abc"})
    assert response.status_code == 400
    assert response.context["form"].errors["new_password"]
    response = client.post(CONFIRM, {"code": reset_code, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 302


def test_confirm_without_a_request_goes_back(client, db):
    assert client.get(CONFIRM)["Location"] == RESET


def test_malformed_phone_is_refused(client, db):
    response = client.post(RESET, {"phone": "12"})
    assert response.status_code == 400
    assert response.context["form"].errors["phone"]


def test_wrong_guesses_count_towards_killing_the_code(client, alice, reset_code):
    wrong = "000000" if reset_code != "000000" else "111111"
    for _ in range(5):
        client.post(CONFIRM, {"code": wrong, "new_password": NEW, "new_password_again": NEW})
    response = client.post(CONFIRM, {"code": reset_code, "new_password": NEW, "new_password_again": NEW})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert not alice.check_password(NEW)
