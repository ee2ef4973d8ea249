"""Deadlines that reach into a year whose holidays are not entered yet: counted on the
provisional calendar (预估), shown as such, and counted again when the year is entered."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from yiwang.core import services as core_services
from yiwang.core import workdays
from yiwang.workorders import services as sv
from yiwang.workorders.models import WorkOrder, WorkOrderEvent
from yiwang.workorders.tests.conftest import IN_A, TZ

pytestmark = pytest.mark.django_db
S = WorkOrder.Status
WINTER = dt.datetime(2026, 12, 20, 9, 0, tzinfo=TZ)  # a Sunday: 15 working days reach 2027


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Now is an hour after each report (a 12345 report may not lie in the future)."""
    from django.utils import timezone

    state = {"now": WINTER + dt.timedelta(hours=1)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


@pytest.fixture
def building_rule(world):
    """06001 私搭乱建 → 综合行政执法局, 15 working days; 2027 is NOT declared here."""
    return sv.responsibility_rule_save(
        actor=world.users["admin"],
        category="06001",
        primary_department=world.department,
        limit_value=15,
        limit_unit="work_days",
    )


def hotline_order(world, reported_at=WINTER):
    return sv.work_order_create(
        actor=None,
        reporter=world.users["resident"],
        channel="hotline_12345",
        description="小区楼顶私自搭建彩钢板房",
        lon=IN_A[0],
        lat=IN_A[1],
        category="06001",
        reported_at=reported_at,
    )


def enter_2027(admin, extra=()):
    rows = [(1, day, "放假", name) for day, name in workdays.provisional_holidays(2027).items()]
    rows += [(len(rows) + 2 + i, *row) for i, row in enumerate(extra)]
    core_services.calendar_year_enter(
        actor=admin, year=2027, source="国务院办公厅关于2027年部分节假日安排的通知", rows=rows
    )


def test_an_order_reaching_into_an_unentered_year_is_dispatched_with_a_provisional_deadline(
    world, building_rule
):
    order = hotline_order(world)
    assert order.status == S.DISPATCHED  # not dropped to manual triage
    # 12-21 … 12-31 are 9 working days; 2027-01-01 (元旦) is off; 6 more: 01-04 … 01-11.
    assert order.deadline.astimezone(TZ).date() == dt.date(2027, 1, 11)
    assert order.deadline_provisional
    assert (order.limit_value, order.limit_unit) == (15, "work_days")


def test_an_order_inside_the_official_calendar_is_not_provisional(world, building_rule):
    order = hotline_order(world, reported_at=dt.datetime(2026, 11, 2, 9, tzinfo=TZ))
    assert not order.deadline_provisional


def test_the_api_and_the_order_page_say_provisional(world, building_rule, client_for):
    order = hotline_order(world)
    body = client_for(world.users["dispatcher"]).get(f"/api/v1/workorders/{order.pk}/").json()
    assert body["deadline_provisional"] is True
    from django.test import Client

    web = Client()
    web.force_login(world.users["dispatcher"])
    page = web.get(f"/wo/{order.pk}/")
    assert page.status_code == 200
    assert "（预估）" in page.content.decode()


def test_entering_the_year_recomputes_open_deadlines(world, building_rule):
    order = hotline_order(world)
    version = order.version
    # The notice adds a make-up Saturday (2027-01-09) that moves the 15th working day earlier.
    enter_2027(world.users["admin"], extra=[(dt.date(2027, 1, 9), "上班", "调休")])
    order.refresh_from_db()
    assert order.deadline.astimezone(TZ).date() == dt.date(2027, 1, 9)
    assert not order.deadline_provisional
    assert order.version == version + 1
    event = order.events.get(action=WorkOrderEvent.Action.DEADLINE_RECOMPUTE)
    assert event.data["old_deadline"].startswith("2027-01-11")
    assert "2027年放假安排已录入" in event.note


def test_a_finished_order_is_not_recomputed(world, building_rule):
    order = hotline_order(world)
    WorkOrder.objects.filter(pk=order.pk).update(status=S.ARCHIVED)
    enter_2027(world.users["admin"], extra=[(dt.date(2027, 1, 9), "上班", "调休")])
    order.refresh_from_db()
    assert order.deadline_provisional  # judged on the calendar it was closed under
    assert not order.events.filter(action=WorkOrderEvent.Action.DEADLINE_RECOMPUTE).exists()


def test_an_approved_extension_is_replayed_on_the_official_calendar(world, building_rule):
    order = hotline_order(world)
    dept = world.users["zhifa"]
    order = sv.work_order_accept(actor=dept, order=order, version=order.version)
    order = sv.work_order_extend_request(
        actor=dept, order=order, version=order.version, value=5, unit="work_days", reason="取证"
    )
    order = sv.work_order_extend_decide(
        actor=world.users["dispatcher"], order=order, version=order.version, approve=True
    )
    assert order.deadline.astimezone(TZ).date() == dt.date(2027, 1, 18)
    assert order.deadline_provisional
    enter_2027(world.users["admin"], extra=[(dt.date(2027, 1, 9), "上班", "调休")])
    order.refresh_from_db()
    # 15 working days end on 01-09 (make-up Saturday); 5 more: 01-11 … 01-15.
    assert order.deadline.astimezone(TZ).date() == dt.date(2027, 1, 15)
    assert not order.deadline_provisional


def test_a_year_beyond_the_rules_still_goes_to_manual_triage(world, building_rule, clock):
    reported = dt.datetime(2099, 12, 28, 9, tzinfo=TZ)
    clock["now"] = reported + dt.timedelta(hours=1)
    order = hotline_order(world, reported_at=reported)
    assert order.status == S.TRIAGE and order.triage_reason == "calendar_undefined"


def xlsx_bytes(rows):
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
