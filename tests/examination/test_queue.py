import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ruanzhu.examination import dashboard
from ruanzhu.examination.models import CorrectionRound
from ruanzhu.examination.selectors import QUEUE_ORDER, QueueFilters, queue_counts, queue_page
from ruanzhu.filings.models import Filing, FilingEvent, FilingParty
from ruanzhu.filings.states import Status

BASE = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def make_filing(applicant, *, status=Status.SUBMITTED, at=BASE, owner="李爱丽", service="R11", **extra):
    filing = Filing.objects.create(
        service=service,
        status=status,
        applicant=applicant,
        filer=applicant,
        title="测试软件",
        submitted_at=at,
        **extra,
    )
    FilingParty.objects.create(
        filing=filing, account=applicant, name=owner, category="自然人", id_type="居民身份证", position=0
    )
    return filing


@pytest.fixture
def many(alice):
    """23 submitted filings, several sharing one submission time, created out of time order."""
    filings = []
    for index in range(23):
        minute = [3, 1, 1, 1, 2, 0, 4, 1, 2, 2, 5, 0, 3, 3, 3, 6, 1, 7, 7, 0, 8, 2, 1][index]
        filings.append(make_filing(alice, at=BASE + datetime.timedelta(minutes=minute)))
    return filings


def expected_order(filings):
    return [filing.pk for filing in sorted(filings, key=lambda filing: (filing.submitted_at, filing.pk))]


def walk(tab="submitted", size=5, **kwargs):
    seen, cursor, pages = [], "", 0
    while True:
        page = queue_page(user=None, tab=tab, after=cursor, size=size, **kwargs)
        seen += [filing.pk for filing in page.rows]
        pages += 1
        assert pages < 100
        if not page.next_cursor:
            return seen, page
        cursor = page.next_cursor


def test_cursor_round_trip(alice):
    filing = make_filing(alice, at=BASE + datetime.timedelta(microseconds=123457))
    assert QUEUE_ORDER.decode(Filing, QUEUE_ORDER.encode(filing)) == (filing.submitted_at, filing.pk)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "x",
        "12_",
        "-5",
        "1.5_3",
        "9" * 60 + "_1",
        "99999999999999999999_1",
        "9223372036854775807_1",
        "1_2_3",
    ],
)
def test_bad_cursor_is_ignored(value):
    assert QUEUE_ORDER.decode(Filing, value) is None


def test_pages_return_every_row_exactly_once_with_ties(many):
    seen, last = walk(size=5)
    assert seen == expected_order(many)
    assert len(last.rows) == 3 and last.previous_cursor


def test_previous_pages_walk_back_to_the_first(many):
    _seen, page = walk(size=5)
    back = []
    while page.previous_cursor:
        page = queue_page(user=None, tab="submitted", before=page.previous_cursor, size=5)
        back = [filing.pk for filing in page.rows] + back
    assert back == expected_order(many)[:20]
    assert page.next_cursor and not page.previous_cursor


def test_the_first_page_has_no_previous(many):
    page = queue_page(user=None, tab="submitted", size=5)
    assert page.next_cursor and not page.previous_cursor


def test_garbage_cursor_shows_the_first_page(many):
    page = queue_page(user=None, tab="submitted", after="nonsense", size=5)
    assert [filing.pk for filing in page.rows] == expected_order(many)[:5]


def test_examining_tab_merges_accepted_and_examining_in_order(alice):
    filings = [
        make_filing(alice, status=status, at=BASE + datetime.timedelta(minutes=minute))
        for status, minute in [
            (Status.EXAMINING, 5),
            (Status.ACCEPTED, 1),
            (Status.EXAMINING, 1),
            (Status.ACCEPTED, 9),
            (Status.ACCEPTED, 3),
            (Status.EXAMINING, 0),
            (Status.EXAMINING, 3),
        ]
    ]
    make_filing(alice, status=Status.SUBMITTED)
    make_filing(alice, status=Status.REGISTERED)
    seen, _page = walk(tab="examining", size=2)
    assert seen == expected_order(filings)


