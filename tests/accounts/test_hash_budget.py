"""The address's budget of password hashes: spent before any hash, refused without one, per address."""

import pytest
import redis
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ruanzhu.accounts import counters
from ruanzhu.accounts.models import LoginThrottle, User
from tests.factories import UserFactory

LOGIN = reverse("accounts:login")
STAFF_LOGIN = reverse("accounts:staff_login")
DETAILS = reverse("accounts:signup_details", args=["individual"])
RESET = reverse("accounts:password_reset")
RESET_CONFIRM = reverse("accounts:password_reset_confirm")
PHONE_CHANGE = reverse("accounts:phone_change")
WRONG = "Not-The-Password-2026"
BUDGET_LINE = "来自您所在网络的登录和注册请求过于频繁"
FAILURES_LINE = "登录失败次数过多"


@pytest.fixture(autouse=True)
def budget(settings):
    """Three hashes at once, then one every 20 seconds (3 a minute)."""
    settings.PASSWORD_HASH_IP_BURST = 3
    settings.PASSWORD_HASH_IP_RATE_PER_MINUTE = 3


@pytest.fixture
def hashes(monkeypatch):
    """Count the passwords hashed from here on, set or checked (the tests' MD5 hasher checks by encoding)."""
    counted = []
    original = MD5PasswordHasher.encode

    def spy(self, *args, **kwargs):
        counted.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", spy)
    return counted


def attempt(client, identifier, password=WRONG, address="198.51.100.1", **extra):
    return client.post(
        LOGIN,
        {"identifier": identifier, "password": password, "tab": "individual"},
        REMOTE_ADDR=address,
        **extra,
    )


def spend_budget(address="198.51.100.1", *, identifier="nobody-here"):
    """Spend the whole burst of ``address`` on failed logins."""
    for _number in range(3):
        assert attempt(Client(), identifier, address=address).status_code == 400


def assert_refused(response, wait=20):
    assert response.status_code == 429
    assert response["Retry-After"] == str(wait)
    page = response.content.decode()
    assert BUDGET_LINE in page and f"{wait}秒后重试" in page
    assert FAILURES_LINE not in page


def test_the_attempt_past_the_burst_is_refused_without_a_hash_or_a_write(alice, password, hashes, clock):
    for _number in range(3):
        assert attempt(Client(), "alice", WRONG).status_code == 400
    assert len(hashes) == 3
    rows = list(LoginThrottle.objects.values_list("key", "attempts"))
    with CaptureQueriesContext(connection) as queries:
        refused = attempt(Client(), "alice", password)
    assert_refused(refused)
    assert len(hashes) == 3
    # Decided before the account was looked up or counted: no query on the accounts' tables at all.
    assert not [query for query in queries if "accounts_" in query["sql"]]
    assert list(LoginThrottle.objects.values_list("key", "attempts")) == rows
    assert "_auth_user_id" not in Client().session


def test_unknown_accounts_spend_the_budget_too(alice, password, hashes, clock):
    # Each unknown identifier costs a decoy hash, so each is counted.
    for number in range(3):
        assert attempt(Client(), f"ghost{number}").status_code == 400
    assert len(hashes) == 3
    assert_refused(attempt(Client(), "alice", password))
    assert len(hashes) == 3


def test_right_passwords_within_the_budget_log_in_and_count(db, password, clock):
    people = [UserFactory(username=f"clerk{number}") for number in range(4)]
    for person in people[:3]:
        response = attempt(Client(), person.username, password, address="192.0.2.80")
        assert response.status_code == 302, person.username
    assert_refused(attempt(Client(), people[3].username, password, address="192.0.2.80"))


def test_another_address_is_not_affected(alice, password, clock):
    spend_budget("198.51.100.1")
    assert attempt(Client(), "alice", password, address="198.51.100.2").status_code == 302
    assert_refused(attempt(Client(), "alice", password, address="198.51.100.1"))


def test_the_budget_refills_one_hash_per_interval_and_whole_after_a_minute(alice, password, clock):
    spend_budget()
    assert_refused(attempt(Client(), "alice", password))
    clock.advance(5)
    assert_refused(attempt(Client(), "alice", password), wait=15)
    clock.advance(15)
    assert attempt(Client(), "alice", WRONG).status_code == 400
    assert_refused(attempt(Client(), "alice", password))
    clock.advance(60)
    for _number in range(3):
        assert attempt(Client(), "alice", WRONG).status_code == 400
    assert_refused(attempt(Client(), "alice", password))


def test_refused_attempts_do_not_push_the_wait_further(alice, password, clock):
    spend_budget()
    for _number in range(10):
        assert_refused(attempt(Client(), "alice", password))
    clock.advance(20)
    assert attempt(Client(), "alice", password).status_code == 302


