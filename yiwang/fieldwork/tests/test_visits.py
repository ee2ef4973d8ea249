"""Household visits (敲门聚心): due lists, recording, needs as work orders, coverage."""

from __future__ import annotations

import pytest
from django.utils import timezone

from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.fieldwork import rounds, selectors
from yiwang.fieldwork.models import HouseholdAssignment, Visit, VisitNeed
from yiwang.fieldwork.services import household_assign, visit_record
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def _in_round(plan, number, day_offset=3):
    window = rounds.round_window(plan, number)
    return timezone.make_aware(
        timezone.datetime.combine(window.start, timezone.datetime.min.time())
    ) + timezone.timedelta(days=day_offset)


def test_rounds_follow_calendar_months():
    from yiwang.fieldwork.models import VisitPlan

    plan = VisitPlan(start_date=timezone.datetime(2026, 1, 31).date(), cycle_months=2)
    assert rounds.round_window(plan, 2).start.isoformat() == "2026-03-31"
    assert rounds.round_number(plan, timezone.datetime(2026, 3, 30).date()) == 1
    assert rounds.round_number(plan, timezone.datetime(2026, 3, 31).date()) == 2
    assert rounds.round_number(plan, timezone.datetime(2025, 12, 31).date()) == 0


def test_due_list_marks_due_overdue_and_leaves_out_visited(homes):
    sp, plan = homes.specialist, homes.plan
    current = rounds.current_round(plan).number
    # a1: visited last round → due now; a2: never visited → overdue; a3: visited now → absent.
    visit_record(actor=sp, household=homes.a1, visited_at=_in_round(plan, current - 1))
    visit_record(actor=sp, household=homes.a3, lon=120.007, lat=31.005)
    rows = {r["household"]["id"]: r for r in selectors.visit_due_list(user=sp)}
    assert homes.a3.pk not in rows
    assert rows[homes.a1.pk]["state"] == "due"
    assert rows[homes.a1.pk]["due"] == rounds.current_round(plan).last_day
    assert rows[homes.a2.pk]["state"] == "overdue"
    assert rows[homes.a2.pk]["due"] == rounds.round_window(plan, current - 1).last_day
    assert rows[homes.a2.pk]["household"]["address"] == "测试路A-2号"


def test_due_list_near_me_sorts_by_distance(homes):
    rows = selectors.visit_due_list(user=homes.specialist, near=(120.0071, 31.005))
    assert [r["household"]["code"] for r in rows][:3] == ["A-3", "A-2", "A-1"]
    assert rows[0]["distance_m"] < 20
    assert rows[-1]["household"]["code"] == "C-1"


def test_visit_near_the_house_is_not_flagged(homes):
    visit = visit_record(
        actor=homes.specialist, household=homes.a1, lon=120.0051, lat=31.0050, accuracy_m=8
    )
    assert visit.location_flag == ""
    assert 5 < visit.distance_m < 15
    assert HouseholdAssignment.objects.get(household=homes.a1).last_visit_on == timezone.localdate()


def test_visit_far_from_the_house_is_flagged_with_distance(homes):
    visit = visit_record(
        actor=homes.specialist, household=homes.a1, lon=120.0100, lat=31.0050, accuracy_m=10
    )
    assert 450 < visit.distance_m < 500
    assert "定位点距住户约 4" in visit.location_flag and "超过 200 米" in visit.location_flag


def test_need_becomes_a_linked_work_order(homes, world):
    visit = visit_record(
        actor=homes.specialist,
        household=homes.a2,
        lon=120.006,
        lat=31.005,
        notes="老人独居，身体尚可",
        met="户主",
        needs=[{"description": "楼下车库有人居住，存在消防隐患", "category": "90001"}],
    )
    need = VisitNeed.objects.get(visit=visit)
    order = need.work_order
    assert order.description.endswith("车库有人居住，存在消防隐患")
    assert order.status == WorkOrder.Status.DISPATCHED
    assert order.primary_department == world.department
    assert order.grid.code == world.regions["A"].code


