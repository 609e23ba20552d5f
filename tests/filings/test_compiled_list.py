"""我的申请 reads its rows, its invitations and the forms awaiting the user's confirmation with SQL compiled once
per process: the same rows, answers and cursors as the queries built afresh, for every persona and every way a
mandate lapses.

The agent files for alice (its client) with bob as co-owner, alice files some herself; carol and another agent
have nothing to do with them.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS
from django.db.models import F
from django.utils import timezone

from ruanzhu.core.pagination import keyset_page
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.filings.selectors import (
    _AWAITING_SHAPES,
    _INVITATIONS_SHAPE,
    MY_FILINGS_COLUMNS,
    MY_FILINGS_ORDER,
    _awaiting_query,
    _invitations_query,
    _my_filings_rows,
    _my_filings_shape,
    awaiting_my_confirmation,
    invitations_for,
    invitations_waiting,
    my_filings,
    my_filings_page,
)
from ruanzhu.filings.services.agency import filing_create_for_client
from ruanzhu.filings.services.drafts import filing_create
from ruanzhu.filings.services.parties import owner_add
from ruanzhu.filings.states import Status
from tests.factories import STEP_DATA, FilingFactory, invitation_accept_as
from tests.filings.test_access_module import LAPSES, filing, ids, mandate  # noqa: F401 (fixtures)

PERSONAS = ("agent", "other_agent", "verified_alice", "verified_bob", "verified_carol")


def built_afresh(user, *, after="", before="", size):
    rows = my_filings(user).select_related(None).only(*MY_FILINGS_COLUMNS)
    return keyset_page(rows, MY_FILINGS_ORDER, after=after, before=before, size=size)


def seen(page) -> tuple:
    return (
        [(row.pk, row.may_edit, row.status, row.title, row.updated_at) for row in page.rows],
        page.next_cursor,
        page.previous_cursor,
    )


@pytest.fixture
def filings(filing, verified_alice, verified_bob, agent):  # noqa: F811 (the fixture imported above)
    """Seven filings: the agent's, three more of the agent for alice, three alice files herself (one with bob)."""
    made = [filing]
    for number in range(3):
        made.append(filing_create_for_client(service="R11", agent=agent, client=verified_alice))
        made.append(filing_create(service="R11", applicant=verified_alice, filer=verified_alice))
        # Distinct times, and two rows with the same time: the order falls back to the id.
        at = timezone.now() - datetime.timedelta(hours=number)
        Filing.objects.filter(pk__in=[made[-1].pk, made[-2].pk]).update(updated_at=at)
    owner_add(filing=made[-1], by=verified_alice, identifier="bob")
    invitation_accept_as(made[-1], verified_bob)
    return made


@pytest.mark.parametrize("lapse", [None, *LAPSES], ids=["in force", *map(ids, LAPSES)])
def test_every_page_forwards_and_back_is_the_page_of_the_query_built_afresh(request, lapse, filings, mandate):  # noqa: F811
    if lapse:
        lapse(mandate)
    listed = 0
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        user.refresh_from_db()
        page = my_filings_page(user, size=2)
        assert seen(page) == seen(built_afresh(user, size=2)), persona
        pages = [page]
        while page.next_cursor:
            page = my_filings_page(user, after=page.next_cursor, size=2)
            assert seen(page) == seen(built_afresh(user, after=pages[-1].next_cursor, size=2)), persona
            pages.append(page)
        for earlier in reversed(pages[1:]):
            back = my_filings_page(user, before=earlier.previous_cursor, size=2)
            assert seen(back) == seen(built_afresh(user, before=earlier.previous_cursor, size=2)), persona
        rows = [row.pk for page in pages for row in page.rows]
        assert rows == [row.pk for row in my_filings(user)], persona
        listed += len(rows)
        assert all(isinstance(row.may_edit, bool) for page in pages for row in page.rows)
    assert listed >= 7


