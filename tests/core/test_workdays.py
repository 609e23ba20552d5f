from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from ruanzhu.core.models import CalendarDay
from ruanzhu.core.workdays import add_working_days, is_working_day, next_working_day, review_due_date

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _holiday(day: date, name: str = "2027 元旦") -> CalendarDay:
    return CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name=name)


def _workday(day: date, name: str = "2027 春节") -> CalendarDay:
    return CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.WORKDAY, name=name)


# --- An ordinary week (March 2026 has no holidays) ---------------------------------------------------------------


def test_weekdays_work_and_weekends_do_not():
    assert is_working_day(date(2026, 3, 9))  # Monday
    assert is_working_day(date(2026, 3, 13))  # Friday
    assert not is_working_day(date(2026, 3, 14))  # Saturday
    assert not is_working_day(date(2026, 3, 15))  # Sunday


def test_three_working_days_from_monday_is_thursday():
    assert add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 12)


def test_working_days_from_friday_skip_the_weekend():
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)
    assert add_working_days(date(2026, 3, 13), 3) == date(2026, 3, 18)


def test_counting_from_a_weekend_starts_on_monday():
    assert add_working_days(date(2026, 3, 14), 1) == date(2026, 3, 16)


def test_zero_working_days_is_the_start_itself():
    assert add_working_days(date(2026, 3, 14), 0) == date(2026, 3, 14)


def test_negative_working_days_count_backwards():
    assert add_working_days(date(2026, 3, 16), -1) == date(2026, 3, 13)


def test_next_working_day_of_a_working_day_is_that_day():
    assert next_working_day(date(2026, 3, 9)) == date(2026, 3, 9)
    assert next_working_day(date(2026, 3, 14)) == date(2026, 3, 16)


# --- National Day 2026 (chinese-calendar data: 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 worked) ---------


def test_national_day_data_is_what_the_tests_assume():
    golden_week = [date(2026, 10, 1) + timedelta(days=offset) for offset in range(7)]
    assert all(chinese_calendar.is_holiday(day) for day in golden_week)
    assert chinese_calendar.is_workday(date(2026, 9, 20))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert date(2026, 9, 20).weekday() == 6
    assert date(2026, 10, 10).weekday() == 5


@pytest.mark.parametrize("offset", range(7))
def test_golden_week_days_are_not_working_days(offset):
    assert not is_working_day(date(2026, 10, 1) + timedelta(days=offset))


def test_adjusted_weekend_working_days_around_national_day_are_working_days():
    assert is_working_day(date(2026, 9, 20))  # Sunday
    assert is_working_day(date(2026, 10, 10))  # Saturday


def test_working_day_after_september_30_is_october_8():
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_adjusted_saturday_counts_as_a_working_day():
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_adjusted_sunday_counts_as_a_working_day():
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_review_submitted_before_golden_week_is_due_on_the_adjusted_saturday():
    submitted = datetime(2026, 9, 30, 18, 0, tzinfo=SHANGHAI)
    assert review_due_date(submitted) == date(2026, 10, 10)


def test_review_submitted_during_golden_week_counts_from_october_8():
    submitted = datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI)
    # Received on 10-08 (Thursday); then 10-09, 10-10 (adjusted Saturday), 10-12.
    assert review_due_date(submitted) == date(2026, 10, 12)


# --- Years chinese-calendar does not know ----------------------------------------------------------------------


def test_library_has_no_data_for_2027():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_year_without_data_uses_weekends_only():
    assert is_working_day(date(2027, 1, 1))  # a Friday: no holiday known until staff enter it
    assert not is_working_day(date(2027, 1, 2))


def test_counting_across_into_a_year_without_data_does_not_crash():
    assert add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 5)


def test_holiday_entered_by_staff_for_2027_is_skipped():
    _holiday(date(2027, 1, 1))
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 6)


def test_workday_entered_by_staff_on_a_2027_saturday_counts():
    _workday(date(2027, 1, 9))
    assert is_working_day(date(2027, 1, 9))
    assert add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 9)


def test_staff_entry_overrides_the_library():
    _holiday(date(2026, 3, 10), name="更正")
    _workday(date(2026, 10, 7), name="更正")
    assert not is_working_day(date(2026, 3, 10))
    assert is_working_day(date(2026, 10, 7))
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)


def test_long_counts_see_staff_entries_far_from_the_start():
    far_holiday = date(2027, 6, 14)  # a Monday more than a window away from the start
    _holiday(far_holiday, name="2027 端午节")
    start = date(2027, 1, 4)
    # The same count, one day and one query at a time.
    expected, remaining = start, 150
    while remaining:
        expected += timedelta(days=1)
        if is_working_day(expected):
            remaining -= 1
    assert add_working_days(start, 150) == expected
    assert expected > far_holiday


def test_counting_a_few_days_takes_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(date(2026, 9, 30), 3)


# --- Due date of an identity review -----------------------------------------------------------------------------


def test_review_submitted_on_monday_is_due_on_thursday():
    assert review_due_date(datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)) == date(2026, 3, 12)


def test_review_submitted_on_friday_evening_is_due_on_wednesday():
    assert review_due_date(datetime(2026, 3, 13, 23, 30, tzinfo=SHANGHAI)) == date(2026, 3, 18)


def test_review_submitted_on_saturday_counts_from_monday_and_is_due_on_thursday():
    assert review_due_date(datetime(2026, 3, 14, 10, 0, tzinfo=SHANGHAI)) == date(2026, 3, 19)


def test_review_date_is_taken_in_china_not_in_utc():
    # Friday 17:30 UTC is Saturday 01:30 in Shanghai.
    submitted = datetime(2026, 3, 13, 17, 30, tzinfo=ZoneInfo("UTC"))
    assert review_due_date(submitted) == date(2026, 3, 19)


def test_review_due_date_follows_the_setting(settings):
    settings.IDENTITY_REVIEW_WORKING_DAYS = 1
    assert review_due_date(datetime(2026, 3, 13, 9, 0, tzinfo=SHANGHAI)) == date(2026, 3, 16)


def test_naive_submission_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        review_due_date(datetime(2026, 3, 9, 9, 0))


def test_review_submitted_at_new_year_2027_is_due_without_crashing():
    assert review_due_date(datetime(2026, 12, 31, 20, 0, tzinfo=SHANGHAI)) == date(2027, 1, 5)
