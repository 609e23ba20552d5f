"""An attacker against the codes, through the pages: guessing them, flooding sends, spending the budget.

Sign-up, password reset and phone change are driven as a browser would; the clock is moved by hand.
"""

import itertools
import re
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from ruanzhu.accounts.models import User
from ruanzhu.notifications.models import Notification
from ruanzhu.otp.models import OneTimeCode, SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox, outbox_messages

SIGNUP = reverse("accounts:signup")
DETAILS = reverse("accounts:signup_details", args=["individual"])
SIGNUP_CODE = reverse("accounts:signup_code")
RESET = reverse("accounts:password_reset")
CONFIRM = reverse("accounts:password_reset_confirm")
PHONE_CHANGE = reverse("accounts:phone_change")
LOGIN = reverse("accounts:login")
FREE = "13700000001"
FREE_E164 = "+8613700000001"
ALICE_E164 = "+8613800000001"
NEW_PASSWORD = "Quiet-River-Stone-42"
WRONG_CODE = "验证码不正确，请检查后重新输入。"
USED_UP = "验证码输错次数过多，已失效，请重新获取。"

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run a request and the deliveries it queued after its commit."""

    def run(request, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return request(*args, **kwargs)

    return run


def signup_browser() -> Client:
    browser = Client()
    browser.post(SIGNUP)  # 同意并继续
    return browser


def wrong_codes(right: str, count: int) -> list[str]:
    return [code for code in (f"{n}" * 6 for n in range(10)) if code != right][:count]


def page_errors(response) -> str:
    return " ".join(str(error) for errors in response.context["form"].errors.values() for error in errors)


# --- Guessing a code ------------------------------------------------------------------------------------------


def test_guessing_a_signup_code_uses_it_up(settings, deliver):
    browser = signup_browser()
    deliver(browser.post, SIGNUP_CODE, {"phone": FREE})
    right = latest_code_in_outbox(FREE_E164)
    data = {
        "action": "register",
        "username": "guesser",
        "password": "Lantern-Orchid-2026",
        "password_again": "Lantern-Orchid-2026",
        "phone": FREE,
        "email": "guesser@example.com",
    }
    answers = [page_errors(browser.post(DETAILS, {**data, "code": guess})) for guess in wrong_codes(right, 5)]
    assert answers == [WRONG_CODE] * (settings.OTP_CODE_MAX_ATTEMPTS - 1) + [USED_UP]
    assert page_errors(browser.post(DETAILS, {**data, "code": right})) == USED_UP
    assert not User.objects.filter(username="guesser").exists()


def test_guessing_a_reset_code_uses_it_up(alice, password, deliver):
    attacker = Client()
    deliver(attacker.post, RESET, {"phone": "13800000001"})
    right = latest_code_in_outbox(ALICE_E164)
    form = {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    answers = [
        page_errors(attacker.post(CONFIRM, {**form, "code": guess})) for guess in wrong_codes(right, 5)
    ]
    assert answers[-1] == USED_UP and set(answers[:-1]) == {WRONG_CODE}
    assert page_errors(attacker.post(CONFIRM, {**form, "code": right})) == USED_UP
    alice.refresh_from_db()
    assert alice.check_password(password) and not alice.check_password(NEW_PASSWORD)


def test_guessing_a_phone_change_code_uses_it_up(alice, password, deliver):
    browser = Client()
    browser.force_login(alice)
    deliver(browser.post, PHONE_CHANGE, {"action": "send_code", "password": password, "new_phone": FREE})
    right = latest_code_in_outbox(FREE_E164)
    form = {"action": "change", "password": password, "new_phone": FREE}
    answers = [
        page_errors(browser.post(PHONE_CHANGE, {**form, "code": guess})) for guess in wrong_codes(right, 5)
    ]
    assert answers[-1] == USED_UP and set(answers[:-1]) == {WRONG_CODE}
    assert page_errors(browser.post(PHONE_CHANGE, {**form, "code": right})) == USED_UP
    alice.refresh_from_db()
    assert alice.phone == ALICE_E164


def test_a_day_of_guessing_a_reset_code_gets_at_most_fifty_guesses(alice, clock, deliver):
    """Fresh codes as fast as the limits allow, every one guessed until it dies: 10 codes × 5 guesses a day."""
    end = clock.current + timedelta(hours=24)
    form = {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    attacker = Client()
    for address in itertools.count():
        if clock.current >= end:
            break
        # A new address each time: only the number's own limits can stop this.
        asked = deliver(
            attacker.post,
            RESET,
            {"phone": "13800000001"},
            REMOTE_ADDR=f"10.9.{address // 250}.{address % 250}",
        )
        if asked.status_code == 302:
            right = latest_code_in_outbox(ALICE_E164)
            for guess in wrong_codes(right, 6):
                attacker.post(CONFIRM, {**form, "code": guess})
        clock.advance(600)
    codes = OneTimeCode.objects.filter(purpose="password_reset")
    assert codes.count() == 10
    assert codes.aggregate(guesses=Sum("failed_attempts"))["guesses"] == 50
    alice.refresh_from_db()
    assert not alice.check_password(NEW_PASSWORD)


# --- Flooding sends ---------------------------------------------------------------------------------------------


def ask_for_code(flow: str, phone: str, address: str):
    """Ask for a code for ``phone`` through sign-up or password reset, from ``address``."""
    if flow == "signup":
        return signup_browser().post(SIGNUP_CODE, {"phone": phone}, REMOTE_ADDR=address)
    return Client().post(RESET, {"phone": phone}, REMOTE_ADDR=address)


def sent(response) -> bool:
    return response.status_code in (200, 302)


@pytest.mark.parametrize("phone", [FREE, "13800000001"], ids=["free", "registered"])
def test_flooding_one_phone_across_flows_stops_at_its_limits(alice, phone, clock):
    accepted = []
    for hour in range(3):
        for attempt in range(7):
            flow = "signup" if attempt % 2 else "reset"
            accepted.append(sent(ask_for_code(flow, phone, f"10.1.{hour}.{attempt}")))
            clock.advance(61)
        clock.advance(3600 - 7 * 61)
    # Per hour 5, per day 10, whichever flow asks and whether or not the number has an account.
    assert accepted == [True] * 5 + [False] * 2 + [True] * 5 + [False] * 2 + [False] * 7
    assert SmsMessage.objects.exclude(purpose="notice").count() == 10


def test_one_phone_gets_one_code_a_minute(clock):
    assert sent(ask_for_code("signup", FREE, "10.2.0.1"))
    refused = ask_for_code("reset", FREE, "10.2.0.2")
    assert refused.status_code == 400 and "发送过于频繁，请在1分钟后重试。" in refused.content.decode()
    clock.advance(60)
    assert sent(ask_for_code("reset", FREE, "10.2.0.3"))


def test_flooding_from_one_address_stops_at_its_limit(alice, clock):
    results = []
    for number in range(22):
        flow = "signup" if number % 2 else "reset"
        response = ask_for_code(flow, f"1370000{number:04d}", "10.3.0.1")
        results.append(sent(response))
    assert results == [True] * 20 + [False] * 2
    assert "当前网络发送验证码过于频繁" in response.content.decode()


def test_flooding_for_one_account_stops_at_its_limit(alice, password, clock):
    browser = Client()
    browser.force_login(alice)
    results = []
    for number in range(11):
        response = browser.post(
            PHONE_CHANGE,
            {"action": "send_code", "password": password, "new_phone": f"1370000{number:04d}"},
            REMOTE_ADDR=f"10.4.0.{number}",
        )
        results.append(response.status_code == 200)
    assert results == [True] * 10 + [False]
    assert "您的账户发送验证码过于频繁" in response.content.decode()


def test_an_owner_is_told_of_sign_up_tries_only_as_often_as_the_limits_allow(alice, clock, deliver):
    for attempt in range(12):
        deliver(signup_browser().post, SIGNUP_CODE, {"phone": "13800000001"}, REMOTE_ADDR=f"10.5.0.{attempt}")
        clock.advance(61)
    notices = outbox_messages(ALICE_E164)
    assert notices.count() == 5
    assert not any(re.search(r"\d{6}", notice.body) for notice in notices)


# --- The daily budget ----------------------------------------------------------------------------------------


def test_the_daily_budget_stops_every_flow_alike(alice, carol, password, settings, clock, deliver):
    settings.OTP_DAILY_BUDGET = 3
    assert sent(deliver(ask_for_code, "signup", FREE, "10.6.0.1"))
    assert sent(deliver(ask_for_code, "reset", "13800000001", "10.6.0.2"))
    browser = Client()
    browser.force_login(carol)
    changed = deliver(
        browser.post, PHONE_CHANGE, {"action": "send_code", "password": password, "new_phone": "13700000002"}
    )
    assert changed.status_code == 200
    spent = "今日短信发送量已达上限"
    for flow, phone in (("signup", "13700000003"), ("reset", "13800000009"), ("reset", "13700000004")):
        # carol's number and a free one: refused alike once the budget is gone.
        refused = ask_for_code(flow, phone, "10.6.0.9")
        assert refused.status_code == 400 and spent in refused.content.decode()
    refused = browser.post(
        PHONE_CHANGE, {"action": "send_code", "password": password, "new_phone": "13700000005"}
    )
    assert spent in refused.content.decode()
    assert outbox_messages().count() == 3


def test_a_spent_budget_drops_the_login_notice_but_not_the_in_site_one(alice, settings, deliver):
    settings.OTP_DAILY_BUDGET = 0
    attacker = Client()
    for _ in range(5):
        deliver(
            attacker.post,
            LOGIN,
            {"identifier": "alice", "password": "Wrong-Password-2026", "tab": "individual"},
        )
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert outbox_messages().count() == 0
