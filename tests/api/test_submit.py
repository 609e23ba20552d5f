"""POST /filings/{pk}/submit: 确认填报 through the page's service, once per Idempotency-Key."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from ruanzhu.agents.models import Mandate
from ruanzhu.api.idempotency import KEEP
from ruanzhu.api.models import IdempotencyKey
from ruanzhu.api.tasks import idempotency_keys_purge_task
from ruanzhu.filings.models import Filing, FilingEvent
from ruanzhu.filings.states import Status
from ruanzhu.otp.models import SmsMessage
from tests.api.conftest import ApiClient, problem
from tests.factories import FilingFactory


@pytest.fixture
def signed(verified_alice, verified_bob, deposits, private_storage):
    """alice's filing, its form issued and confirmed by both owners, its signed signature page uploaded."""
    return another_signed(verified_alice, verified_bob, deposits)


@pytest.fixture
def alice_submits(api, verified_alice):
    return api(verified_alice, scopes=["read", "submit"])


def another_signed(applicant, co_owner, deposits) -> Filing:
    """Return another signed filing of ``applicant``; the codes sent before count no more against the phones."""
    SmsMessage.objects.update(created_at=F("created_at") - datetime.timedelta(hours=1))
    return FilingFactory(signed=True, applicant=applicant, co_owners=[co_owner], deposits=deposits)