def test_the_budget_is_the_forwarded_client_behind_a_proxy(alice, password, settings, clock):
    settings.PROXY_COUNT = 1

    def through_proxy(forwarded, password=WRONG):
        return attempt(Client(), "alice", password, address="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    for number in range(3):
        # What the client writes before the proxy's entry is not trusted: it cannot dodge the budget.
        assert through_proxy(f"1.2.3.{number}, 203.0.113.7").status_code == 400
    assert_refused(through_proxy("203.0.113.7", password))
    # The proxy's own address is not what is counted: another client behind it is not held up.
    assert through_proxy("203.0.113.8", password).status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(alice, password, clock):
    for number in range(3):
        assert attempt(Client(), "alice", address=f"2001:db8:1:2::{number + 1}").status_code == 400
    assert_refused(attempt(Client(), "alice", password, address="2001:db8:1:2:ffff::9"))
    assert attempt(Client(), "alice", password, address="2001:db8:1:3::1").status_code == 302


def test_staff_login_spends_the_same_budget(reviewer, password, hashes, clock):
    spend_budget("127.0.0.1")
    before = len(hashes)
    response = Client().post(
        STAFF_LOGIN, {"identifier": reviewer.username, "password": password, "otp_token": "123456"}
    )
    assert_refused(response)
    assert len(hashes) == before


def test_admin_login_spends_the_same_budget(reviewer, password, hashes, clock):
    spend_budget("127.0.0.1")
    before = len(hashes)
    response = Client().post(
        reverse("admin:login"), {"username": reviewer.username, "password": password, "next": "/admin/"}
    )
    assert response.status_code == 200  # the admin's own form: refused like a wrong password
    assert "_auth_user_id" not in Client().session
    assert len(hashes) == before


def test_sign_up_is_refused_without_a_hash_when_the_budget_is_spent(signup_client, send_code, hashes, clock):
    code = send_code(
        signup_client, DETAILS, {"action": "send_code", "phone": "13912345678"}, "+8613912345678"
    )
    spend_budget("127.0.0.1")
    before = len(hashes)
    form = {
        "action": "register",
        "username": "zhangsan",
        "password": "Lantern-Orchid-2026",
        "password_again": "Lantern-Orchid-2026",
        "phone": "13912345678",
        "code": code,
        "email": "zhangsan@example.com",
    }
    refused = signup_client.post(DETAILS, form)
    assert_refused(refused)
    assert not User.objects.filter(username="zhangsan").exists()
    assert len(hashes) == before
    # The code was not used up: once the budget is back the same form signs up.
    clock.advance(20)
    assert signup_client.post(DETAILS, form).status_code == 302
    assert User.objects.filter(username="zhangsan").exists()


def test_sign_up_spends_the_budget(signup_client, send_code, clock):
    for number in range(3):
        phone = f"1391234567{number}"
        code = send_code(signup_client, DETAILS, {"action": "send_code", "phone": phone}, f"+86{phone}")
        form = {
            "action": "register",
            "username": f"zhang{number}san",
            "password": "Lantern-Orchid-2026",
            "password_again": "Lantern-Orchid-2026",
            "phone": phone,
            "code": code,
            "email": f"zhang{number}@example.com",
        }
        assert signup_client.post(DETAILS, form).status_code == 302
        signup_client.post(reverse("accounts:signup"))
    assert_refused(attempt(Client(), "zhang0san", "Lantern-Orchid-2026", address="127.0.0.1"))


def test_a_password_reset_is_refused_without_a_hash_when_the_budget_is_spent(alice, send_code, hashes, clock):
    resetting = Client()
    code = send_code(resetting, RESET, {"phone": "13800000001"}, "+8613800000001")
    spend_budget("127.0.0.1")
    before = len(hashes)
    new = "Quiet-River-Stone-42"
    form = {"code": code, "new_password": new, "new_password_again": new}
    assert_refused(resetting.post(RESET_CONFIRM, form))
    assert len(hashes) == before
    alice.refresh_from_db()
    assert not alice.check_password(new)


def test_the_password_check_of_a_phone_change_spends_the_budget(client, alice, password, hashes, clock):
    client.force_login(alice)
    spend_budget("127.0.0.1")
    before = len(hashes)
    response = client.post(
        PHONE_CHANGE, {"action": "send_code", "password": password, "new_phone": "13700000009"}
    )
    assert response.status_code == 429
    assert BUDGET_LINE in response.content.decode()
    assert len(hashes) == before


def test_sending_a_code_spends_nothing(signup_client, send_code, alice, password, clock):
    for number in range(4):
        phone = f"1371234567{number}"
        send_code(signup_client, DETAILS, {"action": "send_code", "phone": phone}, f"+86{phone}")
    assert attempt(Client(), "alice", password, address="127.0.0.1").status_code == 302


def test_logins_go_on_when_redis_is_down(alice, password, monkeypatch):
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("needs REDIS_URL: runs in the PostgreSQL+Redis pass")
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(counters, "redis_client", lambda: dead)
    # The failures still count in the database: the account waits after its threshold.
    for _number in range(5):
        assert attempt(Client(), "alice").status_code == 400
    assert attempt(Client(), "alice", password).status_code == 429
    assert attempt(Client(), "someone-else", password, address="198.51.100.9").status_code == 400
