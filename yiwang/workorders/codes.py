"""Work-order codes WT<yyyymmdd>-<nnnn> (工单编号), numbered per report day.

PostgreSQL: one database sequence per day (`workorders_code_<yyyymmdd>`). `nextval` takes no
lock that lasts to the commit, so any number of creators number orders at the same time (the
old per-day counter row was locked by each creating transaction until its commit, which
queued every writer behind one row: 109 orders/s with 4 workers). The sequence is created on
first use of its day (`CREATE SEQUENCE IF NOT EXISTS`, starting past any number the day
already has) or ahead of time by the worker (`prepare_order_code_sequences`).

SQLite (one writer at a time anyway): the `WorkOrderSequence` counter row, bumped inside the
creating transaction.

Codes are unique but NOT gapless: on PostgreSQL a creating transaction that rolls back has
still used its number (sequences are not transactional), so a day may read -0007, -0009.
That is acceptable for work-order codes, which are tracking numbers; they are not 公文 numbers
(`core.numbering` gives those, gapless, under its own lock). Past 9,999 orders a day the
number takes five digits (WT20261206-10000).
"""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connection, transaction

from yiwang.workorders.models import WorkOrder, WorkOrderSequence

SEQUENCE_PREFIX = "workorders_code_"


def format_code(day: dt.date, number: int) -> str:
    return f"WT{day:%Y%m%d}-{number:04d}"


def next_order_code(day: dt.date) -> str:
    """The next code of `day`; call it inside the creating transaction."""
    return allot_order_codes(day, 1)[0]


def allot_order_codes(day: dt.date, n: int) -> list[str]:
    """`n` new codes of `day`, in increasing order (consecutive on SQLite; on PostgreSQL
    possibly interleaved with other creators' codes)."""
    if n <= 0:
        return []
    if connection.vendor == "postgresql":
        numbers = _sequence_numbers(day, n)
    else:
        numbers = _counter_numbers(day, n)
    return [format_code(day, k) for k in numbers]


# --- PostgreSQL: one sequence per day -------------------------------------------------------


def sequence_name(day: dt.date) -> str:
    return f"{SEQUENCE_PREFIX}{day:%Y%m%d}"


def _sequence_numbers(day: dt.date, n: int) -> list[int]:
    """One round trip when the day's sequence exists: `nextval(to_regclass(name))` is NULL
    (not an error, which would abort the caller's transaction) when it does not."""
    sql = "SELECT nextval(to_regclass(%s)) FROM generate_series(1, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [sequence_name(day), n])
        numbers = [row[0] for row in cursor.fetchall()]
        if numbers[0] is None:
            ensure_sequence(day)
            cursor.execute(sql, [sequence_name(day), n])
            numbers = [row[0] for row in cursor.fetchall()]
    return sorted(numbers)


def ensure_sequence(day: dt.date) -> bool:
    """Create the sequence of `day` if it is missing, starting past the highest number the
    day already has (orders numbered by the counter before this change, history imports).
    Returns True if this call created it.

    Two first creators of a day race on the catalogue: the loser's CREATE waits for the
    winner's commit and then fails on pg_class's unique index; the savepoint keeps the
    caller's transaction usable and the loser then uses the winner's sequence."""
    name = sequence_name(day)
    qn = connection.ops.quote_name
    start = highest_number(day) + 1
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NULL", [name])
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS {qn(name)} AS bigint MINVALUE 1 START {int(start)}"
            )
    except DatabaseError:  # a concurrent creator committed the same sequence first
        return False
    return True


def highest_number(day: dt.date) -> int:
    """The highest number already used on `day`, by an order or by the counter row."""
    prefix = f"WT{day:%Y%m%d}-"
    codes = WorkOrder.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    tails = (code[len(prefix) :] for code in codes.iterator())
    in_orders = max((int(tail) for tail in tails if tail.isdigit()), default=0)
    counted = WorkOrderSequence.objects.filter(day=day).values_list("last", flat=True).first()
    return max(in_orders, counted or 0)


def prepare_order_code_sequences(days_ahead: int = 2) -> list[str]:
    """Worker task: create today's and the next days' sequences ahead, so no creator pays
    for the catalogue write. A no-op on SQLite. Returns the names it created."""
    if connection.vendor != "postgresql":
        return []
    from django.utils import timezone

    today = timezone.localdate()
    created = []
    for offset in range(days_ahead + 1):
        day = today + dt.timedelta(days=offset)
        if ensure_sequence(day):
            created.append(sequence_name(day))
    return created


# --- SQLite (and any other backend): the counter row ------------------------------------------


def _counter_numbers(day: dt.date, n: int) -> list[int]:
    """Bump the day's `WorkOrderSequence` row by n inside the caller's transaction (SQLite
    takes its write lock at BEGIN IMMEDIATE, so creators are serialised anyway); the first
    use of a day inserts the row past the day's highest code, and a racing first insert loses
    on the primary key."""
    last = _bump(day, n)
    if last is None:
        try:
            with transaction.atomic():
                last = highest_number(day) + n
                WorkOrderSequence.objects.create(day=day, last=last)
        except DatabaseError:
            last = _bump(day, n)
    return list(range(last - n + 1, last + 1))


def _bump(day: dt.date, n: int) -> int | None:
    """`UPDATE … SET last = last + n … RETURNING last`; None when the day has no row yet."""
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(WorkOrderSequence._meta.db_table)} SET {qn('last')} = {qn('last')} + %s "
        f"WHERE {qn('day')} = %s RETURNING {qn('last')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [n, connection.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    return row[0] if row else None
