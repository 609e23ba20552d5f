"""Flow numbers and 确认填报 under concurrent requests (SQLite and PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ruanzhu.filings.models import FilingEvent
from ruanzhu.filings.services.issue import flow_number_next
from ruanzhu.filings.states import Status
from tests.factories import FilingFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_in_threads(count: int, work) -> list:
    """Run ``work(index)`` in ``count`` threads started together; return results (or exceptions) in order."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_flow_numbers_are_consecutive_and_unique_under_concurrency():
    count = 12 if connection.vendor == "postgresql" else 8
    numbers = run_in_threads(count, lambda _index: flow_number_next(service="R11"))
    assert not [number for number in numbers if isinstance(number, Exception)], numbers
    prefix = f"R11{timezone.localdate():%Y%m%d}"
    assert all(number.startswith(prefix) and len(number) == 17 for number in numbers)
    sequence = sorted(int(number[-6:]) for number in numbers)
    assert sequence == list(range(1, count + 1))


@pytest.fixture
def issued_filing(verified_alice, verified_bob, deposits, private_storage, settings):
    return FilingFactory(signed=True, applicant=verified_alice, co_owners=[verified_bob], deposits=deposits)


def test_two_parallel_submissions_submit_once(issued_filing, verified_alice):
    assert issued_filing.status == Status.FORM_ISSUED
    path = reverse("filings:submit", args=[issued_filing.pk])
    clients = []
    for _index in range(2):
        client = Client()
        client.force_login(verified_alice)
        clients.append(client)
    responses = run_in_threads(2, lambda index: clients[index].post(path))
    assert all(not isinstance(response, Exception) for response in responses), responses
    assert all(response.status_code == 302 for response in responses)
    issued_filing.refresh_from_db()
    assert issued_filing.status == Status.SUBMITTED
    assert FilingEvent.objects.filter(filing=issued_filing, to_status=Status.SUBMITTED).count() == 1
