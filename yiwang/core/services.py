"""Writes of the kernel: entering a year's official holiday arrangement (节假日年度录入).

The State Council's yearly notice (国务院办公厅关于某年部分节假日安排的通知) is entered as one
row per day: each day off (放假) and each make-up working day (调休上班). Entering a year makes
it official, replaces any days entered for it before, and tells the apps that hold deadlines to
recompute the provisional ones reaching into it (`workdays.calendar_year_entered`).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.db import transaction

from yiwang.core import workdays
from yiwang.core.audit import audit_record
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import CalendarDay, CalendarYear

KIND_WORDS = {
    "放假": CalendarDay.Kind.HOLIDAY,
    "休息": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "上班": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
}
HEADERS = ("日期", "类型", "名称")
MAX_ROWS = 400  # a year has at most 366 days; a longer sheet is not a holiday notice
SOURCE_MAX = 200


@dataclass(frozen=True)
class DayRow:
    date: dt.date
    kind: str
    name: str


def _cell_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def calendar_rows_from_xlsx(data: bytes) -> list[tuple[int, object, object, object]]:
    """(Excel row number, 日期, 类型, 名称) of the first sheet; the header is row 1."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ValidationFailed(
            "文件不是有效的 .xlsx 表格，请用模板填写后上传。", fields={"file": [str(exc)[:200]]}
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())][:3]
        if tuple(header) != HEADERS:
            raise ValidationFailed(
                "表头应为：日期、类型、名称（第一行）。",
                fields={"file": [f"第1行是：{'、'.join(header) or '空'}"]},
            )
        out = []
        for number, row in enumerate(rows, start=2):
            cells = (tuple(row) + (None, None, None))[:3]
            if all(c in (None, "") for c in cells):
                continue
            if len(out) >= MAX_ROWS:
                raise ValidationFailed(
                    f"行数超过 {MAX_ROWS} 行，不是一年的放假安排。", fields={"file": ["行数过多"]}
                )
            out.append((number, *cells))
        return out
    except ValidationFailed:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise ValidationFailed(
            "表格内容无法读取，请用模板重新填写。", fields={"file": [str(exc)[:200]]}
        ) from None
    finally:
        book.close()


def parse_calendar_rows(year: int, rows) -> list[DayRow]:
    """Check every row of a year's notice; any error refuses the whole file (nothing changes)."""
    errors: list[str] = []
    days: dict[dt.date, DayRow] = {}
    for number, date_cell, kind_cell, name_cell in rows:
        day = _cell_date(date_cell)
        kind = KIND_WORDS.get(str(kind_cell or "").strip())
        name = str(name_cell or "").strip()[:50]
        if day is None:
            errors.append(f"第{number}行：日期“{date_cell}”无法识别（应为 {year}-01-01 格式）")
        elif day.year != year:
            errors.append(f"第{number}行：{day} 不在 {year} 年内")
        elif kind is None:
            errors.append(f"第{number}行：类型应为“放假”或“上班”，而不是“{kind_cell or ''}”")
        elif day in days:
            errors.append(f"第{number}行：{day} 重复")
        elif kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
            errors.append(f"第{number}行：{day} 是周一至周五，本来就上班，不是调休上班日")
        else:
            days[day] = DayRow(day, kind, name)
    if not errors:
        errors += _missing_statutory_days(year, days)
    if errors:
        raise ValidationFailed(
            f"{year}年放假安排有 {len(errors)} 处错误，未导入任何内容。", fields={"rows": errors}
        )
    return sorted(days.values(), key=lambda r: r.date)


def _missing_statutory_days(year: int, days: dict[dt.date, DayRow]) -> list[str]:
    """Every statutory day (放假办法 Art. 2) is a day off in any year's notice: a file without one
    is the wrong year or a typo."""
    if not workdays.PROVISIONAL_FIRST_YEAR <= year <= workdays.PROVISIONAL_LAST_YEAR:
        return []
    missing = []
    for name, statutory in workdays.statutory_holidays(year).items():
        for day in statutory:
            row = days.get(day)
            if row is None or row.kind != CalendarDay.Kind.HOLIDAY:
                missing.append(f"缺少法定节假日：{day}（{name}）应为“放假”")
    return missing


@transaction.atomic
def calendar_year_enter(*, actor, year, source: str, rows) -> CalendarYear:
    """节假日年度录入: make `year` official from its notice's rows (see `parse_calendar_rows`)."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed("年份应为四位数字。", fields={"year": ["如 2027"]}) from None
    if not 2004 <= year <= 2200:
        raise ValidationFailed("年份超出范围。", fields={"year": ["2004～2200"]})
    source = str(source or "").strip()
    if not source:
        raise ValidationFailed(
            "请填写依据，如“国务院办公厅关于2027年部分节假日安排的通知”。",
            fields={"source": ["必填"]},
        )
    if len(source) > SOURCE_MAX:
        raise ValidationFailed("依据过长。", fields={"source": [f"不超过 {SOURCE_MAX} 字"]})
    days = parse_calendar_rows(year, rows)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    before = CalendarDay.objects.filter(date__range=(first, last)).count()
    CalendarDay.objects.filter(date__range=(first, last)).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=r.date, kind=r.kind, name=r.name) for r in days
    )
    entry, created = CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    workdays.invalidate_cache()
    transaction.on_commit(workdays.invalidate_cache)
    audit_record(
        actor=actor,
        action="calendar.year_enter",
        target=entry,
        before={"days": before, "official": not created},
        after={
            "holidays": sum(r.kind == CalendarDay.Kind.HOLIDAY for r in days),
            "workdays": sum(r.kind == CalendarDay.Kind.WORKDAY for r in days),
            "source": source,
        },
    )
    workdays.calendar_year_entered.send(sender=CalendarYear, years=[year], actor=actor)
    return entry


def calendar_template_rows(year: int) -> list[tuple[dt.date, str, str]]:
    """Rows for the import template: the provisional holidays of `year`, to be corrected from
    the notice (add its 调休上班 days and the days joined to each festival)."""
    if not workdays.PROVISIONAL_FIRST_YEAR <= year <= workdays.PROVISIONAL_LAST_YEAR:
        return []
    return [
        (day, "放假", name) for day, name in sorted(workdays.provisional_holidays(year).items())
    ]