def submit(client, filing, key: str | None = "job-1", body=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/filings/{filing.pk}/submit", body, **headers)


def submissions(filing) -> int:
    return FilingEvent.objects.filter(filing=filing, to_status=Status.SUBMITTED).count()


def test_submit_submits_the_signed_form(alice_submits, signed):
    response = submit(alice_submits, signed)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["status"] == Status.SUBMITTED and "Idempotent-Replayed" not in response
    signed.refresh_from_db()
    assert signed.status == Status.SUBMITTED and signed.submitted_at is not None
    assert submissions(signed) == 1


def test_the_same_key_and_request_replay_the_first_answer_without_a_second_submission(alice_submits, signed):
    first = submit(alice_submits, signed, body={})
    # What changed since does not change the answer: it is the one stored, status and body.
    Filing.objects.filter(pk=signed.pk).update(title="改过的名称")
    again = submit(alice_submits, signed)  # no body and {} ask the same
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again["Idempotent-Replayed"] == "true" and again["Content-Type"] == first["Content-Type"]
    assert submissions(signed) == 1 and IdempotencyKey.objects.count() == 1


def test_a_refusal_is_stored_and_replayed_too(alice_submits, verified_alice, private_storage, deposits):
    draft = FilingFactory(applicant=verified_alice, deposits=deposits)
    first = problem(submit(alice_submits, draft, key="k"), 409, "action_refused")
    assert first["detail"] == "请先出申请表，并由全部著作权人确认。"
    again = submit(alice_submits, draft, key="k")
    assert again.status_code == 409 and again.json() == first and again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == "application/problem+json"


def test_the_same_key_for_another_request_is_refused(
    alice_submits, signed, verified_alice, verified_bob, deposits
):
    submit(alice_submits, signed, key="k")
    body = problem(submit(alice_submits, signed, key="k", body={"note": "x"}), 422, "idempotency_key_reused")
    assert body["detail"] == "此幂等键已用于另一个请求，请为新的请求使用新的幂等键。"
    other = another_signed(verified_alice, verified_bob, deposits)
    problem(submit(alice_submits, other, key="k"), 422, "idempotency_key_reused")
    other.refresh_from_db()
    assert other.status == Status.FORM_ISSUED and IdempotencyKey.objects.count() == 1


def test_keys_belong_to_the_account(api, alice_submits, signed, verified_carol, verified_bob, deposits):
    submit(alice_submits, signed, key="shared")
    carols = another_signed(verified_carol, verified_bob, deposits)
    response = submit(api(verified_carol, scopes=["submit"]), carols, key="shared")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert IdempotencyKey.objects.count() == 2


def test_an_expired_key_is_a_new_key(alice_submits, signed, verified_alice, verified_bob, deposits):
    submit(alice_submits, signed, key="k")
    IdempotencyKey.objects.update(created_at=timezone.now() - KEEP - datetime.timedelta(minutes=1))
    other = another_signed(verified_alice, verified_bob, deposits)
    assert submit(alice_submits, other, key="k").status_code == 200
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED
    assert IdempotencyKey.objects.get().request_hash != ""


def test_purge_deletes_only_keys_past_their_time(alice_submits, signed):
    submit(alice_submits, signed, key="old")
    submit(alice_submits, signed, key="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - KEEP - datetime.timedelta(seconds=1)
    )
    assert idempotency_keys_purge_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize(
    "key, code",
    [
        (None, "idempotency_key_required"),
        ("", "idempotency_key_required"),
        ("a b", "idempotency_key_invalid"),
        ("k" * 256, "idempotency_key_invalid"),
        ("键", "idempotency_key_invalid"),
    ],
)
def test_the_key_is_required_and_checked(alice_submits, signed, key, code):
    headers = {} if key is None else {"Idempotency-Key": key}
    if key == "键":
        # Not ASCII: sent as its UTF-8 bytes read as Latin-1, as a client would put it in a header.
        headers = {"Idempotency-Key": key.encode().decode("latin-1")}
    response = alice_submits.post(f"/filings/{signed.pk}/submit", **headers)
    body = problem(response, 400, code)
    assert "幂等键" in body["detail"]
    signed.refresh_from_db()
    assert signed.status == Status.FORM_ISSUED and not IdempotencyKey.objects.exists()


def test_submit_needs_a_token_the_submit_scope_and_the_filer(
    api, signed, verified_alice, verified_bob, verified_carol
):
    problem(submit(ApiClient(None), signed), 401, "unauthenticated")
    problem(submit(api(verified_alice, scopes=["read", "file"]), signed), 403, "insufficient_scope")
    problem(submit(api(verified_carol, scopes=["submit"]), signed), 404, "not_found")
    problem(submit(api(verified_bob, scopes=["submit"]), signed), 404, "not_found")
    signed.refresh_from_db()
    assert signed.status == Status.FORM_ISSUED and not IdempotencyKey.objects.exists()


def test_an_agent_submits_under_its_mandate_only(
    api, agent, other_agent, agent_ready, verified_alice, verified_bob
):
    from ruanzhu.core.files import read_private_file
    from ruanzhu.filings.services.documents import signature_page_upload
    from ruanzhu.filings.services.issue import form_confirm_in_account, form_request_codes

    filing = agent_ready
    form_request_codes(filing=filing, by=agent)
    for account in (verified_alice, verified_bob):
        filing.refresh_from_db()
        form_confirm_in_account(filing=filing, account=account)
    filing.refresh_from_db()
    signature_page_upload(
        filing=filing, by=agent, data=read_private_file(filing.form_storage_name), filename="s.pdf"
    )
    problem(submit(api(other_agent, scopes=["submit"]), filing), 404, "not_found")
    # The client sees the filing but its agent files it.
    problem(submit(api(verified_alice, scopes=["submit"]), filing), 404, "not_found")
    Mandate.objects.filter(pk=filing.test_mandate.pk).update(status=Mandate.Status.REVOKED)
    problem(submit(api(agent, scopes=["submit"]), filing), 403, "mandate_not_in_force")
    assert submissions(filing) == 0 and not IdempotencyKey.objects.exists()
    Mandate.objects.filter(pk=filing.test_mandate.pk).update(status=Mandate.Status.ACCEPTED)
    response = submit(api(agent, scopes=["submit"]), filing)
    assert response.status_code == 200, response.content.decode()
    assert submissions(filing) == 1
