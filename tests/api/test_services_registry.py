"""GET /services (the definitions' step forms as a field schema) and the public registry operations."""

import pytest

from ruanzhu.filings.definitions import definitions
from tests.api.conftest import ApiClient, problem
from tests.factories import RegistrationFactory


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice, scopes=["read"])


def test_services_lists_every_definition_with_its_step_fields(alice_api):
    body = alice_api.get("/services").json()
    assert [service["code"] for service in body["services"]] == [d.code for d in definitions()]
    r11 = body["services"][0]
    assert r11["code"] == "R11" and r11["title"] == "计算机软件著作权登记申请"
    assert [step["slug"] for step in r11["steps"]] == ["role", "software", "development", "features"]
    fields = {field["name"]: field for step in r11["steps"] for field in step["fields"]}
    assert fields["full_name"]["type"] == "string" and fields["full_name"]["required"] is True
    assert fields["completion_date"]["type"] == "date"
    assert fields["source_lines"]["type"] == "integer"
    assert fields["languages"]["type"] == "multiple_choice"
    assert {"value": "independent", "label": "独立开发"} in fields["development_mode"]["choices"]
    assert "program_deposit" in [document["kind"] for document in r11["documents"]]


def test_services_in_english(alice_api):
    body = alice_api.get("/services", **{"Accept-Language": "en"}).json()
    assert body["services"][0]["title"] != "计算机软件著作权登记申请"


def test_registry_operations_need_a_token(db):
    problem(ApiClient(None).get("/registry/search", {"q": "x"}), 401, "unauthenticated")
    problem(ApiClient(None).get("/registry/records/2026SR0000001"), 401, "unauthenticated")
    problem(ApiClient(None).get("/services"), 401, "unauthenticated")


def test_registry_search_and_record(alice_api):
    registration = RegistrationFactory(software_name="星河数据分析平台", owners=["示例科技有限公司"])
    RegistrationFactory(software_name="别的软件")
    body = alice_api.get("/registry/search", {"q": "星河"}).json()
    assert [hit["registration_number"] for hit in body["results"]] == [registration.registration_number]
    assert body["next_cursor"] is None
    by_owner = alice_api.get("/registry/search", {"q": "示例科技", "field": "owner", "size": 1}).json()
    assert len(by_owner["results"]) == 1 and by_owner["next_cursor"]
    record = alice_api.get(f"/registry/records/{registration.registration_number.lower()}").json()
    assert record["software_name"] == "星河数据分析平台" and record["owners"] == "示例科技有限公司"
    assert record["changes"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x", "field": "colour"}, "field"),
        ({"q": "x" * 200}, "q"),
        ({"q": "abc", "field": "number"}, "q"),
        ({"q": "x", "size": 0}, "size"),
        ({"q": "x", "size": "many"}, "size"),
    ],
)
def test_registry_search_refuses_bad_input(alice_api, query, field):
    errors = problem(alice_api.get("/registry/search", query), 422, "validation_failed")["errors"]
    assert field in [error["field"] for error in errors], errors


@pytest.mark.parametrize("number", ["2026SR9999999", "nothing", "2026SR00000001", "%00"])
def test_unknown_registration_is_not_found(alice_api, number):
    problem(alice_api.get(f"/registry/records/{number}"), 404, "not_found")


def test_registry_needs_the_read_scope(api, verified_alice):
    problem(
        api(verified_alice, scopes=["file"]).get("/registry/search", {"q": "x"}), 403, "insufficient_scope"
    )