def test_bad_need_saves_nothing(homes):
    with pytest.raises(ValidationFailed) as err:
        visit_record(
            actor=homes.specialist,
            household=homes.a2,
            needs=[{"description": "路灯坏了"}, {"description": "x", "category": "nope"}],
        )
    assert "needs[1].category" in err.value.fields
    assert Visit.objects.count() == 0
    assert WorkOrder.objects.count() == 0
    assert HouseholdAssignment.objects.get(household=homes.a2).visit_count == 0


def test_paper_visit_keeps_its_real_date_and_the_latest_visit(homes):
    plan, sp = homes.plan, homes.specialist
    visit_record(actor=sp, household=homes.a1, lon=120.005, lat=31.005)
    earlier = _in_round(plan, 1)
    paper = visit_record(actor=sp, household=homes.a1, visited_at=earlier.isoformat(), notes="纸质")
    assert paper.source == Visit.Source.PAPER
    assert paper.round_number == 1
    assert paper.location_flag == ""
    assignment = HouseholdAssignment.objects.get(household=homes.a1)
    assert assignment.last_visit_on == timezone.localdate()
    assert assignment.visit_count == 2


@pytest.mark.parametrize(
    "visited_at,field",
    [("2999-01-01T09:00:00+08:00", "visited_at"), ("yesterday", "visited_at")],
)
def test_visit_times_in_the_future_or_malformed_are_refused(homes, visited_at, field):
    with pytest.raises(ValidationFailed) as err:
        visit_record(actor=homes.specialist, household=homes.a1, visited_at=visited_at)
    assert field in err.value.fields
    assert Visit.objects.count() == 0


def test_household_out_of_scope_answers_not_found(homes, world):
    # 网格员乙 works grid B; a1 is in grid A and not given to them.
    with pytest.raises(NotFound):
        visit_record(actor=world.users["grid_b"], household=homes.a1)
    # 网格员甲 works grid A: may visit a1 without being its 包联 worker.
    assert visit_record(actor=world.users["grid_a"], household=homes.a1).pk


def test_only_field_workers_may_be_assigned(homes, world):
    with pytest.raises(ValidationFailed):
        household_assign(actor=world.users["admin"], households=[homes.a1],
                         worker=world.users["zhifa"])  # fmt: skip


def test_coverage_per_worker_grid_and_community(homes, world):
    sp, plan = homes.specialist, homes.plan
    visit_record(actor=sp, household=homes.a1, lon=120.005, lat=31.005)
    visit_record(actor=sp, household=homes.c1, lon=120.005, lat=31.015)
    cov = selectors.visit_coverage(user=world.users["leader"])
    assert (cov["total"], cov["visited"], cov["rate"]) == (4, 2, 0.5)
    grids = {g["key"]: (g["total"], g["visited"]) for g in cov["by_grid"]}
    assert grids == {world.regions["A"].code: (3, 1), world.regions["C"].code: (1, 1)}
    communities = {c["name"]: c["rate"] for c in cov["by_community"]}
    assert communities == {"东社区": round(1 / 3, 4), "西社区": 1.0}
    assert cov["by_worker"][0]["name"] == "党群专员"
    assert cov["rounds_completed"] == 0
    # Round 1 fully visited (from paper), round 2 only half: one round completed.
    for household in (homes.a1, homes.a2, homes.a3, homes.c1):
        visit_record(actor=sp, household=household, visited_at=_in_round(plan, 1))
    visit_record(actor=sp, household=homes.a1, visited_at=_in_round(plan, 2))
    cov = selectors.visit_coverage(user=world.users["leader"], round_number=1)
    assert (cov["visited"], cov["rate"], cov["rounds_completed"]) == (4, 1.0, 1)


def test_coverage_is_scoped(homes, world):
    visit_record(actor=homes.specialist, household=homes.a1, lon=120.005, lat=31.005)
    mine = selectors.visit_coverage(user=world.users["grid_a"])
    assert (mine["total"], mine["visited"]) == (3, 1)
    assert selectors.visit_coverage(user=world.users["resident"])["total"] == 0
