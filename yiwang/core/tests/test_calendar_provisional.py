"""The provisional calendar (预估日历) for years nobody has entered, and entering a year from the
State Council's notice (one row per day, by Excel)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from openpyxl import Workbook

from yiwang.core import services, workdays
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditEvent, CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_agree_with_the_official_years(year):
    """Our rules give 13 days (放假办法 Art. 2), each a day off in the State Council's notice."""
    festivals = workdays.statutory_holidays(year)
    days = [day for days in festivals.values() for day in days]
    assert len(days) == 13
    for day in days:
        assert chinese_calendar.is_holiday(day), day


def test_2027_lunar_festivals_and_days_in_lieu():
    holidays = workdays.provisional_holidays(2027)
    # 春节 2027-02-06 (正月初一): 除夕 02-05 … 初三 02-08; 02-06/07 fall on the weekend.
    for day in (D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)):
        assert holidays[day] == "春节"
    assert holidays[D(2027, 2, 9)] == holidays[D(2027, 2, 10)] == "春节补假"
    assert holidays[D(2027, 4, 5)] == "清明节"
    assert holidays[D(2027, 6, 9)] == "端午节"
    assert holidays[D(2027, 9, 15)] == "中秋节"
    # 劳动节 05-01/02 is a weekend: made up on Monday and Tuesday (Art. 6).
    assert holidays[D(2027, 5, 3)] == holidays[D(2027, 5, 4)] == "劳动节补假"
    assert D(2027, 5, 5) not in holidays


def test_mid_autumn_on_national_day_is_made_up():
    """2028: 中秋 is 10-03, inside 国庆; 10-01 is a Sunday: two days in lieu, 10-04 and 10-05."""
    holidays = workdays.provisional_holidays(2028)
    assert {D(2028, 10, d) for d in range(1, 6)} <= set(holidays)
    assert D(2028, 10, 6) not in holidays
    # 12 distinct statutory days (中秋 shares 10-03) and 4 in lieu: 01-01 is a Saturday, 端午
    # 05-28 a Sunday, 国庆 10-01 a Sunday, and 中秋's overlap.
    assert len(holidays) == 12 + 4


@pytest.mark.django_db
def test_unentered_year_counts_on_the_provisional_calendar():
    assert workdays.year_basis(2027) == workdays.Basis.PROVISIONAL
    assert workdays.year_basis(2026) == workdays.Basis.OFFICIAL
    assert not workdays.is_workday(D(2027, 1, 1))  # 元旦, a Friday
    assert workdays.is_workday(D(2027, 1, 4))
    # From Thursday 2026-12-31: 01-01 off, weekend, so the 1st working day is 2027-01-04.
    assert workdays.add_workdays(at(2026, 12, 31), 1).date() == D(2027, 1, 4)


@pytest.mark.django_db
def test_deadline_is_provisional_only_when_it_reaches_an_unentered_year():
    start = at(2026, 12, 20)
    due = workdays.deadline_for(start, 15, workdays.TimeUnit.WORK_DAYS)
    assert due.year == 2027
    assert workdays.is_provisional(start, due, workdays.TimeUnit.WORK_DAYS)
    inside = workdays.deadline_for(at(2026, 11, 2), 15, workdays.TimeUnit.WORK_DAYS)
    assert not workdays.is_provisional(at(2026, 11, 2), inside, workdays.TimeUnit.WORK_DAYS)
    # Calendar days and clock hours never consult holidays (行政处罚法 Art. 85: 15/90 days).
    natural = workdays.deadline_for(start, 90, workdays.TimeUnit.DAYS)
    assert not workdays.is_provisional(start, natural, workdays.TimeUnit.DAYS)


@pytest.mark.django_db
def test_admin_is_warned_until_the_year_is_entered(admin_client, client, django_user_model):
    from yiwang.core.context_processors import calendar_warning

    admin = django_user_model.objects.get(username="admin")
    assert "2027年" in calendar_warning_on(admin, D(2026, 12, 6))
    assert calendar_warning_on(admin, D(2026, 6, 1)) == ""  # 2027 is still far away
    plain = django_user_model.objects.create_user("clerk", password="x")
    assert calendar_warning(plain) == ""
    from unittest import mock

    from yiwang.core import context_processors

    with mock.patch.object(context_processors.timezone, "localdate", return_value=D(2026, 12, 6)):
        assert "2027年的节假日安排尚未录入" in admin_client.get("/admin/").content.decode()
        client.force_login(plain)
        assert "节假日安排尚未录入" not in client.get("/admin/login/").content.decode()


