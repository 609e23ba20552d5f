"""Parties and invitations over the API: the owners step's and 我的邀请's services and answers."""

import pytest

from ruanzhu.filings.models import FilingParty
from ruanzhu.filings.states import Status
from tests.api.conftest import ApiClient, problem


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice)


@pytest.fixture
def draft(alice_api, draft_fields):
    from ruanzhu.filings.models import Filing

    response = alice_api.post("/filings", {"service": "R11", "fields": draft_fields})
    return Filing.objects.get(pk=response.json()["id"])


def invitations(filing):
    return list(filing.parties.exclude(status=FilingParty.Status.ACCEPTED).values_list("account", "status"))


def test_a_co_owner_is_invited_accepts_and_joins(alice_api, api, draft, verified_bob):
    response = alice_api.post(f"/filings/{draft.pk}/parties", {"identifier": verified_bob.username})
    assert response.status_code == 202, response.content.decode()
    assert response.json() == {"invited_as": "b*b", "role": "owner"}
    # The filer sees only what it typed, masked, until bob accepts.
    listed = alice_api.get(f"/filings/{draft.pk}/parties").json()["items"]
    assert [(item["status"], item["name"]) for item in listed][1] == ("invited", "b*b")
    bob = api(verified_bob)
    (invitation,) = bob.get("/invitations").json()["items"]
    assert (invitation["filing_id"], invitation["role"]) == (draft.pk, "owner")
    accepted = bob.post(f"/invitations/{invitation['party_id']}/accept")
    assert accepted.status_code == 200, accepted.content.decode()
    assert accepted.json()["status"] == "accepted" and bob.get("/invitations").json()["items"] == []
    listed = alice_api.get(f"/filings/{draft.pk}/parties").json()["items"]
    assert listed[1]["status"] == "accepted" and listed[1]["name"] != "b*b"
    assert "*" in listed[1]["id_number"]
    # Bob now sees the filing and its parties; he cannot invite or remove.
    assert bob.get(f"/filings/{draft.pk}/parties").status_code == 200
    problem(bob.post(f"/filings/{draft.pk}/parties", {"identifier": "carol"}), 404, "not_found")


def test_the_answer_is_the_same_whether_an_account_matched_or_not(alice_api, draft):
    response = alice_api.post(f"/filings/{draft.pk}/parties", {"identifier": "nobody_here"})
    assert response.status_code == 202 and response.json() == {"invited_as": "n*********e", "role": "owner"}
    assert invitations(draft) == []


def test_an_invitation_is_declined_and_then_removed(alice_api, api, draft, verified_bob):
    alice_api.post(f"/filings/{draft.pk}/parties", {"identifier": verified_bob.username})
    party = draft.parties.get(account=verified_bob)
    problem(
        api(verified_bob, scopes=["read"]).post(f"/invitations/{party.pk}/decline"), 403, "insufficient_scope"
    )
    assert api(verified_bob).post(f"/invitations/{party.pk}/decline").json()["status"] == "declined"
    problem(api(verified_bob).post(f"/invitations/{party.pk}/accept"), 409, "action_refused")
    response = alice_api.client.delete(
        f"/api/v1/filings/{draft.pk}/parties/{party.pk}",
        headers={"Authorization": f"Bearer {alice_api.secret}"},
    )
    assert response.status_code == 204
    assert invitations(draft) == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"identifier": ""}, "identifier"),
        ({}, "identifier"),
        ({"identifier": "bob", "role": "seller"}, "role"),
    ],
)
def test_bad_invitations_are_refused_and_change_nothing(alice_api, draft, verified_bob, body, field):
    errors = problem(alice_api.post(f"/filings/{draft.pk}/parties", body), 422, "validation_failed")["errors"]
    assert errors[0]["field"] == field and errors[0]["message"]
    assert invitations(draft) == []


def test_one_cannot_invite_oneself_or_remove_the_applicant(alice_api, draft, verified_alice):
    refused = problem(
        alice_api.post(f"/filings/{draft.pk}/parties", {"identifier": verified_alice.username}),
        409,
        "action_refused",
    )
    assert refused["detail"] == "不能邀请自己：申请人已是本申请的当事人。"
    own = draft.parties.get(account=verified_alice)
    response = alice_api.client.delete(
        f"/api/v1/filings/{draft.pk}/parties/{own.pk}",
        headers={"Authorization": f"Bearer {alice_api.secret}"},
    )
    problem(response, 409, "action_refused")
    assert draft.parties.count() == 1


def test_parties_need_a_token_the_scope_and_the_filer(
    api, draft, verified_alice, verified_bob, verified_carol
):
    body = {"identifier": verified_bob.username}
    problem(ApiClient(None).post(f"/filings/{draft.pk}/parties", body), 401, "unauthenticated")
    problem(ApiClient(None).get(f"/filings/{draft.pk}/parties"), 401, "unauthenticated")
    problem(ApiClient(None).get("/invitations"), 401, "unauthenticated")
    problem(
        api(verified_alice, scopes=["read"]).post(f"/filings/{draft.pk}/parties", body),
        403,
        "insufficient_scope",
    )
    problem(api(verified_carol).post(f"/filings/{draft.pk}/parties", body), 404, "not_found")
    problem(api(verified_carol).get(f"/filings/{draft.pk}/parties"), 404, "not_found")
    assert invitations(draft) == []
    api(verified_alice).post(f"/filings/{draft.pk}/parties", body)
    party = draft.parties.get(account=verified_bob)
    # Someone else's invitation is not found, and stays as it was.
    problem(api(verified_carol).post(f"/invitations/{party.pk}/accept"), 404, "not_found")
    problem(api(verified_alice).post(f"/invitations/{party.pk}/accept"), 404, "not_found")
    party.refresh_from_db()
    assert party.status == FilingParty.Status.INVITED


def test_an_agent_invites_under_its_mandate_only(api, agent, other_agent, agent_ready, verified_carol):
    body = {"identifier": verified_carol.username}
    problem(api(other_agent).post(f"/filings/{agent_ready.pk}/parties", body), 404, "not_found")
    assert api(agent).post(f"/filings/{agent_ready.pk}/parties", body).status_code == 202
    assert agent_ready.parties.filter(account=verified_carol, status="invited").exists()
    agent_ready.refresh_from_db()
    assert agent_ready.status == Status.DRAFT
