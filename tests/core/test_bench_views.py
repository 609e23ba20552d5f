"""The bare view for load tests exists only when RUANZHU_BENCH_VIEWS=1."""

import importlib

import pytest
from django.urls import clear_url_caches

import config.urls


@pytest.fixture
def bench_views_on(monkeypatch):
    monkeypatch.setenv("RUANZHU_BENCH_VIEWS", "1")
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    monkeypatch.delenv("RUANZHU_BENCH_VIEWS")
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_bare_view_is_not_mounted_by_default(client):
    assert client.get("/bench/bare/").status_code == 404


@pytest.mark.django_db
def test_bare_view_answers_after_one_query(bench_views_on, client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/bench/bare/")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_bare_view_refuses_post(bench_views_on, client):
    assert client.post("/bench/bare/").status_code == 405
