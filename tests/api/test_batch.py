"""POST /filings/batch: up to 100 drafts, each validated, created and answered on its own."""

import pytest

from ruanzhu.filings.models import Filing
from tests.agents.conftest import mandate_for
from tests.api.conftest import ApiClient, problem
from tests.factories import STEP_DATA


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice)


def test_each_item_is_answered_on_its_own_and_a_bad_one_stops_no_other(
    alice_api, verified_alice, draft_fields
):
    good = {"service": "R11", "fields": draft_fields}
    items = [
        good,
        {"service": "R11", "fields": {**STEP_DATA["role"], "owner_type": "many"}},
        {"fields": STEP_DATA["role"]},  # no service: refused as POST /filings refuses it
        {"service": "R99", "fields": STEP_DATA["role"]},
        {**good, "fields": {**draft_fields, "version": "V2.0"}},
    ]
    response = alice_api.post("/filings/batch", {"items": items})
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert (body["created"], body["refused"]) == (2, 3)
    assert [item["status"] for item in body["items"]] == [201, 422, 422, 422, 201]
    assert [item["index"] for item in body["items"]] == [0, 1, 2, 3, 4]
    refused = body["items"][1]["problem"]
    assert refused["code"] == "validation_failed" and refused["errors"][0]["field"] == "owner_type"
    assert refused["errors"][0]["message"]  # in Chinese, as the form says it
    assert body["items"][2]["problem"]["errors"][0]["field"] == "service"
    assert body["items"][3]["problem"]["errors"][0]["code"] == "invalid_choice"
    created = [item["filing"]["id"] for item in body["items"] if item["status"] == 201]
    assert sorted(Filing.objects.values_list("pk", flat=True)) == sorted(created)
    assert Filing.objects.get(pk=created[1]).details["version"] == "V2.0"
    assert all(filing.applicant == verified_alice for filing in Filing.objects.all())


@pytest.mark.parametrize("count, code", [(0, "required"), (101, "too_many")])
def test_an_empty_or_oversized_batch_is_refused_whole(alice_api, draft_fields, count, code):
    items = [{"service": "R11", "fields": draft_fields}] * count
    errors = problem(alice_api.post("/filings/batch", {"items": items}), 422, "validation_failed")["errors"]
    assert [(error["field"], error["code"]) for error in errors] == [("items", code)]
    assert not Filing.objects.exists()


def test_a_batch_of_a_hundred_is_taken(alice_api, draft_fields):
    items = [{"service": "R11", "fields": draft_fields}] * 100
    body = alice_api.post("/filings/batch", {"items": items}).json()
    assert body["created"] == 100 and Filing.objects.count() == 100


def test_batch_needs_a_token_the_file_scope_and_a_verified_identity(
    api, verified_alice, newcomer, draft_fields
):
    items = {"items": [{"service": "R11", "fields": draft_fields}]}
    problem(ApiClient(None).post("/filings/batch", items), 401, "unauthenticated")
    problem(api(verified_alice, scopes=["read"]).post("/filings/batch", items), 403, "insufficient_scope")
    problem(api(verified_alice).post("/filings/batch", {"items": "x"}), 422, "validation_failed")
    body = api(newcomer).post("/filings/batch", items).json()
    assert (
        body["items"][0]["status"] == 403 and body["items"][0]["problem"]["code"] == "identity_not_verified"
    )
    assert not Filing.objects.exists()


def test_an_agent_files_for_clients_under_mandates_in_force_only(
    api, agent, verified_acme, verified_carol, draft_fields
):
    mandate_for(agent, verified_acme, services=("R11",))
    items = [
        {"service": "R11", "client_id": verified_acme.pk, "fields": draft_fields},
        {"service": "R11", "client_id": verified_carol.pk, "fields": draft_fields},
    ]
    body = api(agent).post("/filings/batch", {"items": items}).json()
    assert [item["status"] for item in body["items"]] == [201, 422]
    assert body["items"][1]["problem"]["errors"][0]["field"] == "client_id"
    (filing,) = Filing.objects.all()
    assert (filing.applicant, filing.agent) == (verified_acme, agent)
