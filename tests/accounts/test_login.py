import time

import pytest
from django.urls import reverse

from ruanzhu.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY

LOGIN = reverse("accounts:login")
CATALOG = reverse("filings:catalog")


def login(client, identifier, password, tab="individual", **extra):
    return client.post(LOGIN, {"identifier": identifier, "password": password, "tab": tab, **extra})


@pytest.mark.parametrize(
    "identifier", ["alice", "ALICE", "13800000001", "+86 138 0000 0001", "alice@example.com"]
)
def test_login_with_username_phone_or_email(client, alice, password, identifier):
    response = login(client, identifier, password)
    assert response.status_code == 302
    assert response["Location"] == CATALOG
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_login_page_has_both_tabs(client, db):
    page = client.get(LOGIN).content.decode()
    assert "个人用户" in page and "机构用户" in page


def test_institution_logs_in_on_its_tab(client, acme, password):
    response = login(client, "acme", password, tab="institution")
    assert response.status_code == 302


def test_wrong_tab_is_explained_after_a_correct_password(client, acme, password):
    response = login(client, "acme", password, tab="individual")
    assert response.status_code == 400
    assert "机构用户" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_without_saying_which_part(client, alice):
    response = login(client, "alice", "not-the-password-at-all")
    assert response.status_code == 400
    assert "账号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_account_gets_the_same_message(client, db):
    response = login(client, "nobody", "not-the-password-at-all")
    assert "账号或密码不正确" in response.content.decode()


def test_session_key_is_rotated_at_login(client, alice, password):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    login(client, "alice", password)
    assert client.session.session_key != before


def test_login_refuses_bad_input(client, db):
    response = client.post(LOGIN, {"identifier": "", "password": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["identifier"]


def test_login_refuses_overlong_identifier(client, db):
    response = login(client, "a" * 300, "whatever-password")
    assert response.status_code == 400
    assert response.context["form"].errors["identifier"]


def test_next_is_followed_only_within_the_site(client, alice, password):
    response = login(client, "alice", password, next="https://evil.example.com/")
    assert response["Location"] == CATALOG
    client.logout()
    response = login(client, "alice", password, next="/accounts/me/")
    assert response["Location"] == "/accounts/me/"


def test_logout_ends_the_server_side_session(client, alice, password):
    login(client, "alice", password)
    key = client.session.session_key
    assert client.post(reverse("accounts:logout")).status_code == 302
    from django.contrib.sessions.backends.db import SessionStore

    assert not SessionStore().exists(key)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_logout_needs_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_session_ends_after_30_idle_minutes(client, alice, password):
    login(client, "alice", password)
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - 30 * 60 - 1
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_activity_keeps_the_session_alive_without_a_write_per_request(client, alice, password):
    from django.contrib.sessions.models import Session

    login(client, "alice", password)
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - 29 * 60
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 200  # touched: more than a minute ago
    stored = Session.objects.get(session_key=client.session.session_key)
    assert time.time() - stored.get_decoded()[SESSION_SEEN_KEY] < 5
    expire_before = stored.expire_date
    assert client.get(reverse("accounts:profile")).status_code == 200  # seen seconds ago: no write
    assert Session.objects.get(session_key=client.session.session_key).expire_date == expire_before


def test_session_ends_12_hours_after_login_however_active(client, alice, password):
    login(client, "alice", password)
    assert client.get(reverse("accounts:profile")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 3600 - 1
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_staff_cannot_use_the_applicant_login(client, reviewer, password):
    response = login(client, "reviewer", password)
    assert response.status_code == 400
    assert "工作人员" in response.content.decode()


def test_the_tabs_keep_the_username_that_go_register_filled_in(client, db):
    page = client.get(
        reverse("accounts:login"), {"tab": "individual", "username": "acme_admin"}
    ).content.decode()
    assert 'href="?tab=institution&amp;username=acme_admin"' in page
    switched = client.get(reverse("accounts:login"), {"tab": "institution", "username": "acme_admin"})
    assert switched.context["form"]["identifier"].value() == "acme_admin"
