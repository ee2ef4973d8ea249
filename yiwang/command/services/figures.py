"""The screen's daily figures (大屏日汇总): rebuilt whole by the worker every few minutes.

A derived cache, not a record: it holds nothing that is not recounted from the orders at each
build, so it writes no audit event (the orders' own events are the record)."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from yiwang.command import figures
from yiwang.command.models import OrderDayCategory, OrderDayFigures, OrderFiguresBuild
from yiwang.workorders.models import WorkOrder

BATCH = 2000


def order_figures_rebuild(*, now: dt.datetime | None = None) -> dict:
    """Count every order into its community's days up to yesterday and replace the stored
    days in one transaction (readers see the old build or the new one, never half)."""
    now = now or timezone.now()
    started = time.perf_counter()
    through = timezone.localdate(now) - dt.timedelta(days=1)
    first = _first_day(now)
    facts, categories = ({}, {}) if first is None or first > through else (
        figures.count_days(WorkOrder.objects.all(), first, through, now)
    )  # fmt: skip
    columns = ["day", "community", *figures.SUMS]
    rows = [
        (day.isoformat(), community, *(values.get(k, 0) for k in figures.SUMS))
        for (day, community), values in facts.items()
    ]
    cats = [
        (day.isoformat(), community, category, n)
        for (day, community, category), n in categories.items()
    ]
    with transaction.atomic():
        OrderDayFigures.objects.all().delete()
        OrderDayCategory.objects.all().delete()
        # Plain INSERTs: tens of thousands of model instances cost seconds of Python.
        _insert(OrderDayFigures, columns, rows)
        _insert(OrderDayCategory, ["day", "community", "category_id", "n"], cats)
        OrderFiguresBuild.objects.all().delete()
        seconds = round(time.perf_counter() - started, 3)
        OrderFiguresBuild.objects.create(through=through, built_at=now, seconds=seconds)
    return {"through": through.isoformat(), "days": len(rows), "seconds": seconds}


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for i in range(0, len(rows), BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", rows[i : i + BATCH]
            )


def _first_day(now) -> dt.date | None:
    """The earliest local day any counted timestamp of any order falls on."""
    from django.db.models import Min

    row = WorkOrder.objects.aggregate(
        *[Min(f) for f in ("reported_at", "deadline", "archived_at", "rated_at")]
    )
    days = [timezone.localdate(v) for v in row.values() if v is not None]
    return min(days) if days else None
