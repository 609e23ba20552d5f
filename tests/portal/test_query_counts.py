"""The pages people hit most take a fixed number of queries, however much data lies behind them.

Each page is asked twice: with a little data and with much more (filings of every state, registry records,
queue entries); the count must not grow, and it stays within the bound measured on SQLite with sessions in the
database (PostgreSQL with sessions on Redis asks fewer). The bare one-query view is the yardstick of
bench/pages_bench.py, which measures these pages' speed.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ruanzhu.accounts.roles import EXAMINERS
from ruanzhu.filings.services.drafts import filing_create
from tests.factories import STEP_DATA, FilingFactory, RegistrationFactory, StaffFactory, staff_session

SINGLE = {**STEP_DATA, "role": {**STEP_DATA["role"], "owner_type": "single"}}

# Measured on SQLite with database sessions, second request of a session (its header counters cached).
BOUNDS = {
    "home": 0,
    "home_logged_in": 2,
    "catalog": 2,
    "mine": 5,  # with a filing awaiting the owner's confirmation among the page's rows
    "detail": 7,
    "me": 3,
    "search": 1,
    "record": 2,
    "queue": 7,
}


def count(client, path) -> int:
    client.get(path)  # the session's first request fills the header's cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def paths(filing, record) -> dict[str, tuple[str, str]]:
    return {
        "home": ("anon", reverse("home")),
        "home_logged_in": ("alice", reverse("home")),
        "catalog": ("alice", reverse("filings:catalog")),
        "mine": ("alice", reverse("filings:mine")),
        "detail": ("alice", reverse("filings:detail", args=[filing.pk])),
        "me": ("alice", reverse("accounts:profile")),
        "search": ("anon", reverse("registry:search") + "?q=软件"),
        "record": ("anon", reverse("registry:record", args=[record.registration_number])),
        "queue": ("examiner", reverse("examination:queue")),
    }


def counts(clients, filing, record) -> dict[str, int]:
    return {name: count(clients[who], path) for name, (who, path) in paths(filing, record).items()}


@pytest.mark.slow
def test_the_busiest_pages_take_as_many_queries_with_much_data_as_with_little(
    verified_alice, private_storage, settings
):
    settings.OTP_SEND_LIMITS_PER_PHONE = settings.OTP_SEND_LIMITS_PER_ACCOUNT = "100/60"
    examiner = StaffFactory(role=EXAMINERS)
    filing = filing_create(service="R11", applicant=verified_alice, filer=verified_alice)
    record = RegistrationFactory(software_name="软件0")
    # More than a page of hits already: on PostgreSQL a search that the newest records do not fill asks the gram
    # index as well, a year at a time (registry.selectors), so a page of hits is the case that stays constant.
    for number in range(100, 125):
        RegistrationFactory(software_name=f"软件{number}")
    for stage in ("submitted", "issued"):  # one in the queue, one awaiting alice's confirmation
        FilingFactory(applicant=verified_alice, stage=stage, examiner=examiner, step_data=SINGLE)
    clients = {"anon": Client(), "alice": Client(), "examiner": Client()}
    clients["alice"].force_login(verified_alice)
    staff_session(clients["examiner"], examiner)
    little = counts(clients, filing, record)

    for stage in ("draft", "issued", "submitted", "submitted", "registered"):
        FilingFactory(applicant=verified_alice, stage=stage, examiner=examiner, step_data=SINGLE)
    for number in range(1, 30):
        RegistrationFactory(software_name=f"软件{number}")
    much = counts(clients, filing, record)

    assert much == little
    assert {name: n for name, n in much.items() if n > BOUNDS[name]} == {}, much
