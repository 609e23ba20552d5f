"""The filings operations: the same selectors, forms and services as the pages, for the token's account."""

import pytest

from ruanzhu.agents.models import Mandate
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.parties import owner_add
from ruanzhu.filings.states import Status
from tests.agents.conftest import mandate_for
from tests.api.conftest import ApiClient, problem
from tests.factories import STEP_DATA, invitation_accept_as


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice)


@pytest.fixture
def alice_filing(alice_api, draft_fields):
    response = alice_api.post("/filings", {"service": "R11", "fields": draft_fields})
    assert response.status_code == 201, response.content.decode()
    return Filing.objects.get(pk=response.json()["id"])


# --- POST /filings ----------------------------------------------------------------------------------------------
def test_create_starts_a_draft_through_the_wizard_services(alice_api, verified_alice, draft_fields):
    response = alice_api.post("/filings", {"service": "R11", "fields": draft_fields})
    assert response.status_code == 201
    body = response.json()
    filing = Filing.objects.get(pk=body["id"])
    assert (filing.applicant, filing.filer, filing.agent, filing.status) == (
        verified_alice,
        verified_alice,
        None,
        Status.DRAFT,
    )
    assert filing.step == 2 and filing.title == STEP_DATA["software"]["full_name"]
    assert filing.details["version"] == "V1.0" and filing.details["owner_type"] == "joint"
    # The applicant joined as first owner, as on 立即登记.
    assert list(filing.parties.values_list("account", flat=True)) == [verified_alice.pk]
    assert body["step"] == 2 and body["may_edit"] is True and body["status_label"] == "草稿"


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"service": "R99", "fields": STEP_DATA["role"]}, "service", "invalid_choice"),
        ({"service": "R11", "fields": {}}, "owner_type", "required"),
        (
            {"service": "R11", "fields": {**STEP_DATA["role"], "owner_type": "many"}},
            "owner_type",
            "invalid_choice",
        ),
        ({"service": "R11", "fields": {**STEP_DATA["role"], "colour": "blue"}}, "colour", "unknown_field"),
        (
            {"service": "R11", "fields": {**STEP_DATA["role"], "completion_date": "2026-01-01"}},
            "completion_date",
            "step_not_reached",
        ),
        ({"fields": STEP_DATA["role"]}, "service", "missing"),
        ({"service": "R11", "fields": "role"}, "fields", "dict_type"),
        ({"service": "R11", "fields": STEP_DATA["role"], "client_id": 1}, "client_id", "not_an_agent"),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(alice_api, body, field, code):
    response = alice_api.post("/filings", body)
    errors = problem(response, 422, "validation_failed")["errors"]
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in errors], (
        errors
    )
    assert not Filing.objects.exists()


def test_create_needs_a_verified_identity(api, newcomer):
    problem(
        api(newcomer).post("/filings", {"service": "R11", "fields": STEP_DATA["role"]}),
        403,
        "identity_not_verified",
    )
    assert not Filing.objects.exists()


# --- GET /filings, GET /filings/{pk} ----------------------------------------------------------------------------
def test_list_and_detail_show_the_accounts_filings(alice_api, alice_filing):
    body = alice_api.get("/filings").json()
    assert [item["id"] for item in body["items"]] == [alice_filing.pk] and body["next_offset"] is None
    detail = alice_api.get(f"/filings/{alice_filing.pk}").json()
    assert detail["details"]["full_name"] == STEP_DATA["software"]["full_name"]


def test_list_pages_with_limit_and_offset(alice_api, alice_filing, draft_fields):
    second = alice_api.post("/filings", {"service": "R11", "fields": draft_fields}).json()["id"]
    first_page = alice_api.get("/filings", {"limit": 1}).json()
    assert [item["id"] for item in first_page["items"]] == [second] and first_page["next_offset"] == 1
    rest = alice_api.get("/filings", {"limit": 1, "offset": 1}).json()
    assert [item["id"] for item in rest["items"]] == [alice_filing.pk] and rest["next_offset"] is None
    problem(alice_api.get("/filings", {"limit": 0}), 422, "validation_failed")
    problem(alice_api.get("/filings", {"limit": "x"}), 422, "validation_failed")


def test_another_persons_filing_is_not_found(api, verified_carol, alice_filing):
    carol = api(verified_carol)
    assert carol.get("/filings").json()["items"] == []
    problem(carol.get(f"/filings/{alice_filing.pk}"), 404, "not_found")
    problem(carol.patch(f"/filings/{alice_filing.pk}", {"fields": {"version": "V9.0"}}), 404, "not_found")
    alice_filing.refresh_from_db()
    assert alice_filing.details["version"] == "V1.0"


@pytest.mark.parametrize("pk", ["0", "-1", "abc", "9" * 30, "１２"])
def test_bad_filing_ids_are_refused(alice_api, pk):
    problem(alice_api.get(f"/filings/{pk}"), 422, "validation_failed")


def test_operations_need_a_token(db, alice_filing):
    anonymous = ApiClient(None)
    problem(anonymous.get("/filings"), 401, "unauthenticated")
    problem(anonymous.get(f"/filings/{alice_filing.pk}"), 401, "unauthenticated")
    problem(anonymous.post("/filings", {"service": "R11"}), 401, "unauthenticated")
    problem(
        anonymous.patch(f"/filings/{alice_filing.pk}", {"fields": {"version": "V2"}}), 401, "unauthenticated"
    )
    assert Filing.objects.count() == 1