def test_answered_correction_and_overdue_tabs(alice):
    today = timezone.localdate()
    answered = make_filing(alice, status=Status.EXAMINING)
    CorrectionRound.objects.create(
        filing=answered, number=1, items=[], deadline=today, answered_at=timezone.now()
    )
    plain = make_filing(alice, status=Status.EXAMINING)
    waiting = make_filing(alice, status=Status.CORRECTION)
    CorrectionRound.objects.create(filing=waiting, number=1, items=[], deadline=today)
    late = make_filing(alice, status=Status.CORRECTION)
    CorrectionRound.objects.create(
        filing=late, number=1, items=[], deadline=today - datetime.timedelta(days=1)
    )
    old = make_filing(alice, at=timezone.now() - datetime.timedelta(days=6))
    make_filing(alice, at=timezone.now() - datetime.timedelta(days=1))

    def tab(name):
        return {filing.pk for filing in queue_page(user=None, tab=name).rows}

    assert tab("answered") == {answered.pk}
    assert tab("examining") == {answered.pk, plain.pk}
    assert tab("correction") == {waiting.pk, late.pk}
    assert tab("overdue") == {late.pk, old.pk}
    counts = queue_counts(refresh=True)
    assert counts["submitted"] == 2 and counts["examining"] == 2 and counts["answered"] == 1
    assert counts["correction"] == 2 and counts["overdue"] == 2
    assert counts["overdue_acceptance"] == 1 and counts["overdue_correction"] == 1


def test_filters(alice, bob, examiner):
    early = make_filing(alice, at=BASE, owner="李爱丽")
    later = make_filing(alice, at=BASE + datetime.timedelta(days=3), owner="示例科技有限公司")
    other = make_filing(bob, at=BASE + datetime.timedelta(days=3), owner="鲍勃", service="R21")
    Filing.objects.filter(pk=later.pk).update(claimed_by=examiner)

    def rows(**filters):
        return {filing.pk for filing in queue_page(user=examiner, filters=QueueFilters(**filters)).rows}

    assert rows(service="R21") == {other.pk}
    assert rows(owner="示例科技") == {later.pk}
    assert rows(submitted_from=(BASE + datetime.timedelta(days=1)).date()) == {later.pk, other.pk}
    assert rows(submitted_to=BASE.date()) == {early.pk}
    assert rows(claimed="mine") == {later.pk}
    assert rows(claimed="unclaimed") == {early.pk, other.pk}


def test_queue_view_filters_and_pages(examiner_client, alice):
    for minute in range(30):
        make_filing(alice, at=BASE + datetime.timedelta(minutes=minute), owner=f"著作权人{minute:02d}")
    page = examiner_client.get(reverse("examination:queue")).content.decode()
    assert page.count('data-testid="queue-row-') == 25 and 'data-testid="next-page"' in page
    response = examiner_client.get(reverse("examination:queue"), {"owner": "著作权人07"})
    assert response.content.decode().count('data-testid="queue-row-') == 1
    response = examiner_client.get(reverse("examination:queue"), {"submitted_from": "not a date"})
    assert response.status_code == 200 and 'class="error"' in response.content.decode()


def test_queue_rows_show_each_cell_escaped_with_the_claim_and_every_owner(
    examiner_client, examiner, alice, bob
):
    # The rows are built in Python: each cell must be escaped as the template escapes a variable.
    unclaimed = make_filing(alice, owner="<b>某</b>科技")
    Filing.objects.filter(pk=unclaimed.pk).update(title='软件<script>alert("x")</script>')
    FilingParty.objects.create(
        filing=unclaimed, account=bob, name="A&B", category="法人", id_type="统一社会信用代码", position=1
    )
    claimed = make_filing(
        alice, at=BASE + datetime.timedelta(minutes=1), claimed_by=examiner, flow_number="2026R11L0000123"
    )

    page = examiner_client.get(reverse("examination:queue")).content.decode()

    assert "<script>alert" not in page and "<b>某</b>" not in page
    url = reverse("examination:detail", args=[unclaimed.pk])
    assert f'<td><a href="{url}">{unclaimed.pk}</a></td>' in page
    assert "<td>软件&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>" in page
    assert "<td>&lt;b&gt;某&lt;/b&gt;科技、A&amp;B</td>" in page
    assert "<td>2026-03-02 17:00</td>\n        <td>—</td>\n        <td>待受理</td>" in page
    claimed_row = page[page.index(f'data-testid="queue-row-{claimed.pk}"') :]
    assert "2026R11L0000123</a>" in claimed_row
    assert "<td>2026-03-02 17:01</td>\n        <td>examiner</td>\n        <td>受理中</td>" in claimed_row


def test_queue_page_query_count_does_not_grow_with_the_page(
    examiner_client, alice, django_assert_num_queries, settings
):
    for minute in range(60):
        make_filing(alice, at=BASE + datetime.timedelta(minutes=minute))
    url = reverse("examination:queue")
    examiner_client.get(url)  # the header's unread count is cached from the first page on
    # (the session, unless it lives in the cache), user, TOTP device, permissions (user, groups),
    # the filings, their parties
    base = 6 + settings.SESSION_ENGINE.endswith(".db")
    with django_assert_num_queries(base):
        first = examiner_client.get(url)
    cursor = first.context["page"].next_cursor
    with django_assert_num_queries(base):
        examiner_client.get(url, {"after": cursor})
    # the 审查中 tab reads two statuses: one query each
    make_filing(alice, status=Status.ACCEPTED)
    make_filing(alice, status=Status.EXAMINING)
    with django_assert_num_queries(base + 1):
        examiner_client.get(url, {"tab": "examining"})


