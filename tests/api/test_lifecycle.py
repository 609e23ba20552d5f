"""出申请表, the confirmations, the signature page, 撤回 and the form's PDF over the API: the pages' services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruanzhu.agents.models import Mandate
from ruanzhu.core.files import read_private_file
from ruanzhu.core.phones import phone_index
from ruanzhu.filings.models import Confirmation, Filing, FilingDocument, FormVersion
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import SmsMessage
from ruanzhu.otp.selectors import latest_code_in_outbox
from tests.api.conftest import ApiClient, multipart, problem, signed_page
from tests.factories import FilingFactory


@pytest.fixture
def alice_api(api, verified_alice):
    return api(verified_alice)


@pytest.fixture
def bob_api(api, verified_bob):
    return api(verified_bob)


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """POST /filings/{pk}/form as ``client``, delivering the codes at once."""

    def post(client, filing):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/filings/{filing.pk}/form")

    return post


def state(filing: Filing) -> tuple:
    filing.refresh_from_db()
    return (filing.status, filing.form_version, FormVersion.objects.filter(filing=filing).count())


# --- POST /filings/{pk}/form ------------------------------------------------------------------------------------
def test_issue_sends_each_owner_a_code_to_its_own_phone_and_answers_no_code(
    alice_api, ready, issue, verified_alice, verified_bob
):
    response = issue(alice_api, ready)
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert (body["status"], body["form_version"], body["awaiting_confirmation"]) == (
        Status.AWAITING_CODES,
        1,
        True,
    )
    assert [(party["confirmed"], party["via"]) for party in body["parties"]] == [(False, None), (False, None)]
    # The phones masked as on the page; the codes went to each owner's own phone and nowhere in the answer.
    assert [party["phone"] for party in body["parties"]] == [
        verified_alice.masked_phone,
        verified_bob.masked_phone,
    ]
    assert len(body["sent_to"]) == 2 and verified_bob.masked_phone in body["sent_to"][1]
    for person in (verified_alice, verified_bob):
        # One code each, delivered to the owner's own phone (a delivered message keeps no text in the database).
        assert SmsMessage.objects.filter(phone_index=phone_index(person.phone)).count() == 1
        code = latest_code_in_outbox(person.phone)
        assert code not in response.content.decode()
        assert person.phone not in response.content.decode()
    assert state(ready) == (Status.AWAITING_CODES, 1, 1)


def test_issue_refuses_an_incomplete_draft_listing_what_is_missing_and_changes_nothing(alice_api, ready):
    FilingDocument.objects.filter(filing=ready).delete()
    before = state(ready)
    body = problem(alice_api.post(f"/filings/{ready.pk}/form"), 409, "action_refused")
    # One line per problem, as the page lists them.
    assert [error["message"] for error in body["errors"]] == body["detail"].splitlines()
    assert len(body["errors"]) == 2 and all(error["message"].startswith("请上传") for error in body["errors"])
    assert state(ready) == before and not SmsMessage.objects.exists()


def test_issue_needs_a_token_the_file_scope_and_the_filer(
    api, ready, verified_bob, verified_carol, verified_alice
):
    before = state(ready)
    problem(ApiClient(None).post(f"/filings/{ready.pk}/form"), 401, "unauthenticated")
    problem(api(verified_carol).post(f"/filings/{ready.pk}/form"), 404, "not_found")
    # The co-owner sees the filing but does not file it.
    problem(api(verified_bob).post(f"/filings/{ready.pk}/form"), 404, "not_found")
    problem(api(verified_alice, scopes=["read"]).post(f"/filings/{ready.pk}/form"), 403, "insufficient_scope")
    problem(api(verified_alice).post("/filings/0/form"), 422, "validation_failed")
    assert state(ready) == before and not SmsMessage.objects.exists()


def test_an_agent_issues_under_its_mandate_only(api, agent, other_agent, agent_ready, issue):
    problem(api(other_agent).post(f"/filings/{agent_ready.pk}/form"), 404, "not_found")
    Mandate.objects.filter(pk=agent_ready.test_mandate.pk).update(status=Mandate.Status.REVOKED)
    problem(api(agent).post(f"/filings/{agent_ready.pk}/form"), 403, "mandate_not_in_force")
    assert state(agent_ready)[0] == Status.DRAFT
    Mandate.objects.filter(pk=agent_ready.test_mandate.pk).update(status=Mandate.Status.ACCEPTED)
    response = issue(api(agent), agent_ready)
    assert response.status_code == 200, response.content.decode()
    assert state(agent_ready) == (Status.AWAITING_CODES, 1, 1)


def test_an_agent_follows_downloads_and_withdraws_under_its_mandate_only(
    api, agent, other_agent, agent_ready, verified_alice, verified_bob
):
    from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes

    form_request_codes(filing=agent_ready, by=agent)
    agent_api, stranger = api(agent, scopes=["read", "submit"]), api(other_agent, scopes=["read", "submit"])
    assert agent_api.get(f"/filings/{agent_ready.pk}/confirmations").json()["form_version"] == 1
    problem(stranger.get(f"/filings/{agent_ready.pk}/confirmations"), 404, "not_found")
    for account in (verified_alice, verified_bob):
        agent_ready.refresh_from_db()
        form_confirm_in_account(filing=agent_ready, account=account)
    assert agent_api.get(f"/filings/{agent_ready.pk}/form.pdf").status_code == 200
    problem(stranger.get(f"/filings/{agent_ready.pk}/form.pdf"), 404, "not_found")
    reason = {"reason": "委托人决定暂不登记"}
    problem(stranger.post(f"/filings/{agent_ready.pk}/withdraw", reason), 404, "not_found")
    Mandate.objects.filter(pk=agent_ready.test_mandate.pk).update(status=Mandate.Status.REVOKED)
    problem(agent_api.post(f"/filings/{agent_ready.pk}/withdraw", reason), 403, "mandate_not_in_force")
    problem(agent_api.get(f"/filings/{agent_ready.pk}/form.pdf"), 403, "mandate_not_in_force")
    assert state(agent_ready)[0] == Status.FORM_ISSUED
    Mandate.objects.filter(pk=agent_ready.test_mandate.pk).update(status=Mandate.Status.ACCEPTED)
    response = agent_api.post(f"/filings/{agent_ready.pk}/withdraw", reason)
    assert response.status_code == 200, response.content.decode()
    assert state(agent_ready)[0] == Status.WITHDRAWN


# --- GET /filings/{pk}/confirmations, POST /filings/{pk}/confirmations/mine -----------------------------------
def test_each_owner_confirms_in_its_own_account_and_the_form_is_issued(
    alice_api, bob_api, api, ready, issue, verified_carol
):
    issue(alice_api, ready)
    response = bob_api.post(f"/filings/{ready.pk}/confirmations/mine")
    assert response.status_code == 200, response.content.decode()
    confirmed = {party["name"]: party for party in response.json()["parties"]}
    assert [party["confirmed"] for party in confirmed.values()] == [False, True]
    assert [party["via"] for party in confirmed.values()] == [None, "account"]
    # The state as anyone who may see the filing reads it; nobody else.
    assert alice_api.get(f"/filings/{ready.pk}/confirmations").json() == response.json()
    problem(api(verified_carol).get(f"/filings/{ready.pk}/confirmations"), 404, "not_found")
    problem(api(verified_carol).post(f"/filings/{ready.pk}/confirmations/mine"), 404, "not_found")
    problem(ApiClient(None).get(f"/filings/{ready.pk}/confirmations"), 401, "unauthenticated")

    body = alice_api.post(f"/filings/{ready.pk}/confirmations/mine").json()
    assert body["status"] == Status.FORM_ISSUED and body["confirmed_at"] is not None
    assert body["awaiting_confirmation"] is False
    assert Confirmation.objects.filter(filing=ready, via=Confirmation.Via.ACCOUNT).count() == 2
    # Nothing left to confirm: refused with the page's message.
    refused = problem(bob_api.post(f"/filings/{ready.pk}/confirmations/mine"), 409, "action_refused")
    assert refused["detail"] == "当前不需要确认。"


def test_confirming_when_nothing_awaits_is_refused(bob_api, ready):
    body = problem(bob_api.post(f"/filings/{ready.pk}/confirmations/mine"), 409, "action_refused")
    assert body["detail"] == "当前不需要确认。"
    assert not Confirmation.objects.exists()


def test_confirming_needs_the_file_scope(api, verified_bob, ready, issue, alice_api):
    issue(alice_api, ready)
    problem(
        api(verified_bob, scopes=["read"]).post(f"/filings/{ready.pk}/confirmations/mine"),
        403,
        "insufficient_scope",
    )
    assert not Confirmation.objects.exists()


# --- The form's PDF and the signature page -----------------------------------------------------------------------
@pytest.fixture
def confirmed(verified_alice, verified_bob, deposits, private_storage):
    return FilingFactory(
        confirmed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


def test_form_pdf_streams_the_current_version_to_those_who_may_see_it(
    alice_api, bob_api, api, confirmed, ready, verified_carol
):
    response = alice_api.get(f"/filings/{confirmed.pk}/form.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert f"{confirmed.flow_number}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == read_private_file(confirmed.form_storage_name)
    assert bob_api.get(f"/filings/{confirmed.pk}/form.pdf").status_code == 200
    problem(api(verified_carol).get(f"/filings/{confirmed.pk}/form.pdf"), 404, "not_found")
    problem(ApiClient(None).get(f"/filings/{confirmed.pk}/form.pdf"), 401, "unauthenticated")
    # A draft has no valid form.
    problem(alice_api.get(f"/filings/{ready.pk}/form.pdf"), 404, "not_found")


def test_signature_page_upload(alice_api, bob_api, api, verified_alice, confirmed, ready):
    path = f"/filings/{confirmed.pk}/signature-page"
    page = {"file": SimpleUploadedFile("signed.pdf", signed_page(), content_type="application/pdf")}
    problem(multipart(bob_api, path, page), 404, "not_found")
    page["file"].seek(0)
    problem(multipart(api(verified_alice, scopes=["read"]), path, page), 403, "insufficient_scope")
    errors = problem(multipart(alice_api, path, {}), 422, "validation_failed")["errors"]
    assert errors[0]["field"] == "file" and errors[0]["message"] == "请选择要上传的文件。"
    assert not FilingDocument.objects.filter(kind="signature_page").exists()
    page["file"].seek(0)
    problem(multipart(alice_api, f"/filings/{ready.pk}/signature-page", page), 409, "action_refused")
    page["file"].seek(0)
    response = multipart(alice_api, path, page)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["filename"] == "signed.pdf"
    assert FilingDocument.objects.filter(filing=confirmed, kind="signature_page").count() == 1


# --- POST /filings/{pk}/withdraw --------------------------------------------------------------------------------
@pytest.fixture
def submitted(verified_alice, verified_bob, deposits, private_storage):
    return FilingFactory(
        submitted=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits
    )


def test_withdraw_with_a_reason(api, verified_alice, submitted):
    response = api(verified_alice, scopes=["read", "submit"]).post(
        f"/filings/{submitted.pk}/withdraw", {"reason": "不再申请登记"}
    )
    assert response.status_code == 200, response.content.decode()
    assert response.json()["status"] == Status.WITHDRAWN
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    assert submitted.events.order_by("-id").first().note == "不再申请登记"


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"reason": ""}, "reason", "请填写撤回理由。"),
        ({"reason": "理" * 201}, "reason", None),
        ({}, "reason", "此项为必填项。"),
    ],
)
def test_withdraw_refuses_bad_input_and_changes_nothing(api, verified_alice, submitted, body, field, message):
    errors = problem(
        api(verified_alice, scopes=["submit"]).post(f"/filings/{submitted.pk}/withdraw", body),
        422,
        "validation_failed",
    )["errors"]
    assert errors[0]["field"] == field
    if message:
        assert errors[0]["message"] == message
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_withdraw_needs_the_submit_scope_and_the_filer(
    api, verified_alice, verified_bob, verified_carol, submitted, ready
):
    body = {"reason": "不再申请登记"}
    problem(ApiClient(None).post(f"/filings/{submitted.pk}/withdraw", body), 401, "unauthenticated")
    problem(api(verified_alice).post(f"/filings/{submitted.pk}/withdraw", body), 403, "insufficient_scope")
    problem(
        api(verified_carol, scopes=["submit"]).post(f"/filings/{submitted.pk}/withdraw", body),
        404,
        "not_found",
    )
    problem(
        api(verified_bob, scopes=["submit"]).post(f"/filings/{submitted.pk}/withdraw", body), 404, "not_found"
    )
    # A draft without a flow number is deleted, not withdrawn: the page's refusal.
    refused = problem(
        api(verified_alice, scopes=["submit"]).post(f"/filings/{ready.pk}/withdraw", body),
        409,
        "action_refused",
    )
    assert refused["detail"] == "草稿无需撤回，可以直接删除。"
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