def calendar_warning_on(user, today):
    from unittest import mock

    from yiwang.core import context_processors

    with mock.patch.object(context_processors.timezone, "localdate", return_value=today):
        return context_processors.calendar_warning(user)


def notice_rows(year=2027, *, extra=(), drop=()):
    """The days of a 2027 notice as an administrator would type them (header row first)."""
    rows = [("日期", "类型", "名称")]
    for day, name in sorted(workdays.provisional_holidays(year).items()):
        if day not in drop:
            rows.append((day, "放假", name))
    rows += list(extra)
    return rows


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_entering_a_year_makes_it_official_with_its_make_up_days(admin_user):
    rows = notice_rows(extra=[(D(2027, 2, 20), "上班", "春节调休")])
    entry = services.calendar_year_enter(
        actor=admin_user,
        year=2027,
        source="国务院办公厅关于2027年部分节假日安排的通知",
        rows=services.calendar_rows_from_xlsx(xlsx(rows)),
    )
    assert workdays.year_basis(2027) == workdays.Basis.OFFICIAL
    assert workdays.is_workday(D(2027, 2, 20))  # a Saturday, 调休上班
    assert not workdays.is_workday(D(2027, 2, 9))
    assert CalendarDay.objects.filter(date__year=2027).count() == len(rows) - 1
    event = AuditEvent.objects.get(action="calendar.year_enter")
    assert event.target_id == str(entry.pk) and event.after["workdays"] == 1
    assert workdays.years_needing_entry(D(2026, 12, 6)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rows, message",
    [
        ([("日子", "类型", "名称")], "表头"),
        (notice_rows(extra=[("2027-13-01", "放假", "")]), "无法识别"),
        (notice_rows(extra=[(D(2026, 12, 31), "放假", "")]), "不在 2027 年内"),
        (notice_rows(extra=[(D(2027, 3, 3), "请假", "")]), "类型应为"),
        (notice_rows(extra=[(D(2027, 3, 3), "上班", "")]), "本来就上班"),
        (notice_rows(extra=[(D(2027, 1, 1), "放假", "元旦")]), "重复"),
        (notice_rows(drop={D(2027, 9, 15)}), "中秋节"),
    ],
)
def test_a_wrong_notice_is_refused_whole_with_the_row(admin_user, rows, message):
    with pytest.raises(ValidationFailed) as err:
        services.calendar_year_enter(
            actor=admin_user,
            year=2027,
            source="通知",
            rows=services.calendar_rows_from_xlsx(xlsx(rows)),
        )
    text = err.value.message + "".join(err.value.fields.get("rows", []))
    text += "".join(err.value.fields.get("file", []))
    assert message in text
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.django_db
def test_a_damaged_file_is_refused_in_chinese():
    with pytest.raises(ValidationFailed) as err:
        services.calendar_rows_from_xlsx(b"PK\x03\x04 not really a workbook")
    assert "xlsx" in err.value.message


@pytest.mark.django_db
def test_admin_imports_the_notice_from_excel(admin_client):
    page = admin_client.get("/admin/core/calendaryear/import/")
    assert page.status_code == 200 and "导入年度放假安排" in page.content.decode()
    template = admin_client.get("/admin/core/calendaryear/template/2027/")
    assert template.status_code == 200
    upload = io.BytesIO(xlsx(notice_rows()))
    upload.name = "2027.xlsx"
    response = admin_client.post(
        "/admin/core/calendaryear/import/",
        {"year": 2027, "source": "国务院办公厅通知", "file": upload},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    bad = io.BytesIO(xlsx(notice_rows(drop={D(2027, 1, 1)})))
    bad.name = "2028.xlsx"
    response = admin_client.post(
        "/admin/core/calendaryear/import/", {"year": 2027, "source": "再次导入", "file": bad}
    )
    assert response.status_code == 200
    assert "元旦" in response.content.decode()
    assert CalendarYear.objects.get(year=2027).source == "国务院办公厅通知"  # unchanged
