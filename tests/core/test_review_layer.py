"""The staff-review layer shared by identity review and examination: who may come in, claims, transitions, pages
and reason codes."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.urls import reverse

from ruanzhu.accounts.roles import EXAMINERS, IDENTITY_REVIEWERS
from ruanzhu.core.models import ReasonCode
from ruanzhu.core.pagination import Keyset, keyset_page
from ruanzhu.core.review import ReviewError, item_claim, item_lock, item_transition
from ruanzhu.examination import services as examination
from ruanzhu.examination.forms import RefuseForm
from ruanzhu.examination.selectors import queue_counts, queue_page
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.filings.states import Status
from ruanzhu.identity.models import Verification
from ruanzhu.identity.selectors import review_queue_page
from ruanzhu.notifications.models import Notification
from tests.factories import StaffFactory, UserFactory, staff_session

BASE = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
# Minutes after BASE, with ties, in no particular order.
MINUTES = [3, 1, 1, 1, 2, 0, 4, 1, 2, 2, 5, 0, 3, 3, 3, 6, 1, 7, 7, 0, 8, 2, 1]


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_filing(applicant, *, status=Status.SUBMITTED, at=BASE, **extra) -> Filing:
    filing = Filing.objects.create(
        service="R11",
        status=status,
        applicant=applicant,
        filer=applicant,
        title="测试软件",
        submitted_at=at,
        **extra,
    )
    FilingParty.objects.create(
        filing=filing, account=applicant, name="李爱丽", category="自然人", id_type="居民身份证", position=0
    )
    return filing


def make_verification(account, *, due_date=datetime.date(2026, 3, 5), **extra) -> Verification:
    defaults = {"kind": "individual", "status": Verification.Status.SUBMITTED, "submitted_at": BASE}
    return Verification.objects.create(account=account, due_date=due_date, **{**defaults, **extra})


# --- staff_required: the same door for both queues -----------------------------------------------------------
QUEUES = [
    ("identity_review:queue", "reviewer", "examiner"),
    ("examination:queue", "examiner", "reviewer"),
]


@pytest.mark.parametrize(("name", "_holder", "_other"), QUEUES)
def test_anonymous_visitor_goes_to_the_staff_login(client, db, name, _holder, _other):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:staff_login"))


@pytest.mark.parametrize(("name", "_holder", "_other"), QUEUES)
def test_account_that_is_not_staff_is_refused(client, alice, name, _holder, _other):
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 404
    staff_session(client, alice)  # even with a second factor
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize(("name", "_holder", "other"), QUEUES)
def test_staff_without_the_permission_is_refused(client, db, request, name, _holder, other):
    staff_session(client, request.getfixturevalue(other))
    assert client.get(reverse(name)).status_code == 404
    staff_session(client, StaffFactory(username="plainstaff"))
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize(("name", "holder", "_other"), QUEUES)
def test_staff_with_the_permission_needs_the_second_factor(client, db, request, name, holder, _other):
    client.force_login(request.getfixturevalue(holder))
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:staff_login"))


@pytest.mark.parametrize(("name", "holder", "_other"), QUEUES)
def test_staff_with_the_permission_and_the_second_factor_comes_in(client, db, request, name, holder, _other):
    staff_session(client, request.getfixturevalue(holder))
    assert client.get(reverse(name)).status_code == 200


# --- Claim and release, the same in both queues -------------------------------------------------------------
@pytest.fixture
def items(alice, applicant):
    """One item waiting in each queue, by the queue's URL namespace."""
    return {
        "identity_review": make_verification(applicant),
        "examination": make_filing(alice),
    }


CLAIMS = [("identity_review", IDENTITY_REVIEWERS), ("examination", EXAMINERS)]


@pytest.mark.parametrize(("namespace", "role"), CLAIMS)
def test_claim_of_another_staff_member_is_refused(client, items, namespace, role):
    first, second = StaffFactory(username="first", role=role), StaffFactory(username="second", role=role)
    item = items[namespace]
    staff_session(client, first)
    response = client.post(reverse(f"{namespace}:claim", args=[item.pk]))
    assert response.status_code == 302 and response.url == reverse(f"{namespace}:detail", args=[item.pk])
    assert "已领取。" in texts(response)

    staff_session(client, second)
    response = client.post(reverse(f"{namespace}:claim", args=[item.pk]))
    assert "该事项已由其他工作人员领取。" in texts(response)
    response = client.post(reverse(f"{namespace}:release", args=[item.pk]))
    assert "只能退回自己领取的事项。" in texts(response)
    item.refresh_from_db()
    assert item.claimed_by == first


