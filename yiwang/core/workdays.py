"""Working-day arithmetic on China's official calendar (工作日计算).

Sources of truth, in order:
1. the admin-edited `CalendarDay` overrides (local 调休, or the days of a year an administrator
   entered from the State Council's yearly notice, `CalendarYear`);
2. the chinese-calendar package (statutory holidays and make-up workdays 2004-2026);
3. for a later year nobody has entered yet, a provisional calendar (预估日历) computed from the
   rules of 《全国年节及纪念日放假办法》 (2024 amendment, in force from 2025): weekends, the 13
   statutory holiday days (Art. 2) with the lunar dates of 春节, 清明, 端午 and 中秋 from
   lunar-python, and a weekday in lieu for a holiday on a Saturday or Sunday (Art. 6). The
   make-up working days (调休上班) are unknown until the notice is published, so every deadline
   that reaches into such a year is marked provisional (预估) and recomputed when the year is
   entered (`calendar_year_entered`).
A year that is neither official nor computable (before 2004, or outside the lunar tables) raises
`CalendarUndefined`: never a silent guess.

Counting follows the general period rule (民事诉讼法 Art. 85, used by analogy): the starting day
is not counted, so "N working days from a report" ends at the close of office on the N-th working
day after the day of the report. Working-hour (工作时) limits count only office hours on working
days (`YIWANG_OFFICE_HOURS`, default 08:30-12:00,13:30-17:30).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone
from lunar_python import Lunar

from yiwang.core.errors import ServiceError

CACHE_SECONDS = 60

# The 2024 amendment of 《全国年节及纪念日放假办法》 applies from 2025 (国务院令第795号); the lunar
# tables of lunar-python are exact well past 2099, which is far enough for any deadline.
PROVISIONAL_FIRST_YEAR = 2025
PROVISIONAL_LAST_YEAR = 2099

# Sent (sender=None, years=[...]) inside the transaction that entered a year's official days, so
# that the apps holding deadlines recompute the provisional ones that reach into those years.
calendar_year_entered = Signal()


class CalendarUndefined(ServiceError):
    """No holiday data for a year: an administrator must enter it (节假日调整) first."""

    status = 503
    code = "calendar_undefined"


class Basis:
    """Where a year's working days come from."""

    OFFICIAL = "official"  # chinese-calendar, or entered by an administrator
    PROVISIONAL = "provisional"  # computed from the holiday rules, make-up workdays unknown


class TimeUnit:
    MINUTES = "minutes"
    HOURS = "hours"
    WORK_HOURS = "work_hours"
    WORK_DAYS = "work_days"
    DAYS = "days"
    CHOICES = [
        (MINUTES, "分钟"),
        (HOURS, "小时"),
        (WORK_HOURS, "工作时"),
        (WORK_DAYS, "工作日"),
        (DAYS, "自然日"),
    ]


@dataclass(frozen=True)
class _Overrides:
    days: dict  # date -> True (working) / False (holiday)
    years: frozenset  # years declared complete by an administrator
    loaded_at: float


_lock = threading.Lock()
_cache: _Overrides | None = None


def invalidate_cache() -> None:
    """Called when CalendarDay or CalendarYear rows change (signals in core.apps)."""
    global _cache
    with _lock:
        _cache = None
    _package_is_workday.cache_clear()


def _overrides() -> _Overrides:
    global _cache
    cached = _cache
    if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
        return cached
    from yiwang.core.models import CalendarDay, CalendarYear

    days = {
        d: kind == CalendarDay.Kind.WORKDAY
        for d, kind in CalendarDay.objects.values_list("date", "kind")
    }
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    fresh = _Overrides(days=days, years=years, loaded_at=time.monotonic())
    with _lock:
        _cache = fresh
    return fresh


