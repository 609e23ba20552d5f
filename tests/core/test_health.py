"""/healthz says the process answers; /readyz says it can serve, naming the part that cannot."""

import pytest
from django.db import OperationalError

from ruanzhu.core import health


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no database in this test: a query would raise
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response["Cache-Control"] == "no-store"


def test_readyz_checks_the_database_the_cache_and_the_storage(client, db, private_storage):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "storage": "ok"}}


def test_readyz_names_the_part_that_failed_and_not_why(client, db, monkeypatch):
    def unreachable():
        raise OperationalError("could not connect to server: password authentication failed for user secret")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed", "cache": "ok", "storage": "ok"}
    assert b"secret" not in response.content


def test_probes_come_before_the_https_redirect_and_the_host_check(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["portal.example.cn"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # everything else is still checked


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_probes_take_get_and_head_only(client, method):
    response = getattr(client, method)("/healthz")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert client.head("/readyz").status_code in (200, 503)
