"""Working-day arithmetic on China's official calendar (工作日计算).

Sources of truth, in order: the admin-edited `CalendarDay` overrides (local 调休, or years the
package does not know), then the chinese-calendar package (statutory holidays and make-up
workdays 2004-2026), and for a year neither covers, `CalendarUndefined`: never a silent guess.

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
from django.utils import timezone

from yiwang.core.errors import ServiceError

CACHE_SECONDS = 60


class CalendarUndefined(ServiceError):
    """No holiday data for a year: an administrator must enter it (节假日调整) first."""

    status = 503
    code = "calendar_undefined"


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


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day (工作日). Raises CalendarUndefined for an unknown year."""
    ov = _overrides()
    if day in ov.days:
        return ov.days[day]
    if day.year in ov.years:
        return day.weekday() < 5
    known = _package_is_workday(day)
    if known is None:
        raise CalendarUndefined(
            f"{day.year}年的节假日安排尚未录入，无法计算工作日。请管理员在“节假日年度”中录入。",
            fields={"year": [str(day.year)]},
        )
    return known


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
