from datetime import date

import pytest

from ruanzhu.core.models import CalendarDay
from ruanzhu.core.workdays import is_working_day

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/core/calendarday/add/"


def test_staff_enter_a_2027_holiday_in_the_admin_and_it_stops_being_a_working_day(admin_client_only):
    response = admin_client_only.post(ADD_URL, {"date": "2027-02-08", "kind": "holiday", "name": "2027 春节"})
    assert response.status_code == 302
    entry = CalendarDay.objects.get()
    assert (entry.date, entry.kind, entry.name) == (date(2027, 2, 8), CalendarDay.Kind.HOLIDAY, "2027 春节")
    assert not is_working_day(date(2027, 2, 8))


def test_a_date_can_be_entered_only_once(admin_client_only):
    CalendarDay.objects.create(date=date(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY, name="2027 春节")
    response = admin_client_only.post(ADD_URL, {"date": "2027-02-08", "kind": "workday", "name": "重复"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"]
    entry = CalendarDay.objects.get()
    assert entry.kind == CalendarDay.Kind.HOLIDAY


def test_admin_list_shows_the_weekday_of_each_entry(admin_client_only):
    CalendarDay.objects.create(date=date(2027, 1, 9), kind=CalendarDay.Kind.WORKDAY, name="2027 春节")
    response = admin_client_only.get("/admin/core/calendarday/")
    assert response.status_code == 200
    assert "周六" in response.content.decode()
