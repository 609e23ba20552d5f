"""With a valid token, hostile values in every path parameter, query parameter and body field never answer 500,
and every refusal is a problem (tests/security/test_url_fuzz.py sends them without a token, which stops at 401)."""

from urllib.parse import quote

import pytest

from tests.security.test_url_fuzz import NASTY

JSON_VALUES = [None, True, 0, -1, 2**70, 1.5, "", "\x00", "中" * 5000, [], {}, [None], {"a": {"b": []}}]


@pytest.fixture
def alice_api(api, verified_alice, settings):
    settings.API_TOKEN_RATE_PER_MINUTE = 100_000
    return api(verified_alice)


def refused_cleanly(response) -> bool:
    if response.status_code >= 500:
        return False
    return response.status_code < 400 or response["Content-Type"] == "application/problem+json"


def test_hostile_path_and_query_values(alice_api, draft_fields):
    pk = alice_api.post("/filings", {"service": "R11", "fields": draft_fields}).json()["id"]
    failures = []
    for value in NASTY:
        quoted = quote(value, safe="")
        for response in (
            alice_api.get(f"/filings/{quoted}"),
            alice_api.patch(f"/filings/{quoted}", {"fields": {"version": "V2"}}),
            alice_api.get(f"/registry/records/{quoted}"),
            alice_api.get("/registry/search", {"q": value, "field": value, "after": value, "size": value}),
            alice_api.get("/registry/search", {"q": value, "field": "number"}),
            alice_api.get("/registry/search", {"q": "软件", "after": value}),
            alice_api.get("/filings", {"limit": value, "offset": value}),
        ):
            if not refused_cleanly(response):
                failures.append((value, response.request["PATH_INFO"], response.status_code))
    assert not failures, failures
    assert alice_api.get(f"/filings/{pk}").status_code == 200


def test_hostile_json_bodies(alice_api, draft_fields):
    pk = alice_api.post("/filings", {"service": "R11", "fields": draft_fields}).json()["id"]
    failures = []
    for value in JSON_VALUES + NASTY:
        for path, method, body in (
            ("/filings", "post", {"service": value, "fields": draft_fields}),
            ("/filings", "post", {"service": "R11", "client_id": value, "fields": draft_fields}),
            ("/filings", "post", {"service": "R11", "fields": {**draft_fields, "full_name": value}}),
            ("/filings", "post", {"service": "R11", "fields": value}),
            (f"/filings/{pk}", "patch", {"fields": {"completion_date": value, "source_lines": value}}),
            (f"/filings/{pk}", "patch", {"fields": {"version": value, "languages": value}}),
            (f"/filings/{pk}", "patch", {"fields": value}),
        ):
            response = getattr(alice_api, method)(path, body)
            if not refused_cleanly(response):
                failures.append((value, path, body, response.status_code))
    assert not failures, failures
