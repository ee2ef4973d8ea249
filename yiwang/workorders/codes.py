"""Work-order codes WT<yyyymmdd>-<nnnn> (工单编号): one gapless counter per day."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from yiwang.workorders.models import WorkOrderSequence


def _bump_sequence_returning(day: dt.date) -> int | None:
    """`UPDATE … SET last = last + 1 … RETURNING last` in one round trip (PostgreSQL, SQLite
    ≥ 3.35); None when the day has no row yet."""
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(WorkOrderSequence._meta.db_table)} SET {qn('last')} = {qn('last')} + 1 "
        f"WHERE {qn('day')} = %s RETURNING {qn('last')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    return row[0] if row else None


def _supports_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def next_order_code(day: dt.date) -> str:
    """WT<yyyymmdd>-<nnnn>: a per-day counter bumped with a row-locking UPDATE inside the
    creating transaction (race-safe on PostgreSQL and SQLite: a second creator waits for the
    row lock, or for SQLite's write lock); the first order of a day inserts the row, and a
    racing first insert loses on the primary key and bumps instead."""
    number = None
    if _supports_returning():
        number = _bump_sequence_returning(day)
    elif WorkOrderSequence.objects.filter(day=day).update(last=F("last") + 1):
        number = WorkOrderSequence.objects.values_list("last", flat=True).get(day=day)
    if number is None:
        try:
            with transaction.atomic():
                WorkOrderSequence.objects.create(day=day, last=1)
            number = 1
        except IntegrityError:
            WorkOrderSequence.objects.filter(day=day).update(last=F("last") + 1)
            number = WorkOrderSequence.objects.values_list("last", flat=True).get(day=day)
    return f"WT{day:%Y%m%d}-{number:04d}"
