"""SLA colours and the sweep (`yiwang sla-sweep`)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from yiwang.workorders import services as sv
from yiwang.workorders.models import WorkOrder, WorkOrderEvent
from yiwang.workorders.services import sla
from yiwang.workorders.tests.conftest import IN_A, MONDAY, TZ

pytestmark = pytest.mark.django_db
S = WorkOrder.Status


def hotline(world, **kwargs):
    args = {
        "actor": None,
        "reporter": world.users["resident"],
        "channel": "hotline_12345",
        "description": "车库住人",
        "lon": IN_A[0],
        "lat": IN_A[1],
        "category": "90001",
        "reported_at": MONDAY,
    }
    args.update(kwargs)
    return sv.work_order_create(**args)


def at(day, hour, minute=0):
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=TZ)


def test_colours_follow_working_time(world, rules):
    order = hotline(world)  # Mon 09:00, 3 working days → Thu 17:30, yellow from Thu 10:06
    assert order.sla_at(at(1, 10)) == "green"
    assert order.sla_at(at(4, 10, 5)) == "green"
    assert order.sla_at(at(4, 10, 6)) == "yellow"
    assert order.sla_at(at(4, 17, 30)) == "yellow"
    assert order.sla_at(at(4, 17, 31)) == "red"
    triage = hotline(world, category=None)
    assert triage.sla_at(at(9, 9)) is None


def test_wall_clock_limits_use_wall_clock_fractions(world, rules):
    sv.responsibility_rule_save(
        actor=world.users["admin"],
        category="06029",
        primary_department=world.department,
        limit_value=2,
        limit_unit="hours",
    )
    order = hotline(world, category="06029", reported_at=at(6, 20))  # a Saturday evening
    assert order.deadline == at(6, 22)
    assert order.yellow_at == at(6, 21, 36)


def test_finished_orders_keep_the_colour_of_their_handling(world, rules):
    order = hotline(world)
    order = sv.work_order_accept(actor=world.users["zhifa"], order=order, version=1)
    order = sv.work_order_complete(
        actor=world.users["zhifa"],
        order=order,
        version=2,
        note="ok",
        no_photo_reason="现场不便拍照",
    )
    # completed now (2026-11 or later), long after the June deadline
    assert order.completed_on_time is False and order.sla == "red"


def test_sweep_marks_yellow_then_red_once(world, rules):
    order = hotline(world)
    other = hotline(world, category="06001")  # 15 working days: still green
    assert sv.work_order_sla_sweep(now=at(2, 9)) == {"red": 0, "yellow": 0, "skipped": 0}
    assert sv.work_order_sla_sweep(now=at(4, 11)) == {"red": 0, "yellow": 1, "skipped": 0}
    order.refresh_from_db()
    assert order.sla_level == "yellow" and not order.supervised and order.version == 1
    assert sv.work_order_sla_sweep(now=at(4, 12)) == {"red": 0, "yellow": 0, "skipped": 0}
    assert sv.work_order_sla_sweep(now=at(5, 9)) == {"red": 1, "yellow": 0, "skipped": 0}
    assert sv.work_order_sla_sweep(now=at(5, 10)) == {"red": 0, "yellow": 0, "skipped": 0}
    order.refresh_from_db()
    assert order.sla_level == "red" and order.supervised and order.supervise_count == 1
    sla_events = order.events.filter(action__startswith="sla").order_by("at")
    assert list(sla_events.values_list("action", flat=True)) == ["sla_warning", "sla_overdue"]
    assert other.events.filter(action__startswith="sla").count() == 0


def test_sweep_skips_green_straight_to_red_and_ignores_closed(world, rules):
    late = hotline(world)
    triage = hotline(world, category=None)
    cancelled = sv.work_order_cancel(actor=world.users["dispatcher"], order=triage, version=1)
    assert sv.work_order_sla_sweep(now=at(10, 9)) == {"red": 1, "yellow": 0, "skipped": 0}
    assert late.events.filter(action="sla_warning").count() == 0
    assert cancelled.events.filter(action__startswith="sla").count() == 0


def test_sweep_compare_and_set_loses_to_a_concurrent_change(world, rules, monkeypatch):
    """The sweep read the order as open; before it writes, the department completes it: the
    guarded UPDATE matches nothing and no event is written."""
    order = hotline(world)
    sv.work_order_accept(actor=world.users["zhifa"], order=order, version=1)
    original = sv._sweep_mark

    def racing(pk, status, old, new, now):
        WorkOrder.objects.filter(pk=pk).update(status=S.COMPLETED)  # someone else's write
        return original(pk, status, old, new, now)

    monkeypatch.setattr(sla, "_sweep_mark", racing)
    assert sv.work_order_sla_sweep(now=at(10, 9)) == {"red": 0, "yellow": 0, "skipped": 1}
    assert not WorkOrderEvent.objects.filter(order=order, action="sla_overdue").exists()


def test_extension_moves_deadline_and_warning(world, rules):
    from django.utils import timezone

    order = hotline(world, reported_at=timezone.now() - dt.timedelta(hours=1), category="06001")
    order = sv.work_order_accept(actor=world.users["zhifa"], order=order, version=1)
    old_deadline, old_yellow = order.deadline, order.yellow_at
    order = sv.work_order_extend_request(
        actor=world.users["zhifa"], order=order, version=2, value=10, unit="work_days", reason="x"
    )
    order = sv.work_order_extend_decide(
        actor=world.users["dispatcher"], order=order, version=3, approve=True
    )
    assert order.deadline > old_deadline + dt.timedelta(days=10)
    assert old_yellow < order.yellow_at < order.deadline
    assert order.sla == "green" and order.sla_level == "green"


def test_sla_sweep_command_prints_json(world, rules):
    hotline(world)
    out = io.StringIO()
    call_command("sla_sweep", stdout=out)
    first = json.loads(out.getvalue())
    assert first["red"] == 1
    out = io.StringIO()
    call_command("sla_sweep", stdout=out)
    assert json.loads(out.getvalue()) == {"red": 0, "yellow": 0, "skipped": 0}
