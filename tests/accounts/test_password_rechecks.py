"""Asking a logged-in account for its password again (to change its phone, to close it) counts as a login attempt
of that account: a stolen session cannot be used to guess the password faster than the login page allows."""

from django.urls import reverse

from ruanzhu.accounts.models import User
from ruanzhu.otp.selectors import outbox_messages

PHONE_CHANGE = reverse("accounts:phone_change")
CLOSE = reverse("accounts:close_account")
NEW = "13911112222"


def guess(client, password):
    return client.post(PHONE_CHANGE, {"action": "send_code", "password": password, "new_phone": NEW})


def test_guessing_the_password_on_the_phone_page_waits_like_a_login(client, alice, password, settings):
    client.force_login(alice)
    for attempt in range(settings.LOGIN_THROTTLE_AFTER):
        response = guess(client, f"wrong-{attempt}")
        assert response.status_code == 400 and response.context["form"].errors["password"]
    throttled = guess(client, password)  # even the right one waits now, as on the login page
    assert throttled.status_code == 429 and "登录失败次数过多" in throttled.content.decode()
    assert outbox_messages("+8613911112222").count() == 0
    closing = client.post(CLOSE, {"password": password})  # the same count: another page is no way around it
    assert closing.status_code == 429
    alice.refresh_from_db()
    assert alice.is_active


def test_the_right_password_clears_the_count(client, alice, password, settings):
    client.force_login(alice)
    for attempt in range(settings.LOGIN_THROTTLE_AFTER - 1):
        guess(client, f"wrong-{attempt}")
    assert guess(client, password).status_code == 200
    for attempt in range(settings.LOGIN_THROTTLE_AFTER - 1):
        assert guess(client, f"again-{attempt}").status_code == 400
    assert User.objects.get(pk=alice.pk).is_active