def test_a_cursor_that_is_no_cursor_gives_the_first_page(filings, verified_alice):
    for cursor in ("x", "1_2_3", "-1_-1", "9" * 30 + "_1"):
        assert seen(my_filings_page(verified_alice, after=cursor, size=2)) == seen(
            built_afresh(verified_alice, after=cursor, size=2)
        )
        assert seen(my_filings_page(verified_alice, before=cursor, size=2)) == seen(
            built_afresh(verified_alice, before=cursor, size=2)
        )


@pytest.mark.parametrize("cursor", [False, True])
@pytest.mark.parametrize("backwards", [False, True])
def test_the_compiled_sql_is_the_sql_of_the_query_built_with_the_same_values(
    cursor, backwards, verified_alice
):
    values = {"user": verified_alice.pk, "on": timezone.localdate()}
    if cursor:
        values.update(at=timezone.now(), pk=12345)
    shape = _my_filings_shape(staff=False, cursor=cursor, backwards=backwards, size=20)
    compiled = shape.sql(DEFAULT_DB_ALIAS, **values)
    assert compiled is not None, "the shape compiles on this database"
    built = _my_filings_rows(**values, staff=False, backwards=backwards, size=20).query
    sql, params = built.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    assert compiled == (sql, tuple(params))


def awaiting_built_afresh(user, filings) -> set[int]:
    return set(
        FilingParty.objects.filter(
            account=user,
            filing__in=[row.pk for row in filings],
            filing__status=Status.AWAITING_CODES,
        )
        .exclude(confirmations__version__number=F("filing__form_version"))
        .values_list("filing_id", flat=True)
    )


def test_the_filings_awaiting_my_confirmation_and_my_invitations_are_those_of_the_queries_built_afresh(
    filings, verified_alice, verified_bob, verified_carol, agent, other_agent, settings
):
    settings.OTP_SEND_LIMITS_PER_PHONE = settings.OTP_SEND_LIMITS_PER_ACCOUNT = "100/60"
    single = {**STEP_DATA, "role": {**STEP_DATA["role"], "owner_type": "single"}}
    issued = [FilingFactory(applicant=verified_alice, stage="issued", step_data=single) for _ in range(3)]
    confirmed = FilingFactory(applicant=verified_alice, stage="confirmed", step_data=single)
    owner_add(filing=filings[1], by=agent, identifier="carol")  # carol invited, not yet answering
    everything = [*filings, *issued, confirmed]
    assert awaiting_my_confirmation(verified_alice, everything), "alice has forms to confirm"
    for user in (verified_alice, verified_bob, verified_carol, agent, other_agent):
        for some in (everything, issued[:1], issued[1:], filings, []):
            assert awaiting_my_confirmation(user, some) == awaiting_built_afresh(user, some), user.username
        assert invitations_waiting(user) == invitations_for(user).count(), user.username
    assert invitations_waiting(verified_carol) == 1
    assert awaiting_my_confirmation(AnonymousUser(), everything) == set()
    assert invitations_waiting(AnonymousUser()) == 0


@pytest.mark.parametrize("count", [1, 2, 5, 20])
def test_the_compiled_sql_of_the_other_queries_is_the_sql_built_with_the_same_values(count, verified_alice):
    values = {"user": verified_alice.pk, **{f"filing{number}": 1000 + number for number in range(count)}}
    awaiting_my_confirmation(verified_alice, [Filing(pk=1, status=Status.AWAITING_CODES)] * count)
    for shape, query in (
        (_AWAITING_SHAPES[count], _awaiting_query(**values)),
        (_INVITATIONS_SHAPE, _invitations_query(user=verified_alice.pk)),
    ):
        used = values if shape is _AWAITING_SHAPES[count] else {"user": verified_alice.pk}
        compiled = shape.sql(DEFAULT_DB_ALIAS, **used)
        assert compiled is not None
        sql, params = query.query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
        assert compiled == (sql, tuple(params))
