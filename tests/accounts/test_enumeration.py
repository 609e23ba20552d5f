"""Whether a phone number has an account must not show: the same answers, limits and work for both.

Each test puts the same questions about a registered number (alice's) and a free one, from fresh browsers,
and compares the answers byte for byte once the CSRF token, the masked number and the typed number are taken
out. The number of database queries stands in for the time an answer takes.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ruanzhu.accounts.models import User
from ruanzhu.otp.models import SendBudgetDay, SmsMessage
from ruanzhu.otp.selectors import outbox_messages

REGISTERED = "13800000001"  # alice's
FREE = "13700000001"
SIGNUP = reverse("accounts:signup")
DETAILS = reverse("accounts:signup_details", args=["individual"])
SIGNUP_CODE = reverse("accounts:signup_code")
RESET = reverse("accounts:password_reset")
CONFIRM = reverse("accounts:password_reset_confirm")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "Quiet-River-Stone-42"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
MASKED_PHONE = re.compile(r"\d{3}\*{4}\d{4}")

pytestmark = pytest.mark.usefixtures("alice")


def comparable(response, typed: str) -> tuple[int, str, str | None]:
    """Return what an observer compares: the status, the page without token and numbers, the wait."""
    page = CSRF.sub("", response.content.decode())
    page = MASKED_PHONE.sub("<masked>", page).replace(typed, "<typed>")
    return response.status_code, page, response.get("Retry-After")


def ask_both(ask) -> list:
    """Put one question, through ``ask(client, phone)``, about each number; return the answers and queries."""
    # Today's row of the SMS budget exists already, as it does on any day after the first message.
    SendBudgetDay.objects.get_or_create(day=timezone.localdate())
    answers = []
    for phone in (REGISTERED, FREE):
        client = Client()
        with CaptureQueriesContext(connection) as queries:
            response = ask(client, phone)
        answers.append((comparable(response, phone), len(queries)))
    return answers


def signup_client() -> Client:
    client = Client()
    client.post(SIGNUP)  # 同意并继续
    return client


def test_signup_code_request_answers_alike(django_capture_on_commit_callbacks):
    def ask(client, phone):
        client.post(SIGNUP)
        return client.post(DETAILS, {"action": "send_code", "phone": phone}, REMOTE_ADDR="198.51.100.20")

    with django_capture_on_commit_callbacks(execute=True):
        registered, free = ask_both(ask)
    assert registered == free
    assert "验证码已发送至 <masked>，5分钟内有效。" in registered[0][1]
    # Behind the same answer: alice is told someone tried, and gets no code; the free number gets one.
    (notice,) = outbox_messages("+86" + REGISTERED)
    assert "注册" in notice.body and not re.search(r"\d{6}", notice.body)
    assert re.search(r"\d{6}", outbox_messages("+86" + FREE).get().body)


def test_htmx_signup_code_request_answers_alike(django_capture_on_commit_callbacks):
    def ask(client, phone):
        client.post(SIGNUP)
        return client.post(SIGNUP_CODE, {"phone": phone}, REMOTE_ADDR="198.51.100.21")

    with django_capture_on_commit_callbacks(execute=True):
        registered, free = ask_both(ask)
    assert registered == free


def test_signup_code_limits_refuse_alike(clock):
    def ask(client, phone):
        client.post(SIGNUP)
        client.post(SIGNUP_CODE, {"phone": phone}, REMOTE_ADDR="198.51.100.22")
        clock.advance(15)
        return client.post(SIGNUP_CODE, {"phone": phone}, REMOTE_ADDR="198.51.100.22")

    registered, free = ask_both(ask)
    assert registered == free
    assert registered[0][0] == 400 and "45秒后重试" in registered[0][1]


def test_signup_with_a_registered_phone_fails_like_a_wrong_code(django_capture_on_commit_callbacks):
    def ask(client, phone):
        client.post(SIGNUP)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGNUP_CODE, {"phone": phone}, REMOTE_ADDR="198.51.100.23")
        data = {
            "action": "register",
            "username": f"newcomer{phone[-4:]}",
            "password": "Lantern-Orchid-2026",
            "password_again": "Lantern-Orchid-2026",
            "phone": phone,
            "email": f"newcomer{phone[-4:]}@example.com",
        }
        pages = []
        # Guesses use the code up the same way; the real code for the free number is never among them.
        real = _latest_code_hint(phone)
        for guess in _wrong_codes(avoid=real, count=6):
            pages.append(comparable(client.post(DETAILS, {**data, "code": guess}), phone)[1])
        return _Joined(pages)

    registered, free = ask_both(ask)
    assert registered[0][1] == free[0][1]
    assert "验证码不正确，请检查后重新输入。" in registered[0][1]
    assert "验证码输错次数过多，已失效，请重新获取。" in registered[0][1]
    assert User.objects.count() == 1


def test_password_reset_request_answers_alike(django_capture_on_commit_callbacks):
    def ask(client, phone):
        first = client.post(RESET, {"phone": phone}, REMOTE_ADDR="198.51.100.24")
        assert first.status_code == 302
        return client.get(first["Location"])

    with django_capture_on_commit_callbacks(execute=True):
        registered, free = ask_both(ask)
    assert registered == free
    assert "如果该手机号已注册，验证码已发送至 <masked>。" in registered[0][1]
    # Counted alike, though only alice's number got a code.
    assert SmsMessage.objects.filter(purpose="password_reset").count() == 2
    assert outbox_messages("+86" + FREE).count() == 0


def test_password_reset_limits_refuse_alike(clock):
    def ask(client, phone):
        client.post(RESET, {"phone": phone}, REMOTE_ADDR="198.51.100.25")
        clock.advance(30)
        return client.post(RESET, {"phone": phone}, REMOTE_ADDR="198.51.100.25")

    registered, free = ask_both(ask)
    assert registered == free
    assert "30秒后重试" in registered[0][1]


def test_password_reset_codes_fail_alike_until_used_up(django_capture_on_commit_callbacks):
    def ask(client, phone):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(RESET, {"phone": phone}, REMOTE_ADDR="198.51.100.26")
        real = _latest_code_hint(phone)
        pages = []
        for guess in _wrong_codes(avoid=real, count=6):
            response = client.post(
                CONFIRM, {"code": guess, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
            )
            pages.append(comparable(response, phone)[1])
        return _Joined(pages)

    registered, free = ask_both(ask)
    assert registered[0][1] == free[0][1]
    assert "验证码输错次数过多" in registered[0][1]


def test_login_answers_alike_and_is_throttled_alike():
    def ask(client, phone):
        pages = []
        for _ in range(6):
            response = client.post(
                LOGIN,
                {"identifier": phone, "password": "Not-The-Password-1", "tab": "individual"},
                REMOTE_ADDR=f"198.51.100.{27 if phone == REGISTERED else 28}",
            )
            pages.append(comparable(response, phone))
        return _Joined([repr(page) for page in pages], last=response)

    registered, free = ask_both(ask)
    assert registered == free
    assert registered[0][0] == 429 and registered[0][2] == "60"
    assert "登录失败次数过多，请在1分钟后重试，或通过短信验证码重置密码。" in registered[0][1]


def test_phone_change_answers_alike(carol, password, django_capture_on_commit_callbacks):
    url = reverse("accounts:phone_change")

    def ask(client, phone):
        client.force_login(carol)
        sent = client.post(url, {"action": "send_code", "password": password, "new_phone": phone})
        change = client.post(
            url, {"action": "change", "password": password, "new_phone": phone, "code": "123456"}
        )
        return _Joined([comparable(sent, phone)[1], comparable(change, phone)[1]])

    with django_capture_on_commit_callbacks(execute=True):
        registered, free = ask_both(ask)
    assert registered[0][1] == free[0][1]


# --- helpers -----------------------------------------------------------------------------------------------------


class _Joined:
    """Several answers seen as one: their pages joined; status and wait of the last one."""

    def __init__(self, pages: list[str], last=None) -> None:
        self.content = "\n".join(pages).encode()
        self.status_code = last.status_code if last is not None else 200
        self._headers = {"Retry-After": last.get("Retry-After")} if last is not None else {}

    def get(self, name):
        return self._headers.get(name)


def _latest_code_hint(phone: str) -> str | None:
    """Return the code the free number received (None for alice's: hers was never sent)."""
    message = outbox_messages("+86" + phone).first()
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", message.body) if message else None
    return found.group(1) if found else None


def _wrong_codes(*, avoid: str | None, count: int) -> list[str]:
    return [code for code in (f"{n}{n}{n}{n}{n}{n}" for n in range(10)) if code != avoid][:count]
