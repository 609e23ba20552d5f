"""Exactly once under load: parallel confirmations, submissions and decisions number, record and notify each
filing once, with no gaps, on SQLite and on PostgreSQL.

Real threads, each with its own database connection, start together at a barrier. A duplicate (the same filing
submitted or decided from several threads at once) is answered as a repeated request, never with an error or a
second event, number or notification.
"""

import functools
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from ruanzhu.accounts.roles import EXAMINERS
from ruanzhu.core.files import read_private_file
from ruanzhu.core.review import ReviewError, item_claim
from ruanzhu.examination import services as examination
from ruanzhu.examination.models import Certificate
from ruanzhu.examination.signing import signing_identity
from ruanzhu.filings.models import Confirmation, Filing, FilingEvent
from ruanzhu.filings.services import documents
from ruanzhu.filings.services.documents import signature_page_upload
from ruanzhu.filings.services.issue import form_confirm_in_account
from ruanzhu.filings.services.submission import filing_submit
from ruanzhu.filings.states import Status
from ruanzhu.notifications.models import Notification
from ruanzhu.registry.models import Registration
from tests.examination.checklist import every_point
from tests.factories import STEP_DATA, FilingFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FILINGS = 50
DUPLICATE_CONFIRMATIONS = 5  # threads confirming the first filing once more (a double click)
SAME_FILING_THREADS = 10  # threads submitting the first filing once more, at the same time as the rest
DUPLICATE_DECISIONS = 3  # threads deciding the first filing once more
EXAMINERS_COUNT = 5

# One owner, the applicant: each filing then has exactly one person to tell.
SINGLE_OWNER = {**STEP_DATA, "role": {**STEP_DATA["role"], "owner_type": "single"}}


def run_together(work: list[Callable[[], object]]) -> list:
    """Run each callable in its own thread, all released at once; return results or exceptions, in order."""
    results: list = [None] * len(work)
    barrier = threading.Barrier(len(work))

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work[index]()
        except Exception as error:  # the outcome is what the test inspects
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_gap_free(numbers: list[int]) -> None:
    assert sorted(numbers) == list(range(min(numbers), min(numbers) + len(numbers)))


def pks(filings) -> list[int]:
    return [filing.pk for filing in filings]


def once_each(filings) -> Counter:
    return Counter({filing.pk: 1 for filing in filings})


def statuses(filings) -> set[str]:
    return set(Filing.objects.filter(pk__in=pks(filings)).values_list("status", flat=True))


def events_to(filings, status: str) -> Counter:
    return Counter(
        FilingEvent.objects.filter(filing__in=filings, to_status=status).values_list("filing_id", flat=True)
    )


def notifications_of(filings, title: str) -> Counter:
    links = {reverse("filings:detail", args=[filing.pk]): filing.pk for filing in filings}
    rows = Notification.objects.filter(link__in=links, title=title).values_list("link", "recipient_id")
    return Counter((links[link], recipient) for link, recipient in rows)


# The same two deposits pass the deposit rules for every filing: check them once per session, not per upload.
_check_deposit_once = functools.cache(documents.check_deposit)


@pytest.fixture
def filings(deposits, private_storage, monkeypatch) -> list[Filing]:
    """FILINGS single-owner filings whose codes were sent: each awaits its owner's confirmation."""
    monkeypatch.setattr(documents, "check_deposit", _check_deposit_once)
    return [
        FilingFactory(issued=True, deposits=deposits, step_data=SINGLE_OWNER) for _index in range(FILINGS)
    ]


