"""Duplicate detection at intake (疑似重复): flagged only within the radius, the time window,
open states and the similarity threshold; merge settles the flags; the dispatcher dismisses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, Forbidden, NotFound
from yiwang.core.models import AuditEvent
from yiwang.triage.duplicates import distance_m, duplicate_flag_dismiss, likely_duplicates
from yiwang.triage.models import DuplicateFlag
from yiwang.workorders import services as sv
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.tests.conftest import IN_A

pytestmark = pytest.mark.django_db
TEXT = "青剑湖花园 12 幢车库有人居住，存在消防隐患"
SAME = "青剑湖花园12幢车库有人住，有消防隐患！"
OTHER = "学校门口早晚高峰机动车乱停放，堵塞交通"
METRE_LAT = 1 / 111_195  # degrees of latitude per metre


def north(metres: float) -> float:
    return IN_A[1] + metres * METRE_LAT


def flags_of(order):
    return list(DuplicateFlag.objects.filter(order=order))


def test_similar_report_nearby_is_flagged_against_the_open_order(report):
    first = report(description=TEXT)
    second = report(description=SAME, lat=north(50))
    [flag] = flags_of(second)
    assert flag.candidate_id == first.pk and flag.status == DuplicateFlag.Status.OPEN
    assert 0.5 <= flag.similarity < 1 and flag.distance_m == pytest.approx(50, abs=1)
    assert flags_of(first) == []


def candidates(order) -> set[int]:
    return {f.candidate_id for f in flags_of(order)}


@pytest.mark.parametrize(
    "dx, dy, flagged",
    [
        (0, 190, True),
        (0, 260, False),
        (176, 176, False),  # inside the bounding box, outside the circle (249 m)
        (-130, 130, True),  # 184 m
    ],
)
def test_only_within_the_radius(report, dx, dy, flagged):
    first = report(description=TEXT)
    lon = IN_A[0] + dx * METRE_LAT / 0.8572  # cos(31.005°)
    second = report(description=TEXT, lat=north(dy), lon=lon)
    assert candidates(second) == ({first.pk} if flagged else set())


def test_the_radius_follows_the_setting(report, settings):
    settings.YIWANG_TRIAGE_DUPLICATE_RADIUS_M = 300
    first = report(description=TEXT)
    assert candidates(report(description=TEXT, lat=north(260))) == {first.pk}
    settings.YIWANG_TRIAGE_DUPLICATE_RADIUS_M = 0  # off
    assert flags_of(report(description=TEXT)) == []


def test_only_within_the_time_window(report):
    now = timezone.now()

    def hotline(days_ago, lat):
        return report(
            actor=None,
            channel=WorkOrder.Channel.HOTLINE,
            description=TEXT,
            lat=lat,
            reported_at=now - dt.timedelta(days=days_ago),
        )

    hotline(8, IN_A[1])
    recent = hotline(6, north(300))
    assert candidates(report(description=SAME)) == set()  # 8 days ago
    assert candidates(report(description=SAME, lat=north(300))) == {recent.pk}
    # A backdated report is compared with what came after it, too.
    assert candidates(hotline(13, north(300))) == {recent.pk}


def test_only_open_orders_and_similar_text(report):
    closed = report(description=TEXT)
    cancelled = report(description=TEXT)
    merged = report(description=TEXT)
    still_open = report(description=TEXT, lat=north(100))
    for order, status in [(closed, "archived"), (cancelled, "cancelled"), (merged, "merged")]:
        WorkOrder.objects.filter(pk=order.pk).update(status=status)
    assert candidates(report(description=SAME)) == {still_open.pk}
    assert candidates(report(description=OTHER)) == set()  # unrelated text


def test_at_most_the_best_three_are_flagged(report):
    for i in range(5):
        report(description=TEXT if i % 2 else SAME, lat=north(10 * i))
    flags = flags_of(report(description=TEXT))
    assert len(flags) == 3 and flags[0].similarity == 1.0
    assert [f.similarity for f in flags] == sorted((f.similarity for f in flags), reverse=True)


def test_no_point_no_check(report):
    report(description=TEXT)
    order = report(description=TEXT, lon=None, lat=None, address="青剑湖花园 12 幢")
    assert flags_of(order) == []


def test_one_query_to_find_candidates(report, django_assert_num_queries):
    first = report(description=TEXT)
    with django_assert_num_queries(1):
        found = likely_duplicates(
            description=OTHER, lon=first.lon, lat=first.lat, reported_at=first.reported_at
        )
    assert found == []


def test_the_check_reads_before_the_creating_transaction(report):
    """Nothing similar: the report writes no flag and takes no savepoint for one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report(description=TEXT)
    with CaptureQueriesContext(connection) as captured:
        order = report(description=OTHER)
    sqls = [q["sql"] for q in captured.captured_queries]
    assert flags_of(order) == []
    check = next(i for i, s in enumerate(sqls) if "BETWEEN" in s)
    table = WorkOrder._meta.db_table
    insert = next(i for i, s in enumerate(sqls) if s.startswith(f'INSERT INTO "{table}"'))
    assert check < insert
    assert not any(s.startswith("SAVEPOINT") for s in sqls[insert:])  # none taken for flags


