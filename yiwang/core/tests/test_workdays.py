import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from yiwang.core import workdays
from yiwang.core.models import CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


@pytest.mark.django_db
def test_national_day_2025_is_skipped():
    # reference.md §6: find_workday(5, 2025-09-30) -> 2025-10-14.
    assert workdays.add_workdays(at(2025, 9, 30), 5).date() == dt.date(2025, 10, 14)


@pytest.mark.django_db
def test_make_up_saturday_counts_as_workday():
    assert workdays.is_workday(dt.date(2025, 9, 28))  # Sunday, 调休上班
    assert not workdays.is_workday(dt.date(2025, 10, 1))


@pytest.mark.django_db
def test_deadline_ends_at_close_of_office_and_start_day_not_counted():
    deadline = workdays.add_workdays(at(2026, 11, 20, 16), 1)  # Friday afternoon
    assert deadline == at(2026, 11, 23, 17, 30)  # Monday close of office


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2003, 2100])
def test_year_neither_official_nor_computable_raises(year):
    with pytest.raises(workdays.CalendarUndefined) as err:
        workdays.is_workday(dt.date(year, 3, 3))
    assert str(year) in err.value.message


@pytest.mark.django_db
def test_admin_declared_year_and_overrides():
    CalendarYear.objects.create(year=2031, source="测试通知")
    CalendarDay.objects.create(date=dt.date(2031, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=dt.date(2031, 1, 4), kind=CalendarDay.Kind.WORKDAY, name="调休")
    assert not workdays.is_workday(dt.date(2031, 1, 1))  # Wednesday holiday
    assert workdays.is_workday(dt.date(2031, 1, 4))  # Saturday make-up
    assert workdays.is_workday(dt.date(2031, 1, 6))  # ordinary Monday
    assert not workdays.is_workday(dt.date(2031, 1, 5))  # ordinary Sunday


@pytest.mark.django_db
def test_local_override_inside_package_years():
    day = dt.date(2026, 11, 24)
    assert workdays.is_workday(day)
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="本地调整")
    assert not workdays.is_workday(day)


@pytest.mark.django_db
def test_work_hours_skip_lunch_and_night():
    # 11:00 + 2 working hours: 1h until 12:00, then 13:30 -> 14:30.
    assert workdays.add_work_hours(at(2026, 11, 23, 11), 2) == at(2026, 11, 23, 14, 30)
    # Friday 17:00 + 1h: 30 min Friday, 30 min Monday morning.
    assert workdays.add_work_hours(at(2026, 11, 20, 17), 1) == at(2026, 11, 23, 9, 0)


@pytest.mark.django_db
def test_workdays_between_counts_office_time_only():
    assert workdays.workdays_between(at(2026, 11, 20, 8, 30), at(2026, 11, 23, 17, 30)) == 2.0
    assert workdays.workdays_between(at(2026, 11, 23, 17, 30), at(2026, 11, 20)) == 0.0


@pytest.mark.django_db
def test_deadline_for_units():
    start = at(2026, 11, 23, 10)
    assert workdays.deadline_for(start, 30, "minutes") == at(2026, 11, 23, 10, 30)
    assert workdays.deadline_for(start, 2, "days") == at(2026, 11, 25, 10)
    with pytest.raises(ValueError):
        workdays.deadline_for(start, 1, "fortnights")
