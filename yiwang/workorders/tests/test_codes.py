"""Order codes (工单编号): unique under concurrent creators, per day, without a queue on one
row on PostgreSQL (a sequence per day), five digits past 9,999, and past numbers a day
already has."""

from __future__ import annotations

import datetime as dt
import random
import re
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from yiwang.workorders.codes import (
    allot_order_codes,
    ensure_sequence,
    next_order_code,
    prepare_order_code_sequences,
    sequence_name,
)
from yiwang.workorders.models import WorkOrderSequence

CODE = re.compile(r"^WT\d{8}-\d{4,}$")
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="sequences per day are PostgreSQL's numbering"
)


def drop_sequences(*days: dt.date) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for day in days:
                cursor.execute(f'DROP SEQUENCE IF EXISTS "{sequence_name(day)}"')


@pytest.mark.django_db
def test_codes_continue_past_the_counter_and_take_five_digits_past_9999():
    """A day whose counter (the numbering before sequences) reached 9,998 goes on at 9,999,
    then 10,000: on SQLite the counter itself, on PostgreSQL the sequence created past it."""
    day = dt.date(2031, 5, 6)
    WorkOrderSequence.objects.create(day=day, last=9998)
    codes = allot_order_codes(day, 2) + [next_order_code(day)]
    assert codes == ["WT20310506-9999", "WT20310506-10000", "WT20310506-10001"]
    assert next_order_code(dt.date(2031, 5, 7)) == "WT20310507-0001"


@pytest.mark.django_db
def test_a_day_with_orders_goes_on_after_its_highest_code(world, rules, report):
    first = report()
    day = dt.date.fromisoformat(f"{first.code[2:6]}-{first.code[6:8]}-{first.code[8:10]}")
    drop_sequences(day)  # PostgreSQL: as if the day's orders were numbered before sequences
    WorkOrderSequence.objects.filter(day=day).delete()  # SQLite: as if the row were lost
    second = report()
    assert int(second.code.split("-")[1]) == int(first.code.split("-")[1]) + 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_get_unique_codes_including_the_first_of_the_day():
    """8 connections number at once on a day that has no sequence yet (they race to create
    it); a third of the transactions roll back. Every committed code is unique."""
    day = dt.date(2031, 6, 7)
    committed: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)
    lock = threading.Lock()

    class Rollback(Exception):
        pass

    def creator(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(15):
                try:
                    with transaction.atomic():
                        codes = allot_order_codes(day, rng.choice([1, 1, 3]))
                        if rng.random() < 1 / 3:
                            raise Rollback
                except Rollback:
                    continue
                with lock:
                    committed.extend(codes)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=creator, args=(i,)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        assert committed and len(committed) == len(set(committed))
        assert all(CODE.match(code) and code.startswith("WT20310607-") for code in committed)
    finally:
        drop_sequences(day)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_creator_does_not_wait_for_another_creators_commit():
    """With the counter row, B's numbering waited for A's commit (A held the row lock);
    with the day's sequence B numbers and commits while A is still open."""
    day = dt.date(2031, 6, 8)
    assert ensure_sequence(day) is True and ensure_sequence(day) is False
    a_numbered, a_may_commit = threading.Event(), threading.Event()
    b_done = threading.Event()
    codes: dict[str, str] = {}

    def a() -> None:
        try:
            with transaction.atomic():
                codes["a"] = next_order_code(day)
                a_numbered.set()
                a_may_commit.wait(15)
        finally:
            connection.close()

    def b() -> None:
        try:
            a_numbered.wait(15)
            with transaction.atomic():
                codes["b"] = next_order_code(day)
            b_done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    try:
        for thread in threads:
            thread.start()
        finished_while_a_open = b_done.wait(10)
        a_may_commit.set()
        for thread in threads:
            thread.join(20)
        assert finished_while_a_open, "B queued behind A's open transaction"
        assert codes == {"a": "WT20310608-0001", "b": "WT20310608-0002"}
    finally:
        drop_sequences(day)


@pytest.mark.django_db
def test_the_worker_prepares_the_coming_days_once():
    created = prepare_order_code_sequences(days_ahead=2)
    if connection.vendor == "postgresql":
        today = timezone.localdate()
        days = [today + dt.timedelta(days=k) for k in range(3)]
        assert created == [sequence_name(day) for day in days]
        assert prepare_order_code_sequences(days_ahead=2) == []
    else:
        assert created == []  # SQLite numbers with the counter row