def test_a_failing_check_never_stops_a_report(report, monkeypatch, caplog):
    from yiwang.triage import duplicates

    def broken(**kwargs):
        WorkOrder.objects.raw("SELECT no_such_column FROM no_such_table")[0]  # a database error

    monkeypatch.setattr(duplicates, "likely_duplicates", broken)
    order = report(description=TEXT)
    assert WorkOrder.objects.filter(pk=order.pk).exists()
    assert order.status == WorkOrder.Status.DISPATCHED
    assert "duplicate check failed" in caplog.text


def test_a_failing_flag_insert_never_stops_a_report(report, monkeypatch, caplog):
    from yiwang.triage import duplicates

    report(description=TEXT)

    def broken(order, found):
        WorkOrder.objects.raw("SELECT no_such_column FROM no_such_table")[0]  # a database error

    monkeypatch.setattr(duplicates, "duplicate_flags_create", broken)
    order = report(description=SAME)
    assert WorkOrder.objects.filter(pk=order.pk).exists()
    assert "not stored" in caplog.text


def test_merge_settles_the_flags(world, report):
    first = report(description=TEXT)
    second = report(description=SAME)
    sv.work_order_merge(
        actor=world.users["dispatcher"],
        order=second.pk,
        version=WorkOrder.objects.get(pk=second.pk).version,
        into=first.pk,
    )
    [flag] = flags_of(second)
    assert flag.status == DuplicateFlag.Status.MERGED
    assert flag.decided_by == world.users["dispatcher"] and flag.decided_at is not None


def test_dispatcher_dismisses_a_flag_once(world, report):
    report(description=TEXT)
    [flag] = flags_of(report(description=SAME))
    with pytest.raises(Forbidden):
        duplicate_flag_dismiss(actor=world.users["grid_a"], flag=flag.pk)
    with pytest.raises(NotFound):
        duplicate_flag_dismiss(actor=world.users["grid_b"], flag=flag.pk)  # grid B: not visible
    audits = AuditEvent.objects.filter(action="triage.duplicate.dismiss")
    done = duplicate_flag_dismiss(actor=world.users["dispatcher"], flag=flag.pk)
    assert done.status == DuplicateFlag.Status.DISMISSED
    assert done.decided_by == world.users["dispatcher"] and audits.count() == 1
    with pytest.raises(Conflict):
        duplicate_flag_dismiss(actor=world.users["dispatcher"], flag=flag.pk)


def test_distance():
    assert distance_m(120.0, 31.0, 120.0, 31.0) == 0
    assert distance_m(120.0, 31.0, 120.0, 31.001) == pytest.approx(111.2, abs=0.1)
