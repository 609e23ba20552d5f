"""Login throttling as an attacker meets it: spellings, caps, addresses, known browsers, staff and admin."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.models import LoginThrottle
from ruanzhu.accounts.tasks import login_throttles_purge_task
from ruanzhu.accounts.throttle import DEVICE_COOKIE
from ruanzhu.notifications.models import Notification
from ruanzhu.otp.selectors import outbox_messages
from tests.factories import UserFactory, totp_now

LOGIN = reverse("accounts:login")
STAFF_LOGIN = reverse("accounts:staff_login")
WRONG = "Not-The-Password-2026"
PHONE = "13800000003"
E164 = "+8613800000003"
WAIT_LINE = "登录失败次数过多"


def full_width(text: str) -> str:
    return "".join(chr(ord(character) + 0xFEE0) for character in text)


# Ten ways of typing one number that the login page understands.
SPELLINGS = [
    "13800000003",
    "138 0000 0003",
    "+86 138-0000-0003",
    "+8613800000003",
    "0086 13800000003",
    full_width("13800000003"),
    "+86 (138) 0000 0003",
    "138.0000.0003",
    "8613800000003",
    "＋８６　１３８－００００－０００３",
]


@pytest.fixture
def owner(db):
    return UserFactory(username="dorothea", phone=PHONE, email="dorothea@example.com")


def attempt(client, identifier, password=WRONG, address="198.51.100.1", **extra):
    return client.post(
        LOGIN,
        {"identifier": identifier, "password": password, "tab": "individual", **extra},
        REMOTE_ADDR=address,
    )


def fail_until_throttled(client, identifier, address="198.51.100.1"):
    """Fail until the page answers 429; return how many failures that took."""
    for failures in range(1, 50):
        if attempt(client, identifier, address=address).status_code == 429:
            return failures - 1
    raise AssertionError("never throttled")


def test_every_spelling_of_one_phone_counts_against_the_one_account(owner, password, clock):
    # Each spelling from its own address, so that only the account can be what is counted.
    for number, spelling in enumerate(SPELLINGS[:5]):
        assert attempt(Client(), spelling, address=f"198.51.100.{number}").status_code == 400
    for number, spelling in enumerate(SPELLINGS[5:], start=5):
        response = attempt(Client(), spelling, address=f"198.51.100.{number}")
        assert response.status_code == 429, spelling
        assert WAIT_LINE in response.content.decode()
    for identifier in ("dorothea", "DOROTHEA", "Dorothea@Example.com"):
        assert attempt(Client(), identifier, address="203.0.113.50").status_code == 429
    # A new browser, even with the right password, waits too, but only as long as the wait.
    assert attempt(Client(), PHONE, password, address="203.0.113.51").status_code == 429
    clock.advance(60)
    response = attempt(Client(), PHONE, password, address="203.0.113.51")
    assert response.status_code == 302


def test_spellings_resolve_to_the_account_on_a_successful_login(owner, password):
    for spelling in SPELLINGS:
        client = Client()
        assert attempt(client, spelling, password).status_code == 302, spelling
        assert client.session["_auth_user_id"] == str(owner.pk)


def test_the_wait_doubles_and_never_exceeds_the_cap(owner, password, clock, settings):
    assert settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS == 15 * 60
    attacker = Client()
    for _ in range(5):
        assert attempt(attacker, PHONE).status_code == 400
    waits = []
    for _ in range(12):
        refused = attempt(attacker, PHONE)
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        clock.advance(waits[-1])
        assert attempt(attacker, PHONE).status_code == 400  # the one guess each wait buys
    assert waits == [60, 120, 240, 480] + [900] * 8
    # However long the attack, the owner's new browser is kept out for one wait at the most.
    clock.advance(900)
    assert attempt(Client(), PHONE, password, address="203.0.113.9").status_code == 302


def test_the_wait_message_names_the_time_and_the_way_out(owner, clock):
    attacker = Client()
    for _ in range(5):
        attempt(attacker, PHONE)
    clock.advance(20)
    response = attempt(attacker, PHONE)
    assert response.status_code == 429
    assert response["Retry-After"] == "40"
    page = response.content.decode()
    assert "请在40秒后重试，或通过短信验证码重置密码" in page
    assert "_auth_user_id" not in attacker.session


def test_the_owner_is_told_by_sms_once_per_episode(
    owner, password, clock, django_capture_on_commit_callbacks
):
    attacker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(30):
            if attempt(attacker, PHONE).status_code == 429:
                clock.advance(900)
    notices = outbox_messages(E164)
    assert notices.count() == 1
    body = notices.get().body
    assert "登录" in body and "重置密码" in body
    assert PHONE not in body and "dorothea" not in body
    assert Notification.objects.filter(recipient=owner).count() == 1
    # The owner logs in: the episode is over, and the next attack is told about again.
    clock.advance(900)
    assert attempt(Client(), PHONE, password, address="203.0.113.9").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            attempt(attacker, PHONE)
    assert outbox_messages(E164).count() == 2


def test_an_unknown_identifier_is_throttled_with_the_same_message(db, clock):
    for identifier in ("13700000000", "nobody", "nobody@example.com"):
        client = Client()
        assert fail_until_throttled(client, identifier, address="198.51.100.77") == 5
        refused = attempt(client, identifier, address="198.51.100.77")
        assert "请在1分钟后重试，或通过短信验证码重置密码" in refused.content.decode()
        assert outbox_messages().count() == 0
        clock.advance(3600)  # the address's own count starts over


def test_unknown_spellings_of_one_number_share_one_count(db):
    for number, spelling in enumerate(SPELLINGS[:5]):
        unknown = spelling[:-1] + ("７" if spelling.endswith("３") else "7")  # +86 138 0000 0007: nobody's
        assert attempt(Client(), unknown, address=f"198.51.100.{number}").status_code == 400
    assert attempt(Client(), "138 0000 0007", address="198.51.100.99").status_code == 429


def test_one_address_cannot_spray_many_accounts(db, alice, password, settings, clock):
    assert settings.LOGIN_THROTTLE_ADDRESS_AFTER == 50
    # The address's budget of hashes (test_hash_budget.py) would stop the spray sooner: this is the count's test.
    settings.PASSWORD_HASH_IP_BURST = 100
    victims = [UserFactory(username=f"victim{number:02d}") for number in range(50)]
    sprayer = Client()
    for victim in victims:
        # One guess per account: no account's own count comes near its threshold.
        assert attempt(sprayer, victim.username, address="192.0.2.66").status_code == 400
    refused = attempt(sprayer, "alice", password, address="192.0.2.66")
    assert refused.status_code == 429
    # Another address is not affected, nor are the accounts themselves.
    assert attempt(Client(), "alice", password, address="192.0.2.67").status_code == 302
    assert attempt(Client(), "victim00", password, address="192.0.2.68").status_code == 302


def test_successful_logins_do_not_use_up_the_address(db, password, settings):
    settings.LOGIN_THROTTLE_ADDRESS_AFTER = 3
    people = [UserFactory(username=f"clerk{number}") for number in range(6)]
    for person in people:
        assert attempt(Client(), person.username, password, address="192.0.2.80").status_code == 302


def test_a_login_without_failures_writes_no_count(owner, password):
    with CaptureQueriesContext(connection) as queries:
        assert attempt(Client(), "dorothea", password).status_code == 302
    counting = [query["sql"] for query in queries if "accounts_loginthrottle" in query["sql"]]
    assert len(counting) == 1 and counting[0].startswith("SELECT")
    assert not LoginThrottle.objects.exists()


def test_failures_in_flight_are_counted_once(owner, password, settings):
    settings.LOGIN_THROTTLE_AFTER = 3
    for _number in range(2):
        assert attempt(Client(), "dorothea").status_code == 400
    # The two failures are in the database and still among the attempts in flight: counted once, the third
    # attempt goes ahead (and a right password logs in).
    assert attempt(Client(), "dorothea", password).status_code == 302


def test_logging_in_to_an_own_account_does_not_clear_the_address(db, password, settings, clock):
    settings.LOGIN_THROTTLE_ADDRESS_AFTER = 3
    mine = UserFactory(username="attacker")
    client = Client()
    for number in range(2):
        assert attempt(client, f"target{number}", address="192.0.2.90").status_code == 400
    assert attempt(client, "attacker", password, address="192.0.2.90").status_code == 302
    client.logout()
    assert attempt(client, "target2", address="192.0.2.90").status_code == 400
    assert attempt(client, "target3", address="192.0.2.90").status_code == 429
    assert mine.pk


def test_the_address_is_the_forwarded_client_behind_a_proxy(db, settings):
    settings.PROXY_COUNT = 1
    settings.LOGIN_THROTTLE_ADDRESS_AFTER = 3

    def through_proxy(identifier, forwarded):
        return Client().post(
            LOGIN,
            {"identifier": identifier, "password": WRONG, "tab": "individual"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for number in range(3):
        # What the client writes before the proxy's entry is not trusted: it cannot dodge its count.
        assert through_proxy(f"someone{number}", f"1.2.3.{number}, 203.0.113.7").status_code == 400
    assert through_proxy("someone9", "203.0.113.7").status_code == 429
    assert through_proxy("someone9", "203.0.113.8").status_code == 400


def test_a_known_browser_is_not_held_up_by_an_attackers_failures(owner, password, clock):
    own_browser = Client()
    assert attempt(own_browser, "dorothea", password, address="203.0.113.5").status_code == 302
    assert own_browser.cookies[DEVICE_COOKIE]["path"] == "/accounts/"
    assert own_browser.cookies[DEVICE_COOKIE]["httponly"]
    own_browser.post(reverse("accounts:logout"))
    attacker = Client()
    fail_until_throttled(attacker, PHONE, address="198.51.100.1")
    assert attempt(Client(), PHONE, password, address="203.0.113.5").status_code == 429
    response = attempt(own_browser, PHONE, password, address="203.0.113.5")
    assert response.status_code == 302


def test_a_known_browser_has_its_own_count(owner, password, clock):
    own_browser = Client()
    attempt(own_browser, "dorothea", password)
    own_browser.post(reverse("accounts:logout"))
    assert fail_until_throttled(own_browser, "dorothea") == 5
    # Its failures are its own: a new browser of the owner is not held up by them.
    assert attempt(Client(), "dorothea", password, address="203.0.113.6").status_code == 302


def test_a_device_cookie_vouches_only_for_the_account_that_logged_in(owner, alice, password):
    attacker = Client()
    assert attempt(attacker, "alice", password).status_code == 302  # the attacker's own account
    attacker.post(reverse("accounts:logout"))
    assert fail_until_throttled(attacker, PHONE) == 5


def test_a_forged_device_cookie_is_ignored(owner, password):
    attacker = Client()
    attacker.cookies[DEVICE_COOKIE] = f"forged:{owner.pk}"
    assert fail_until_throttled(attacker, PHONE) == 5
    assert attempt(attacker, PHONE, password).status_code == 429


def test_a_password_reset_by_sms_ends_the_wait(owner, clock, send_code):
    attacker = Client()
    fail_until_throttled(attacker, PHONE)
    resetting = Client()
    code = send_code(resetting, reverse("accounts:password_reset"), {"phone": PHONE}, E164)
    new = "Quiet-River-Stone-42"
    response = resetting.post(
        reverse("accounts:password_reset_confirm"),
        {"code": code, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302
    assert DEVICE_COOKIE in resetting.cookies  # the browser that proved the phone counts as the owner's
    assert attempt(Client(), PHONE, new, address="203.0.113.7").status_code == 302


def test_a_wrong_reset_code_does_not_end_the_wait(owner, send_code):
    attacker = Client()
    fail_until_throttled(attacker, PHONE)
    code = send_code(attacker, reverse("accounts:password_reset"), {"phone": PHONE}, E164)
    wrong = "000000" if code != "000000" else "111111"
    attacker.post(
        reverse("accounts:password_reset_confirm"),
        {"code": wrong, "new_password": "Quiet-River-Stone-42", "new_password_again": "Quiet-River-Stone-42"},
    )
    assert attempt(attacker, PHONE).status_code == 429


def test_old_failures_are_forgotten_after_a_day(owner, clock):
    client = Client()
    for _ in range(4):
        assert attempt(client, PHONE).status_code == 400
    clock.advance(24 * 3600)
    for _ in range(4):
        assert attempt(client, PHONE).status_code == 400


# --- Staff and admin ------------------------------------------------------------------------------------------


def staff_attempt(client, identifier, password, token="000000"):
    return client.post(
        STAFF_LOGIN,
        {"identifier": identifier, "password": password, "otp_token": token},
        REMOTE_ADDR="10.1.1.1",
    )


def test_staff_login_goes_through_the_same_throttle(reviewer, password, clock):
    device = TOTPDevice.objects.get(user=reviewer)
    client = Client()
    for _ in range(5):
        assert staff_attempt(client, "reviewer", WRONG).status_code == 400
    refused = staff_attempt(client, "reviewer", password, totp_now(device))
    assert refused.status_code == 429
    assert WAIT_LINE in refused.content.decode()
    assert "动态口令" in refused.content.decode()  # the staff page, not the applicants'
    # The applicant login page knows the same account by its phone: it is the same count.
    assert attempt(Client(), reviewer.phone, password, address="10.1.1.2").status_code == 429
    clock.advance(60)
    assert staff_attempt(client, "reviewer", password, totp_now(device)).status_code == 302


def test_a_wrong_totp_after_a_right_password_counts(reviewer, password):
    client = Client()
    for _ in range(5):
        assert staff_attempt(client, "reviewer", password, "000000").status_code == 400
    assert staff_attempt(client, "reviewer", password, "000000").status_code == 429


def test_admin_login_attempts_count_against_the_account(reviewer, password):
    admin_login = reverse("admin:login")
    client = Client()
    for _ in range(5):
        response = client.post(
            admin_login,
            {"username": "reviewer", "password": WRONG, "otp_token": "000000"},
            REMOTE_ADDR="10.2.2.2",
        )
        assert "_auth_user_id" not in client.session and response.status_code == 200
    assert staff_attempt(Client(), "reviewer", password).status_code == 429
    # And the admin's own page is held up too: even the right password and token open nothing.
    device = TOTPDevice.objects.get(user=reviewer)
    response = client.post(
        admin_login,
        {
            "username": "reviewer",
            "password": password,
            "otp_device": device.persistent_id,
            "otp_token": totp_now(device),
        },
        REMOTE_ADDR="10.2.2.3",
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


# --- Under load, over time, and its settings ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_guesses_cannot_slip_past_the_threshold():
    UserFactory(username="target", phone="13800000042")
    barrier = threading.Barrier(12)
    statuses = []

    def guess():
        try:
            barrier.wait(timeout=20)
            statuses.append(attempt(Client(), "target", address="198.51.100.3").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [400] * 5 + [429] * 7


def test_stale_counts_are_purged(owner, clock):
    fail_until_throttled(Client(), PHONE)
    attempt(Client(), "13700000000")
    assert login_throttles_purge_task() == 0
    clock.advance(25 * 3600)
    assert login_throttles_purge_task() == 3  # the account, the unknown number, the address
    assert not LoginThrottle.objects.exists()


def test_a_running_wait_survives_the_purge(owner, clock):
    attacker = Client()
    fail_until_throttled(attacker, PHONE)
    clock.advance(24 * 3600 - 60)
    assert attempt(attacker, PHONE).status_code == 400  # the sixth failure: two minutes' wait
    clock.advance(90)  # the window began more than a day ago, but the wait is still running
    login_throttles_purge_task()
    assert attempt(attacker, PHONE).status_code == 429


@pytest.mark.parametrize(
    "name", ["LOGIN_THROTTLE_AFTER", "LOGIN_THROTTLE_ADDRESS_AFTER", "LOGIN_THROTTLE_MAX_DELAY_SECONDS"]
)
@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_throttle_setting_below_one_is_refused_at_start(name, value):
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr
