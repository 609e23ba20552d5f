"""The session engines of ruanzhu.accounts.sessions: a login rotates the key and writes the session once."""

from importlib import import_module

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ruanzhu.accounts import sessions

LOGIN = reverse("accounts:login")


@pytest.fixture(params=["ruanzhu.accounts.sessions.db", "ruanzhu.accounts.sessions.cached_db"])
def engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return import_module(request.param)


def log_in(client, password, **extra):
    return client.post(LOGIN, {"identifier": "alice", "password": password, "tab": "individual", **extra})


def session_writes(queries) -> list[str]:
    return [
        query["sql"].split()[0].upper()
        for query in queries
        if "django_session" in query["sql"] and not query["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_login_without_a_session_writes_it_once(engine, client, alice, password):
    with CaptureQueriesContext(connection) as captured:
        response = log_in(client, password)
    assert response.status_code == 302
    assert session_writes(captured.captured_queries) == ["INSERT"]
    key = response.cookies["sessionid"].value
    stored = engine.SessionStore(session_key=key).load()
    assert stored["_auth_user_id"] == str(alice.pk)
    assert Session.objects.get(session_key=key).get_decoded()["_auth_user_id"] == str(alice.pk)


def test_login_writes_the_new_session_to_the_cache_once(settings, client, alice, password, monkeypatch):
    settings.SESSION_ENGINE = "ruanzhu.accounts.sessions.cached_db"
    prefix = import_module(settings.SESSION_ENGINE).SessionStore.cache_key_prefix
    backend = type(caches[settings.SESSION_CACHE_ALIAS])
    real_set, writes = backend.set, []

    def counted_set(cache, key, *args, **kwargs):
        if key.startswith(prefix):
            writes.append(key)
        return real_set(cache, key, *args, **kwargs)

    monkeypatch.setattr(backend, "set", counted_set)
    response = log_in(client, password)
    assert response.status_code == 302
    assert writes == [prefix + response.cookies["sessionid"].value]


def test_login_moves_an_existing_session_to_a_new_key_and_deletes_the_old(engine, client, alice, password):
    client.post(reverse("accounts:signup"))  # an anonymous session with something in it
    old = client.cookies["sessionid"].value
    assert engine.SessionStore().exists(old)
    with CaptureQueriesContext(connection) as captured:
        response = log_in(client, password)
    new = response.cookies["sessionid"].value
    assert new != old
    assert not engine.SessionStore().exists(old)
    assert not Session.objects.filter(session_key=old).exists()
    assert session_writes(captured.captured_queries) == ["DELETE", "INSERT"]
    stored = engine.SessionStore(session_key=new).load()
    assert stored["_auth_user_id"] == str(alice.pk)
    assert stored["signup_terms"]  # the data goes along, as with Django's own cycle_key()


def test_a_planted_session_key_is_not_the_one_logged_in(engine, client, alice, password):
    """Fixation: a key an attacker made and slipped into the browser must not become the victim's session."""
    planted = engine.SessionStore()
    planted["note"] = "the attacker's"
    planted.create()
    client.cookies["sessionid"] = planted.session_key
    response = log_in(client, password)
    assert response.status_code == 302
    assert response.cookies["sessionid"].value != planted.session_key
    assert engine.SessionStore(session_key=planted.session_key).load() == {}


def test_an_unknown_session_key_is_replaced_at_login(engine, client, alice, password):
    client.cookies["sessionid"] = "k" * 32
    response = log_in(client, password)
    assert response.cookies["sessionid"].value != "k" * 32
    assert not Session.objects.filter(session_key="k" * 32).exists()


def test_a_new_key_already_taken_is_refused_by_the_insert_and_another_drawn(engine, monkeypatch, db):
    taken = engine.SessionStore()
    taken["owner"] = "someone"
    taken.create()
    draws = iter([taken.session_key, "f" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(draws))
    store = engine.SessionStore()
    store["owner"] = "me"
    store.save()
    assert store.session_key == "f" * 32
    assert engine.SessionStore(session_key=taken.session_key).load() == {"owner": "someone"}
    assert Session.objects.get(session_key=taken.session_key).get_decoded() == {"owner": "someone"}


def test_logout_still_deletes_the_session(engine, client, alice, password):
    key = log_in(client, password).cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    assert not engine.SessionStore().exists(key)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_failed_login_opens_no_session(engine, client, alice):
    with CaptureQueriesContext(connection) as captured:
        response = log_in(client, "not-the-password-at-all")
    assert response.status_code == 400
    assert session_writes(captured.captured_queries) == []
