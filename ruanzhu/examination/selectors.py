"""Examiners' reads: who may examine, the queues with keyset pagination, a filing for the examination page."""

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.accounts.decorators import staff_may
from ruanzhu.core.pagination import Keyset, KeysetPage, keyset_page
from ruanzhu.core.review import queue_generation
from ruanzhu.examination.models import CorrectionRound
from ruanzhu.filings.models import Filing, FilingParty
from ruanzhu.filings.selectors import party_names_of
from ruanzhu.filings.states import EDITABLE, Status

EXAMINE_PERMISSION = "examination.examine_filing"
PAGE_SIZE = 25
# A submitted filing not accepted or refused within this many calendar days is overdue (待受理 超期).
ACCEPTANCE_OVERDUE_DAYS = 5
COUNTS_CACHE_KEY = "examination:queue-counts"
# Overdue figures move with the clock; everything else changes the queue generation (core.review) at once.
COUNTS_CACHE_SECONDS = 120


def can_examine(user) -> bool:
    return staff_may(user, EXAMINE_PERMISSION)


def filing_for_examiner(*, user, pk: int) -> Filing:
    """Return a submitted (or later) filing for an examiner; 404 for anyone else and for drafts."""
    if not can_examine(user):
        raise Http404
    filing = (
        Filing.objects.select_related("applicant", "filer", "agent", "claimed_by")
        .prefetch_related("parties", "documents", "events__actor", "correction_rounds__requested_by")
        .exclude(status__in=EDITABLE)
        .filter(pk=pk)
        .first()
    )
    if filing is None:
        raise Http404
    return filing


def _open_round_past_deadline(today: datetime.date) -> Exists:
    return Exists(
        CorrectionRound.objects.filter(filing=OuterRef("pk"), answered_at__isnull=True, deadline__lt=today)
    )


def _branches(tab: str) -> list[Q]:
    """Return the parts of a tab, each a single status, so that every part reads one range of the queue index."""
    today = timezone.localdate()
    if tab == "examining":
        return [Q(status=Status.ACCEPTED), Q(status=Status.EXAMINING)]
    if tab == "answered":
        # While a filing is 审查中 its latest round, if any, has been answered.
        return [Q(status=Status.EXAMINING) & Exists(CorrectionRound.objects.filter(filing=OuterRef("pk")))]
    if tab == "correction":
        return [Q(status=Status.CORRECTION)]
    if tab == "overdue":
        cutoff = timezone.now() - datetime.timedelta(days=ACCEPTANCE_OVERDUE_DAYS)
        return [
            Q(status=Status.SUBMITTED, submitted_at__lt=cutoff),
            Q(status=Status.CORRECTION) & _open_round_past_deadline(today),
        ]
    return [Q(status=Status.SUBMITTED)]


TABS = (
    ("submitted", _("待受理")),
    ("examining", _("审查中")),
    ("answered", _("补正已提交")),
    ("correction", _("待补正")),
    ("overdue", _("已超期")),
)


@dataclass(frozen=True)
class QueueFilters:
    service: str = ""
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    owner: str = ""
    claimed: str = ""  # "mine", "unclaimed" or ""

    def q(self, user) -> Q:
        condition = Q()
        if self.service:
            condition &= Q(service=self.service)
        zone = timezone.get_current_timezone()
        if self.submitted_from:
            start = datetime.datetime.combine(self.submitted_from, datetime.time.min, tzinfo=zone)
            condition &= Q(submitted_at__gte=start)
        if self.submitted_to:
            end = datetime.datetime.combine(
                self.submitted_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
            )
            condition &= Q(submitted_at__lt=end)
        if self.owner:
            condition &= Exists(FilingParty.objects.filter(filing=OuterRef("pk"), name__icontains=self.owner))
        if self.claimed == "mine":
            condition &= Q(claimed_by=user)
        elif self.claimed == "unclaimed":
            condition &= Q(claimed_by__isnull=True)
        return condition


# The order of every queue: oldest submission first (the index ``filing_queue_idx`` is (status, submitted_at, id)).
QUEUE_ORDER = Keyset(("submitted_at", "id"))


def queue_page(
    *,
    user,
    tab: str = "submitted",
    filters: QueueFilters | None = None,
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """Return one page of a queue in (submitted_at, id) order, after or before a cursor; no OFFSET, no COUNT.

    Each part of the tab is one status, so that PostgreSQL walks one range of ``filing_queue_idx`` from the cursor.
    Each filing of the page carries ``party_names``, its parties' names in their order.
    """
    condition = (filters or QueueFilters()).q(user)
    parts = [
        Filing.objects.filter(branch, condition).select_related("claimed_by").defer("details")
        for branch in _branches(tab)
    ]
    page = keyset_page(parts, QUEUE_ORDER, after=after, before=before, size=size)
    # The queue shows the parties' names only (``party_names`` of each row): their ID numbers are not decrypted.
    names = party_names_of([filing.pk for filing in page.rows])
    for filing in page.rows:
        filing.party_names = names[filing.pk]
    return page


def queue_counts(*, refresh: bool = False) -> dict[str, int]:
    """Return the sizes of the queues, cached for a short while (a full count over millions of rows is slow)."""
    key = f"{COUNTS_CACHE_KEY}:{queue_generation(Filing)}"
    counts = None if refresh else cache.get(key)
    if counts is not None:
        return counts
    today = timezone.localdate()
    by_status = dict(
        Filing.objects.filter(
            status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.EXAMINING, Status.CORRECTION]
        )
        .values_list("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    cutoff = timezone.now() - datetime.timedelta(days=ACCEPTANCE_OVERDUE_DAYS)
    overdue_acceptance = Filing.objects.filter(status=Status.SUBMITTED, submitted_at__lt=cutoff).count()
    overdue_correction = (
        Filing.objects.filter(status=Status.CORRECTION).filter(_open_round_past_deadline(today)).count()
    )
    answered = (
        Filing.objects.filter(status=Status.EXAMINING)
        .filter(Exists(CorrectionRound.objects.filter(filing=OuterRef("pk"))))
        .count()
    )
    unclaimed = Filing.objects.filter(status=Status.SUBMITTED, claimed_by__isnull=True).count()
    counts = {
        "submitted": by_status.get(Status.SUBMITTED, 0),
        "examining": by_status.get(Status.ACCEPTED, 0) + by_status.get(Status.EXAMINING, 0),
        "answered": answered,
        "correction": by_status.get(Status.CORRECTION, 0),
        "overdue_acceptance": overdue_acceptance,
        "overdue_correction": overdue_correction,
        "overdue": overdue_acceptance + overdue_correction,
        "unclaimed": unclaimed,
    }
    cache.set(key, counts, COUNTS_CACHE_SECONDS)
    return counts
