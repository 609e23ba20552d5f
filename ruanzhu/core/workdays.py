"""Chinese working days: weekends, public holidays and adjusted working days (调休).

A day's status comes from, in order:
1. a ``CalendarDay`` entered by staff (so the table can correct the library and cover years it lacks);
2. chinese-calendar, which knows 2004 to the last year it was released for and raises NotImplementedError
   beyond it;
3. the weekday alone (Monday to Friday work), for years neither of the above covers yet.

Due dates (identity review)
---------------------------
"我们将在1-3个工作日内审核" is read as: the day of receipt is the submission's date in Asia/Shanghai if that is a
working day, otherwise the next working day (nothing is received on a holiday); the review is due by the end of
the ``IDENTITY_REVIEW_WORKING_DAYS``-th working day after the day of receipt. The time of day plays no part.
With 3 working days: submitted Monday 09:00 → due Thursday; Friday 23:30 → due Wednesday; Saturday → received
Monday → due Thursday.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

from ruanzhu.core.models import CalendarDay

CHINA = ZoneInfo("Asia/Shanghai")
# Days of overrides fetched per query while walking the calendar; longer than any run of days off in China
# (the longest, Spring Festival with its weekends, is about nine days).
_OVERRIDE_WINDOW = timedelta(days=60)


def _library_says_working(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # No published schedule in the library for this year: weekends only, until staff enter the holidays.
        return day.weekday() < 5


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is a working day in mainland China."""
    override = CalendarDay.objects.filter(date=day).values_list("kind", flat=True).first()
    if override is not None:
        return override == CalendarDay.Kind.WORKDAY
    return _library_says_working(day)


class _Calendar:
    """Working-day look-ups over a walk through the calendar, fetching staff overrides a window at a time."""

    def __init__(self) -> None:
        self._overrides: dict[date, str] = {}
        self._low: date | None = None
        self._high: date | None = None

    def _load(self, day: date) -> None:
        low, high = day - _OVERRIDE_WINDOW, day + _OVERRIDE_WINDOW
        rows = CalendarDay.objects.filter(date__range=(low, high)).values_list("date", "kind")
        self._overrides.update(rows)
        self._low = low if self._low is None else min(self._low, low)
        self._high = high if self._high is None else max(self._high, high)

    def is_working_day(self, day: date) -> bool:
        if self._low is None or not (self._low <= day <= self._high):
            self._load(day)
        kind = self._overrides.get(day)
        if kind is not None:
            return kind == CalendarDay.Kind.WORKDAY
        return _library_says_working(day)


def add_working_days(start: date, days: int) -> date:
    """Return the date ``days`` working days after ``start`` (before it, if negative); ``start`` is not counted.

    ``add_working_days(d, 0)`` is ``d`` itself, working day or not.
    """
    calendar = _Calendar()
    step = timedelta(days=1 if days >= 0 else -1)
    day, remaining = start, abs(days)
    while remaining:
        day += step
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def next_working_day(day: date) -> date:
    """Return ``day`` if it is a working day, else the first working day after it."""
    calendar = _Calendar()
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def review_due_date(submitted_at: datetime) -> date:
    """Return the last day on which an identity review submitted at ``submitted_at`` is due (see module doc)."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    received = next_working_day(submitted_at.astimezone(CHINA).date())
    return add_working_days(received, settings.IDENTITY_REVIEW_WORKING_DAYS)
