"""Every error of the API is an RFC 9457 problem: a stable code, a translated detail, no traceback."""

import pytest

from ruanzhu.api.routers import services
from tests.api.conftest import problem


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice)


def test_problem_has_the_rfc_9457_members(alice_api):
    response = alice_api.get("/filings/987654")
    body = problem(response, 404, "not_found")
    assert set(body) == {"type", "title", "status", "code", "detail"}
    assert body["type"] == "urn:ruanzhu:problem:not_found"
    assert body["title"] == "未找到" and body["detail"]


def test_validation_problem_lists_each_field(alice_api):
    body = problem(alice_api.post("/filings", {"fields": []}), 422, "validation_failed")
    assert {(error["field"], error["code"]) for error in body["errors"]} == {
        ("service", "missing"),
        ("fields", "dict_type"),
    }
    assert all(error["message"] for error in body["errors"])


def test_malformed_json_is_a_problem(alice_api):
    response = alice_api.client.post(
        "/api/v1/filings",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {alice_api.secret}"},
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_unexpected_error_is_a_500_problem_without_traceback(alice_api, monkeypatch):
    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "definitions", broken)
    response = alice_api.get("/services")
    body = problem(response, 500, "internal_error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["detail"] == "服务器内部错误，请稍后重试。"


def test_wrong_method_is_refused(alice_api):
    response = alice_api.client.delete(
        "/api/v1/filings", headers={"Authorization": f"Bearer {alice_api.secret}"}
    )
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/filings/1/2", "/api/v1/registry/records/a/b"])
def test_a_path_naming_no_operation_is_a_404_problem(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
