"""Two submissions with the same Idempotency-Key at the same moment: one submits, the other waits on the key's
row and replays its answer (PostgreSQL; SQLite serialises the writing transactions)."""

import pytest

from ruanzhu.api.models import IdempotencyKey
from ruanzhu.filings.models import FilingEvent
from ruanzhu.filings.states import Status
from tests.factories import FilingFactory
from tests.filings.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def signed(verified_alice, verified_bob, deposits, private_storage):
    return FilingFactory(signed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits)


def test_two_requests_with_the_same_key_submit_once_and_answer_alike(api, verified_alice, signed):
    clients = [api(verified_alice, scopes=["submit"]) for _index in range(2)]
    path = f"/filings/{signed.pk}/submit"
    responses = run_in_threads(2, lambda index: clients[index].post(path, **{"Idempotency-Key": "same"}))
    assert not [response for response in responses if isinstance(response, Exception)], responses
    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].content == responses[1].content
    # One did the work; the other found its answer (the order is the scheduler's).
    assert sorted(response.get("Idempotent-Replayed", "") for response in responses) == ["", "true"]
    assert FilingEvent.objects.filter(filing=signed, to_status=Status.SUBMITTED).count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_two_requests_with_the_same_key_for_different_bodies_submit_at_most_once(api, verified_alice, signed):
    clients = [api(verified_alice, scopes=["submit"]) for _index in range(2)]
    path = f"/filings/{signed.pk}/submit"
    responses = run_in_threads(
        2, lambda index: clients[index].post(path, {"attempt": index}, **{"Idempotency-Key": "same"})
    )
    assert sorted(response.status_code for response in responses) == [200, 422]
    assert FilingEvent.objects.filter(filing=signed, to_status=Status.SUBMITTED).count() == 1