@lru_cache(maxsize=20000)
def _package_is_workday(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@lru_cache(maxsize=256)
def _package_knows(year: int) -> bool:
    return _package_is_workday(dt.date(year, 6, 30)) is not None


def _spring_festival(year: int) -> dt.date:
    solar = Lunar.fromYmd(year, 1, 1).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_day(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> dict[str, list[dt.date]]:
    """The 13 days of 全体公民放假的节日 in `year` (《全国年节及纪念日放假办法》 Art. 2, 2024)."""
    spring = _spring_festival(year)
    return {
        "元旦": [dt.date(year, 1, 1)],
        "春节": [spring + dt.timedelta(days=i) for i in range(-1, 3)],  # 除夕、初一至初三
        "清明节": [_qingming(year)],
        "劳动节": [dt.date(year, 5, 1), dt.date(year, 5, 2)],
        "端午节": [_lunar_day(year, 5, 5)],
        "中秋节": [_lunar_day(year, 8, 15)],
        "国庆节": [dt.date(year, 10, d) for d in (1, 2, 3)],
    }


@lru_cache(maxsize=128)
def provisional_holidays(year: int) -> dict[dt.date, str]:
    """Holidays of a provisional year: the statutory days (Art. 2) and a weekday in lieu, right
    after the festival, for each of them that falls on a Saturday or Sunday (Art. 6: 适逢星期六、
    星期日，应当在工作日补假) or on a day already off for another festival (中秋 on 国庆, as in
    2020). The State Council's 调休 (make-up working days) is not guessed."""
    if not PROVISIONAL_FIRST_YEAR <= year <= PROVISIONAL_LAST_YEAR:
        raise _undefined(year)
    holidays: dict[dt.date, str] = {}
    owed: dict[str, int] = {}
    for name, days in statutory_holidays(year).items():
        owed[name] = 0
        for day in days:
            if day.weekday() >= 5 or day in holidays:
                owed[name] += 1
            holidays.setdefault(day, name)
    for name, days in statutory_holidays(year).items():
        day = max(days)
        for _ in range(owed[name]):
            day += dt.timedelta(days=1)
            while day.weekday() >= 5 or day in holidays:
                day += dt.timedelta(days=1)
            holidays[day] = f"{name}补假"
    return holidays


def _undefined(year: int) -> CalendarUndefined:
    return CalendarUndefined(
        f"{year}年的节假日安排尚未录入，且不在可按放假办法推算的年份内，无法计算工作日。"
        "请管理员在“节假日年度”中导入该年的放假安排。",
        fields={"year": [str(year)]},
    )


def year_basis(year: int) -> str:
    """`Basis.OFFICIAL` or `Basis.PROVISIONAL` for `year`; CalendarUndefined when neither."""
    if year in _overrides().years or _package_knows(year):
        return Basis.OFFICIAL
    if PROVISIONAL_FIRST_YEAR <= year <= PROVISIONAL_LAST_YEAR:
        return Basis.PROVISIONAL
    raise _undefined(year)


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day (工作日), on the official or the provisional calendar."""
    ov = _overrides()
    if day in ov.days:
        return ov.days[day]
    if day.year in ov.years:
        return day.weekday() < 5
    known = _package_is_workday(day)
    if known is not None:
        return known
    if day.year < PROVISIONAL_FIRST_YEAR:
        raise _undefined(day.year)
    return day.weekday() < 5 and day not in provisional_holidays(day.year)


def provisional_years_between(start: dt.datetime, end: dt.datetime) -> list[int]:
    """The provisional years whose days a count from `start` to `end` consults."""
    first, last = sorted((_aware(start).date().year, _aware(end).date().year))
    return [y for y in range(first, last + 1) if year_basis(y) == Basis.PROVISIONAL]


CALENDAR_UNITS = frozenset({TimeUnit.WORK_DAYS, TimeUnit.WORK_HOURS})


def is_provisional(start: dt.datetime, deadline: dt.datetime, unit: str) -> bool:
    """Whether a deadline counted in `unit` from `start` rests on a provisional calendar (预估):
    calendar-day and clock units never do."""
    return unit in CALENDAR_UNITS and bool(provisional_years_between(start, deadline))


def deadline_with_basis(start: dt.datetime, value: float, unit: str) -> tuple[dt.datetime, bool]:
    """(deadline, provisional): `deadline_for`, and whether it rests on a provisional year."""
    deadline = deadline_for(start, value, unit)
    return deadline, is_provisional(start, deadline, unit)


def years_needing_entry(today: dt.date, horizon_days: int = 62) -> list[int]:
    """Provisional years that deadlines set from today may reach: the admin is warned of these
    until the year's official days are entered (the notice usually comes in November)."""
    last = today + dt.timedelta(days=horizon_days)
    years = []
    for year in range(today.year, last.year + 1):
        try:
            if year_basis(year) == Basis.PROVISIONAL:
                years.append(year)
        except CalendarUndefined:
            years.append(year)
    return years


def next_workday(day: dt.date, *, include_self: bool = False) -> dt.date:
    if include_self and is_workday(day):
        return day
    day += dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@lru_cache(maxsize=8)
def _parse_office_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    spans = []
    for part in spec.split(","):
        start, end = part.strip().split("-")
        spans.append((dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
    return tuple(spans)


def office_hours() -> tuple[tuple[dt.time, dt.time], ...]:
    return _parse_office_hours(settings.YIWANG_OFFICE_HOURS)


def office_seconds_per_day() -> float:
    return sum(
        (dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s)).total_seconds()
        for s, e in office_hours()
    )


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return value.replace(tzinfo=local_tz())
    return value.astimezone(local_tz())


def close_of_office(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, office_hours()[-1][1], tzinfo=local_tz())


def add_workdays(start: dt.datetime, days: int) -> dt.datetime:
    """The close of office on the `days`-th working day after the day of `start`."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = _aware(start).date()
    if days == 0:
        return close_of_office(next_workday(day, include_self=True))
    for _ in range(days):
        day = next_workday(day)
    return close_of_office(day)


def add_work_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """`start` plus `hours` of office time on working days (工作时)."""
    remaining = dt.timedelta(hours=hours)
    cursor = _aware(start)
    day = cursor.date()
    while True:
        if is_workday(day):
            for s, e in office_hours():
                span_start = dt.datetime.combine(day, s, tzinfo=local_tz())
                span_end = dt.datetime.combine(day, e, tzinfo=local_tz())
                begin = max(span_start, cursor)
                if begin >= span_end:
                    continue
                available = span_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        cursor = dt.datetime.combine(day, dt.time.min, tzinfo=local_tz())


def deadline_for(start: dt.datetime, value: float, unit: str) -> dt.datetime:
    """The deadline `value` `unit`s after `start` (a rule's 处置时限)."""
    start = _aware(start)
    if unit == TimeUnit.MINUTES:
        return start + dt.timedelta(minutes=value)
    if unit == TimeUnit.HOURS:
        return start + dt.timedelta(hours=value)
    if unit == TimeUnit.DAYS:
        return start + dt.timedelta(days=value)
    if unit == TimeUnit.WORK_HOURS:
        return add_work_hours(start, value)
    if unit == TimeUnit.WORK_DAYS:
        return add_workdays(start, int(value))
    raise ValueError(f"unknown time unit {unit!r}")


def working_seconds_between(start: dt.datetime, end: dt.datetime) -> float:
    """Office seconds on working days between two instants (0 if end <= start)."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0.0
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_workday(day):
            for s, e in office_hours():
                span_start = max(dt.datetime.combine(day, s, tzinfo=local_tz()), start)
                span_end = min(dt.datetime.combine(day, e, tzinfo=local_tz()), end)
                if span_end > span_start:
                    total += (span_end - span_start).total_seconds()
        day += dt.timedelta(days=1)
    return total


def workdays_between(start: dt.datetime, end: dt.datetime) -> float:
    """Elapsed working days (fractional, office time) between two instants: for KPIs."""
    return working_seconds_between(start, end) / office_seconds_per_day()