def test_queue_queries_use_neither_offset_nor_count(alice):
    for minute in range(30):
        make_filing(alice, at=BASE + datetime.timedelta(minutes=minute))
    first = queue_page(user=None, tab="submitted")
    with CaptureQueriesContext(connection) as captured:
        queue_page(user=None, tab="submitted", after=first.next_cursor)
    sql = " ".join(query["sql"].upper() for query in captured.captured_queries)
    assert "OFFSET" not in sql and "COUNT(" not in sql


# --- Dashboard -----------------------------------------------------------------------------------------------------
def event(filing, from_status, to_status, at):
    FilingEvent.objects.create(filing=filing, from_status=from_status, to_status=to_status, created_at=at)


def test_stage_medians_on_a_known_data_set(alice):
    today = datetime.date(2026, 11, 25)  # a Wednesday; its week starts on Monday 11-23
    monday = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=timezone.get_current_timezone())
    hours = datetime.timedelta(hours=1)
    durations = [2, 4, 9]  # submitted → accepted, in days
    for days in durations:
        filing = make_filing(alice, status=Status.EXAMINING)
        event(filing, Status.FORM_ISSUED, Status.SUBMITTED, monday - datetime.timedelta(days=days))
        event(filing, Status.SUBMITTED, Status.ACCEPTED, monday)
    # one correction requested twice: 24 h and 48 h to answer; then a decision 10 days after acceptance
    corrected = make_filing(alice, status=Status.REGISTERED)
    accepted_at = monday - datetime.timedelta(days=10)
    event(corrected, Status.SUBMITTED, Status.ACCEPTED, accepted_at)
    event(corrected, Status.EXAMINING, Status.CORRECTION, monday - 100 * hours)
    event(corrected, Status.CORRECTION, Status.EXAMINING, monday - 76 * hours)
    event(corrected, Status.EXAMINING, Status.CORRECTION, monday - 50 * hours)
    event(corrected, Status.CORRECTION, Status.EXAMINING, monday - 2 * hours)
    event(corrected, Status.EXAMINING, Status.REGISTERED, monday)
    # an event of last week belongs to last week
    late = make_filing(alice, status=Status.EXAMINING)
    event(late, Status.FORM_ISSUED, Status.SUBMITTED, monday - datetime.timedelta(days=8))
    event(late, Status.SUBMITTED, Status.ACCEPTED, monday - datetime.timedelta(days=7))

    weeks = dashboard.stage_medians(weeks=3, today=today)
    assert [week.week_start for week in weeks] == [
        datetime.date(2026, 11, 9),
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 23),
    ]
    this_week, last_week = weeks[-1], weeks[-2]
    assert this_week.medians["acceptance"] == 4 * 86_400 and this_week.counts["acceptance"] == 3
    assert last_week.medians["acceptance"] == 86_400 and last_week.counts["acceptance"] == 1
    # the two rounds ended last week (24 h) and this week (48 h)
    assert last_week.medians["correction"] == 24 * 3600 and this_week.medians["correction"] == 48 * 3600
    assert this_week.medians["decision"] == 10 * 86_400 and this_week.counts["decision"] == 1
    assert weeks[0].medians == {"acceptance": None, "decision": None, "correction": None}


def test_dashboard_draws_charts_and_a_table(examiner_client, alice):
    filing = make_filing(alice)
    event(filing, Status.FORM_ISSUED, Status.SUBMITTED, timezone.now() - datetime.timedelta(days=3))
    accepted = make_filing(alice, status=Status.ACCEPTED)
    event(accepted, Status.FORM_ISSUED, Status.SUBMITTED, timezone.now() - datetime.timedelta(days=2))
    event(accepted, Status.SUBMITTED, Status.ACCEPTED, timezone.now())
    page = examiner_client.get(reverse("examination:dashboard")).content.decode()
    assert page.count("<svg") == 4 and 'data-testid="stage-medians"' in page
    assert 'data-testid="count-submitted">1<' in page and 'data-testid="count-examining">1<' in page
    assert ">2.0<" in page  # the median of 提交→受理 this week, in days
    assert "<script" not in page.split("<main", 1)[1]