@pytest.mark.parametrize(("namespace", "role"), CLAIMS)
def test_release_gives_the_item_back_to_the_queue(client, items, namespace, role):
    holder = StaffFactory(username="holder", role=role)
    item = items[namespace]
    item_claim(item=item, by=holder)
    staff_session(client, holder)
    response = client.post(reverse(f"{namespace}:release", args=[item.pk]))
    assert "已退回队列。" in texts(response)
    item.refresh_from_db()
    assert item.claimed_by is None and item.claimed_at is None


@pytest.mark.parametrize(("namespace", "role"), CLAIMS)
def test_claim_of_an_unknown_item_is_404(client, db, namespace, role):
    staff_session(client, StaffFactory(username="holder", role=role))
    assert client.post(reverse(f"{namespace}:claim", args=[999_999])).status_code == 404


# --- The transition: validated, saved, recorded ------------------------------------------------------------
def test_transition_saves_the_item_and_records_the_event(applicant, reviewer):
    verification = item_claim(item=make_verification(applicant), by=reviewer)
    verification = item_lock(verification)
    verification.internal_note = "核对无误"
    returned = item_transition(
        item=verification, to_status=Verification.Status.APPROVED, by=reviewer, note="通过"
    )
    assert returned is verification
    verification.refresh_from_db()
    assert verification.status == Verification.Status.APPROVED
    assert verification.internal_note == "核对无误"  # what the caller changed is saved with the status
    assert verification.claimed_by is None  # a final state: nobody holds it any more
    event = verification.events.get()
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        reviewer,
        Verification.Status.SUBMITTED,
        Verification.Status.APPROVED,
        "通过",
    )


def test_transition_keeps_the_claim_in_a_state_that_is_not_final(alice, examiner):
    filing = item_claim(item=make_filing(alice), by=examiner)
    filing = examination.filing_accept(filing=filing, by=examiner)
    filing.refresh_from_db()
    assert filing.status == Status.ACCEPTED and filing.claimed_by == examiner
    assert list(filing.events.values_list("from_status", "to_status")) == [
        (Status.SUBMITTED, Status.ACCEPTED)
    ]


def test_transition_not_allowed_changes_nothing(applicant, reviewer):
    verification = item_claim(item=make_verification(applicant), by=reviewer)
    with pytest.raises(ReviewError, match="当前状态下不能进行此操作"):
        item_transition(item=item_lock(verification), to_status=Verification.Status.DRAFT, by=reviewer)
    verification.refresh_from_db()
    assert verification.status == Verification.Status.SUBMITTED and not verification.events.exists()


def test_transition_without_the_claim_changes_nothing(applicant, reviewer, second_reviewer):
    verification = item_claim(item=make_verification(applicant), by=second_reviewer)
    with pytest.raises(ReviewError, match="请先领取"):
        item_transition(item=item_lock(verification), to_status=Verification.Status.APPROVED, by=reviewer)
    verification.refresh_from_db()
    assert verification.status == Verification.Status.SUBMITTED and not verification.events.exists()


# --- What staff see of a claimed item, and figures as fresh as the last change ------------------------------------
def test_a_claimed_verification_is_shown_as_being_reviewed_in_the_queue_and_on_its_page(
    client, applicant, reviewer
):
    verification = make_verification(applicant)
    assert verification.status_label == "待审核"
    item_claim(item=verification, by=reviewer)
    staff_session(client, reviewer)
    row = client.get(reverse("identity_review:queue")).content.decode()
    page = client.get(reverse("identity_review:detail", args=[verification.pk])).content.decode()
    for html in (row, page):
        assert "审核中" in html
        assert "待审核</td>" not in html and 'data-testid="review-status">待审核' not in html


def test_a_claimed_filing_is_shown_as_being_accepted(client, alice, examiner):
    filing = make_filing(alice)
    assert filing.status_label == "待受理"
    item_claim(item=filing, by=examiner)
    staff_session(client, examiner)
    queue = client.get(reverse("examination:queue")).content.decode()
    page = client.get(reverse("examination:detail", args=[filing.pk])).content.decode()
    assert "<td>受理中</td>" in queue and 'data-testid="filing-status">受理中' in page


