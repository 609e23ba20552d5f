"""The examination dashboard: median time per stage by week, from the filings' events, and its bar charts."""

import bisect
import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.models import FilingEvent
from ruanzhu.filings.states import Status

WEEKS = 8
MEDIANS_CACHE_KEY = "examination:stage-medians"
MEDIANS_CACHE_SECONDS = 600

# stage: (label, statuses whose event starts it, test of the event that ends it)
STAGES = {
    "acceptance": (_("提交→受理"), (Status.SUBMITTED,), lambda event: event[2] == Status.ACCEPTED),
    "decision": (
        _("受理→审查决定"),
        (Status.ACCEPTED,),
        lambda event: event[2] in (Status.REGISTERED, Status.REFUSED),
    ),
    "correction": (
        _("要求补正→提交补正"),
        (Status.CORRECTION,),
        lambda event: event[1] == Status.CORRECTION and event[2] == Status.EXAMINING,
    ),
}


@dataclass(frozen=True)
class WeekMedians:
    week_start: datetime.date
    # stage → median duration in seconds (None: nothing ended in that week), and how many
    medians: dict[str, float | None]
    counts: dict[str, int]


def _week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def stage_medians(*, weeks: int = WEEKS, today: datetime.date | None = None) -> list[WeekMedians]:
    """Return, for each of the last ``weeks`` weeks (Monday first), the median duration of each stage.

    A stage's duration ends with the event that ends it in that week and starts with the latest event before it
    of the same filing that starts it (a filing corrected twice counts twice).
    """
    today = today or timezone.localdate()
    first_week = _week_start(today) - datetime.timedelta(weeks=weeks - 1)
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(first_week, datetime.time.min, tzinfo=zone)
    ends = list(
        FilingEvent.objects.filter(
            created_at__gte=since,
            to_status__in=[Status.ACCEPTED, Status.REGISTERED, Status.REFUSED, Status.EXAMINING],
        ).values_list("filing_id", "from_status", "to_status", "created_at")
    )
    starts: dict[tuple[int, str], list[datetime.datetime]] = defaultdict(list)
    start_statuses = [status for _label, statuses, _test in STAGES.values() for status in statuses]
    for filing_id, status, at in (
        FilingEvent.objects.filter(
            to_status__in=start_statuses,
            filing_id__in=FilingEvent.objects.filter(
                created_at__gte=since,
                to_status__in=[Status.ACCEPTED, Status.REGISTERED, Status.REFUSED, Status.EXAMINING],
            ).values("filing_id"),
        )
        .order_by("created_at", "id")
        .values_list("filing_id", "to_status", "created_at")
    ):
        starts[(filing_id, status)].append(at)
    durations: dict[tuple[datetime.date, str], list[float]] = defaultdict(list)
    for event in ends:
        filing_id, _from, _to, at = event
        for stage, (_label, statuses, ends_stage) in STAGES.items():
            if not ends_stage(event):
                continue
            candidates = [
                times[bisect.bisect_left(times, at) - 1]
                for status in statuses
                if (times := starts.get((filing_id, status))) and bisect.bisect_left(times, at) > 0
            ]
            if candidates:
                week = _week_start(timezone.localtime(at).date())
                durations[(week, stage)].append((at - max(candidates)).total_seconds())
    result = []
    for index in range(weeks):
        week = first_week + datetime.timedelta(weeks=index)
        result.append(
            WeekMedians(
                week_start=week,
                medians={
                    stage: statistics.median(durations[(week, stage)])
                    if durations.get((week, stage))
                    else None
                    for stage in STAGES
                },
                counts={stage: len(durations.get((week, stage), [])) for stage in STAGES},
            )
        )
    return result


def stage_medians_cached() -> list[WeekMedians]:
    """Return stage_medians(), recomputed at most every few minutes."""
    medians = cache.get(MEDIANS_CACHE_KEY)
    if medians is None:
        medians = stage_medians()
        cache.set(MEDIANS_CACHE_KEY, medians, MEDIANS_CACHE_SECONDS)
    return medians


def bar_chart(items: list[tuple[str, float | None, str]], *, width: int = 480, height: int = 180) -> dict:
    """Return the geometry of a vertical bar chart of (label, value, value text) for an inline SVG."""
    top, bottom, left = 18, 34, 8
    plot_height = height - top - bottom
    slot = (width - left) / max(len(items), 1)
    largest = max((value or 0 for _label, value, _text in items), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(items):
        bar_height = round((value or 0) / largest * plot_height, 1)
        x = round(left + index * slot + slot * 0.15, 1)
        bars.append(
            {
                "label": label,
                "text": text,
                "x": x,
                "width": round(slot * 0.7, 1),
                "y": round(top + plot_height - bar_height, 1),
                "height": bar_height,
                "value_y": max(round(top + plot_height - bar_height - 4, 1), 12),
                "center": round(x + slot * 0.35, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "baseline": top + plot_height,
        "label_y": height - 12,
    }


def days_text(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 86_400:.1f}"