def confirm_all_at_once(filings: list[Filing]) -> None:
    """The last confirmation issues the form and takes its flow number: every filing's, at the same time."""
    first = filings[0]
    work = [
        functools.partial(form_confirm_in_account, filing=filing, account=filing.applicant)
        for filing in filings
    ]
    work += [
        functools.partial(form_confirm_in_account, filing=first, account=first.applicant)
    ] * DUPLICATE_CONFIRMATIONS
    results = run_together(work)

    assert not [result for result in results if isinstance(result, Exception)], results
    flow_numbers = list(Filing.objects.filter(pk__in=pks(filings)).values_list("flow_number", flat=True))
    prefix = f"R11{timezone.localdate():%Y%m%d}"
    assert all(number.startswith(prefix) for number in flow_numbers)
    assert_gap_free([int(number[len(prefix) :]) for number in flow_numbers])
    assert events_to(filings, Status.FORM_ISSUED) == once_each(filings)
    assert Counter(
        Confirmation.objects.filter(filing__in=filings).values_list("filing_id", flat=True)
    ) == once_each(filings)


def submit_all_at_once(filings: list[Filing]) -> None:
    """Submit every filing at the same time, the first from several threads (a double click, a retry)."""
    for filing in filings:
        filing.refresh_from_db()
        signature_page_upload(
            filing=filing,
            by=filing.applicant,
            data=read_private_file(filing.form_storage_name),
            filename="s.pdf",
        )
    first = filings[0]
    work = [functools.partial(filing_submit, filing=filing, by=filing.applicant) for filing in filings]
    work += [functools.partial(filing_submit, filing=first, by=first.applicant)] * SAME_FILING_THREADS
    results = run_together(work)

    # A repeated submission is answered as the first one was: no error, and nothing happens twice.
    assert not [result for result in results if isinstance(result, Exception)], results
    assert statuses(filings) == {Status.SUBMITTED}
    assert events_to(filings, Status.SUBMITTED) == once_each(filings)
    assert notifications_of(filings, "登记申请已提交") == Counter(
        {(filing.pk, filing.applicant_id): 1 for filing in filings}
    )


def register_all_at_once(filings: list[Filing]) -> None:
    """准予登记 of every filing at the same time, by several examiners; the first decided again meanwhile."""
    examiners = [StaffFactory(role=EXAMINERS) for _index in range(EXAMINERS_COUNT)]
    held = []
    for index, filing in enumerate(filings):
        examiner = examiners[index % EXAMINERS_COUNT]
        filing = examination.filing_accept(filing=item_claim(item=filing, by=examiner), by=examiner)
        held.append((examination.examination_start(filing=filing, by=examiner), examiner))
    signing_identity()  # a development signing key is made once, before the threads

    def decide(filing: Filing, examiner) -> Filing:
        return examination.filing_register(filing=filing, by=examiner, checked=every_point(filing))

    work = [functools.partial(decide, filing, examiner) for filing, examiner in held]
    work += [functools.partial(decide, *held[0])] * DUPLICATE_DECISIONS
    results = run_together(work)

    # The decisions that came second are refused: the filing is decided, and nobody holds it any more.
    refusals = [result for result in results if isinstance(result, Exception)]
    assert len(refusals) == DUPLICATE_DECISIONS and all(isinstance(item, ReviewError) for item in refusals), (
        refusals
    )
    assert statuses(filings) == {Status.REGISTERED}
    assert events_to(filings, Status.REGISTERED) == once_each(filings)
    registrations = Registration.objects.filter(source_reference__in=[f"filing:{pk}" for pk in pks(filings)])
    assert Counter(registrations.values_list("source_reference", flat=True)) == Counter(
        {f"filing:{filing.pk}": 1 for filing in filings}
    )
    year = f"{timezone.localdate().year}SR"
    numbers = list(registrations.values_list("registration_number", flat=True))
    assert all(number.startswith(year) for number in numbers)
    assert_gap_free([int(number[len(year) :]) for number in numbers])
    assert_gap_free(list(registrations.values_list("certificate_sequence", flat=True)))
    assert Certificate.objects.filter(filing__in=filings).count() == len(filings)
    assert notifications_of(filings, "登记通知") == Counter(
        {(filing.pk, filing.applicant_id): 1 for filing in filings}
    )


def test_parallel_issue_submission_and_registration_happen_once_per_filing_without_gaps(filings):
    confirm_all_at_once(filings)
    submit_all_at_once(filings)
    register_all_at_once(filings)