def test_examination_figures_change_with_a_decision_and_a_claim_not_when_the_cache_expires(
    alice, examiner, django_capture_on_commit_callbacks
):
    filing = make_filing(alice)
    assert queue_counts()["submitted"] == 1 and queue_counts()["unclaimed"] == 1  # the second read is cached
    with django_capture_on_commit_callbacks(execute=True):
        filing = item_claim(item=filing, by=examiner)
    assert queue_counts()["unclaimed"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        examination.filing_accept(filing=filing, by=examiner)
    counts = queue_counts()
    assert counts["submitted"] == 0 and counts["examining"] == 1


def test_figures_read_in_an_open_transaction_that_rolls_back_stay_valid(alice, examiner):
    filing = make_filing(alice)
    before = queue_counts()
    item_claim(item=filing, by=examiner)  # never committed in this test: the generation must not move
    assert queue_counts() == before


# --- Keyset pages of both queues ---------------------------------------------------------------------------
def walk_forward(read, size=5):
    """Return the ids of every page from the first on, and the last page."""
    seen, cursor = [], ""
    for _page in range(100):
        page = read(after=cursor, size=size)
        seen += [row.pk for row in page.rows]
        if not page.next_cursor:
            return seen, page
        cursor = page.next_cursor
    raise AssertionError("the pages do not end")


def walk_back(read, page, size=5):
    """Return the ids of every page before ``page``, back to the first, and the first page."""
    seen = []
    for _page in range(100):
        if not page.previous_cursor:
            return seen, page
        page = read(before=page.previous_cursor, size=size)
        seen = [row.pk for row in page.rows] + seen
    raise AssertionError("the pages do not end")


@pytest.fixture
def waiting_verifications(db):
    """23 submitted verifications, several due on the same day, created out of due-date order."""
    return [
        make_verification(UserFactory(), due_date=datetime.date(2026, 3, 2) + datetime.timedelta(days=days))
        for days in MINUTES
    ]


def test_identity_queue_pages_forward_and_back_without_duplicates_or_gaps(waiting_verifications, reviewer):
    def read(**kwargs):
        return review_queue_page(user=reviewer, **kwargs)

    expected = [v.pk for v in sorted(waiting_verifications, key=lambda v: (v.due_date, v.pk))]
    seen, last = walk_forward(read)
    assert seen == expected and len(last.rows) == 3 and last.previous_cursor
    back, first = walk_back(read, last)
    assert back == expected[:20]
    assert first.next_cursor and not first.previous_cursor


def test_identity_decided_queue_pages_newest_first(db, reviewer):
    decided = [
        make_verification(
            UserFactory(),
            status=Verification.Status.APPROVED if minute % 2 else Verification.Status.REJECTED,
            decided_at=BASE + datetime.timedelta(minutes=minute),
        )
        for minute in MINUTES
    ]
    make_verification(UserFactory())  # still open: not in the decided queue

    def read(**kwargs):
        return review_queue_page(user=reviewer, state="decided", **kwargs)

    expected = [v.pk for v in sorted(decided, key=lambda v: (v.decided_at, v.pk), reverse=True)]
    seen, last = walk_forward(read)
    assert seen == expected
    back, _first = walk_back(read, last)
    assert back == expected[:20]


def test_identity_queue_view_follows_the_cursor_links(client, waiting_verifications, reviewer):
    for days in range(10):
        make_verification(UserFactory(), due_date=datetime.date(2026, 4, 1) + datetime.timedelta(days=days))
    staff_session(client, reviewer)
    url = reverse("identity_review:queue")
    first = client.get(url)
    page = first.content.decode()
    assert page.count('data-testid="queue-row-') == 25 and 'data-testid="next-page"' in page
    assert 'data-testid="previous-page"' not in page
    second = client.get(url, {"after": first.context["page"].next_cursor})
    rows = [row.pk for row in first.context["page"].rows] + [row.pk for row in second.context["page"].rows]
    assert len(rows) == len(set(rows)) == 33
    assert 'data-testid="previous-page"' in second.content.decode()
    assert 'data-testid="next-page"' not in second.content.decode()


def test_identity_queue_with_a_bad_cursor_shows_the_first_page(client, waiting_verifications, reviewer):
    staff_session(client, reviewer)
    for cursor in ("nonsense", "1_2_3", "-1_5"):
        response = client.get(reverse("identity_review:queue"), {"before": cursor})
        assert response.status_code == 200
        assert len(response.context["page"].rows) == 23


def test_examination_queue_of_two_statuses_pages_in_one_order(alice):
    filings = [
        make_filing(
            alice,
            status=Status.ACCEPTED if index % 3 else Status.EXAMINING,
            at=BASE + datetime.timedelta(minutes=minute),
        )
        for index, minute in enumerate(MINUTES)
    ]
    make_filing(alice)  # 待受理: another tab

    def read(**kwargs):
        return queue_page(user=None, tab="examining", **kwargs)

    expected = [f.pk for f in sorted(filings, key=lambda f: (f.submitted_at, f.pk))]
    seen, last = walk_forward(read)
    assert seen == expected
    back, first = walk_back(read, last)
    assert back == expected[:20] and not first.previous_cursor


def test_keyset_cursor_round_trip_of_a_date_and_a_descending_order(applicant):
    verification = make_verification(applicant, due_date=datetime.date(2026, 3, 9))
    order = Keyset(("-due_date", "-id"))
    assert order.decode(Verification, order.encode(verification)) == (
        datetime.date(2026, 3, 9),
        verification.pk,
    )
    assert order.decode(Verification, "0_1") is None  # no day 0
    assert order.decode(Verification, "739000") is None  # one part only


def test_keyset_leaves_out_rows_without_a_position(applicant):
    placed = make_verification(applicant)
    make_verification(UserFactory(), due_date=None)
    page = keyset_page(Verification.objects.all(), Keyset(("due_date", "id")), size=10)
    assert [row.pk for row in page.rows] == [placed.pk]


# --- One reason-code model: examination's grounds ------------------------------------------------------------
GROUNDS = {
    "not_corrected": "申请表未在规定期限内补正",
    "not_program": "提交的鉴别材料不是程序或文档",
    "inconsistent": "申请文件中的名称、著作权人不一致且未提供证明",
    "dispute": "存在权属争议",
}


@pytest.fixture
def examining(alice, examiner):
    filing = make_filing(alice, status=Status.EXAMINING)
    return item_claim(item=filing, by=examiner)


def test_the_four_grounds_are_seeded_reason_codes(db):
    seeded = ReasonCode.objects.filter(queue=ReasonCode.Queue.EXAMINATION)
    assert dict(seeded.values_list("code", "label")) == GROUNDS
    assert list(seeded.values_list("code", flat=True)) == list(GROUNDS)  # in the order of SPEC §10
    assert all(reason.applicant_text and reason.is_active for reason in seeded)


def test_the_seeding_migration_has_a_reverse(db):
    migration = importlib.import_module("ruanzhu.examination.migrations.0002_examination_reason_codes")
    migration.remove_reasons(apps, None)
    assert not ReasonCode.objects.filter(queue=ReasonCode.Queue.EXAMINATION).exists()
    assert ReasonCode.objects.filter(queue=ReasonCode.Queue.IDENTITY).exists()  # the other queue is untouched
    migration.add_reasons(apps, None)
    assert ReasonCode.objects.filter(queue=ReasonCode.Queue.EXAMINATION).count() == 4


def test_refuse_form_offers_the_active_examination_codes_only(db):
    ReasonCode.objects.filter(queue=ReasonCode.Queue.EXAMINATION, code="not_program").update(is_active=False)
    offered = [str(label) for _value, label in RefuseForm().fields["ground"].choices]
    assert offered == [GROUNDS["not_corrected"], GROUNDS["inconsistent"], GROUNDS["dispute"]]
    assert not RefuseForm({"ground": "not_program"}).is_valid()
    assert not RefuseForm({"ground": "photo_unclear"}).is_valid()  # an identity reason
    form = RefuseForm({"ground": "dispute", "note": ""})
    assert form.is_valid() and form.cleaned_data["ground"].code == "dispute"


def test_refusal_records_the_label_and_tells_the_applicant_the_reason_text(examining, examiner, alice):
    dispute = ReasonCode.objects.get(queue=ReasonCode.Queue.EXAMINATION, code="dispute")
    dispute.applicant_text = "双方均主张该软件的著作权。"
    dispute.save()
    filing = examination.filing_refuse(filing=examining, by=examiner, ground=dispute, note="已核实")
    filing.refresh_from_db()
    assert filing.status == Status.REFUSED and filing.claimed_by is None
    assert filing.events.get(to_status=Status.REFUSED).note == "存在权属争议：已核实"
    notice = Notification.objects.get(recipient=alice, title="不予登记通知")
    assert "双方均主张该软件的著作权。" in notice.body and "已核实" not in notice.body


@pytest.mark.parametrize("kind", ["identity reason", "inactive", "plain string"])
def test_refusal_on_anything_but_an_active_examination_code_changes_nothing(examining, examiner, kind):
    if kind == "identity reason":
        ground = ReasonCode.objects.get(queue=ReasonCode.Queue.IDENTITY, code="photo_unclear")
    elif kind == "inactive":
        ground = ReasonCode.objects.get(queue=ReasonCode.Queue.EXAMINATION, code="dispute")
        ground.is_active = False
        ground.save()
    else:
        ground = "dispute"
    with pytest.raises(ReviewError, match="请选择不予登记的理由"):
        examination.filing_refuse(filing=examining, by=examiner, ground=ground)
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING and not examining.events.exists()


def test_refuse_view_takes_the_code_and_refuses_an_unknown_one(client, examining, examiner):
    staff_session(client, examiner)
    url = reverse("examination:refuse", args=[examining.pk])
    response = client.post(url, {"ground": "photo_unclear"})
    assert "请选择不予登记的理由。" in texts(response)
    examining.refresh_from_db()
    assert examining.status == Status.EXAMINING
    response = client.post(url, {"ground": "not_program", "note": ""})
    assert "已作出不予登记决定。" in texts(response)
    examining.refresh_from_db()
    assert examining.status == Status.REFUSED
    assert examining.events.get(to_status=Status.REFUSED).note == GROUNDS["not_program"]