# --- PATCH /filings/{pk} ----------------------------------------------------------------------------------------
def test_update_saves_the_fields_through_the_step_forms(alice_api, alice_filing):
    response = alice_api.patch(
        f"/filings/{alice_filing.pk}", {"fields": {"version": "V2.0", **STEP_DATA["development"]}}
    )
    assert response.status_code == 200, response.content.decode()
    alice_filing.refresh_from_db()
    assert alice_filing.details["version"] == "V2.0"
    assert alice_filing.details["completion_date"] == "2026-06-30"
    assert alice_filing.details["full_name"] == STEP_DATA["software"]["full_name"]  # kept
    assert alice_filing.step == 3 and response.json()["step"] == 3


@pytest.mark.parametrize(
    "fields, field, code",
    [
        ({"version": ""}, "version", "required"),
        ({"full_name": "x" * 500}, "full_name", "max_length"),
        ({"main_functions": "太短"}, "main_functions", "step_not_reached"),
        ({"nothing": 1}, "nothing", "unknown_field"),
        ({}, "fields", "required"),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(alice_api, alice_filing, fields, field, code):
    before = (alice_filing.details, alice_filing.step, alice_filing.updated_at)
    errors = problem(
        alice_api.patch(f"/filings/{alice_filing.pk}", {"fields": fields}), 422, "validation_failed"
    )["errors"]
    assert (field, code) in [(error["field"], error["code"]) for error in errors], errors
    alice_filing.refresh_from_db()
    assert (alice_filing.details, alice_filing.step, alice_filing.updated_at) == before


def test_a_co_owner_may_read_but_not_edit(api, verified_bob, alice_filing):
    owner_add(filing=alice_filing, by=alice_filing.applicant, identifier=verified_bob.username)
    invitation_accept_as(alice_filing, verified_bob)
    bob = api(verified_bob)
    assert bob.get(f"/filings/{alice_filing.pk}").json()["may_edit"] is False
    problem(bob.patch(f"/filings/{alice_filing.pk}", {"fields": {"version": "V3"}}), 404, "not_found")


def test_a_submitted_filing_cannot_be_changed_and_the_english_detail_is_translated(alice_api, alice_filing):
    Filing.objects.filter(pk=alice_filing.pk).update(status=Status.SUBMITTED)
    body = problem(
        alice_api.patch(f"/filings/{alice_filing.pk}", {"fields": {"version": "V3"}}), 409, "not_editable"
    )
    assert body["detail"] == "申请已提交，不能再修改。"
    english = alice_api.patch(
        f"/filings/{alice_filing.pk}", {"fields": {"version": "V3"}}, **{"Accept-Language": "en"}
    )
    assert problem(english, 409, "not_editable")["detail"] == (
        "The application has been submitted and can no longer be changed."
    )
    alice_filing.refresh_from_db()
    assert alice_filing.details["version"] == "V1.0"


# --- An agent's token: for a client only under a mandate in force -----------------------------------------------
@pytest.fixture
def agent_api(api, agent):
    return api(agent)


def test_agent_files_for_a_client_under_a_mandate_in_force(agent_api, agent, verified_acme, draft_fields):
    mandate = mandate_for(agent, verified_acme, services=("R11",))
    response = agent_api.post(
        "/filings", {"service": "R11", "client_id": verified_acme.pk, "fields": draft_fields}
    )
    assert response.status_code == 201, response.content.decode()
    filing = Filing.objects.get(pk=response.json()["id"])
    assert (filing.applicant, filing.filer, filing.agent, filing.mandate) == (
        verified_acme,
        agent,
        agent,
        mandate,
    )
    assert [item["id"] for item in agent_api.get("/filings").json()["items"]] == [filing.pk]
    assert agent_api.patch(f"/filings/{filing.pk}", {"fields": {"version": "V2.0"}}).status_code == 200

    # Once the mandate ends, the agent's token loses the filing at once: out of its list, refused by id.
    Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.REVOKED)
    assert agent_api.get("/filings").json()["items"] == []
    problem(agent_api.get(f"/filings/{filing.pk}"), 403, "mandate_not_in_force")
    problem(
        agent_api.patch(f"/filings/{filing.pk}", {"fields": {"version": "V3.0"}}), 403, "mandate_not_in_force"
    )
    filing.refresh_from_db()
    assert filing.details["version"] == "V2.0"


@pytest.mark.parametrize("mandate", [None, {"services": ("R21",)}, {"status": Mandate.Status.REVOKED}])
def test_agent_cannot_file_for_a_client_without_a_mandate_in_force(
    agent_api, agent, verified_acme, mandate, draft_fields
):
    if mandate is not None:
        mandate_for(agent, verified_acme, **mandate)
    response = agent_api.post(
        "/filings", {"service": "R11", "client_id": verified_acme.pk, "fields": draft_fields}
    )
    errors = problem(response, 422, "validation_failed")["errors"]
    assert {error["field"] for error in errors} == {"client_id"}
    assert not Filing.objects.exists()
