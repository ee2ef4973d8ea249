"""Patrols (巡查): batches of GPS fixes, honest gaps, flagged fixes, reports, coverage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.errors import Conflict, NotFound, ValidationFailed
from yiwang.fieldwork import selectors
from yiwang.fieldwork.geo import distance_m
from yiwang.fieldwork.models import Patrol, PatrolPoint
from yiwang.fieldwork.services import patrol_end, patrol_points_add, patrol_report, patrol_start
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

LAT = 31.005
STEP = 0.0001  # about 9.5 m of longitude at 31° N


def fixes(start: dt.datetime, n: int, *, lon0=120.001, every=5, step=STEP):
    return [
        {"lon": lon0 + i * step, "lat": LAT, "accuracy_m": 5,
         "at": (start + dt.timedelta(seconds=i * every)).isoformat()}
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def patrol(world):
    p = patrol_start(actor=world.users["grid_a"], lon=120.001, lat=LAT)
    Patrol.objects.filter(pk=p.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    p.refresh_from_db()
    return p


def test_start_locates_the_grid_and_refuses_a_second_patrol(world, patrol):
    assert patrol.region_code == world.regions["A"].code
    with pytest.raises(Conflict):
        patrol_start(actor=world.users["grid_a"])


def test_points_measure_distance_and_a_resend_changes_nothing(world, patrol):
    start = patrol.started_at + dt.timedelta(minutes=1)
    batch = fixes(start, 11)
    result = patrol_points_add(actor=world.users["grid_a"], patrol=patrol, points=batch)
    expected = distance_m(120.001, LAT, 120.001 + 10 * STEP, LAT)
    assert result["accepted"] == 11 and result["rejected"] == []
    assert result["distance_m"] == pytest.approx(expected, abs=0.5)
    again = patrol_points_add(actor=world.users["grid_a"], patrol=patrol, points=batch)
    assert (again["accepted"], again["duplicates"]) == (0, 11)
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 11
    assert again["distance_m"] == result["distance_m"]


def test_lost_signal_is_a_gap_not_a_line(world, patrol):
    user, start = world.users["grid_a"], patrol.started_at + dt.timedelta(minutes=1)
    patrol_points_add(actor=user, patrol=patrol, points=fixes(start, 3))
    later = start + dt.timedelta(minutes=10)  # 10 minutes without signal, 300 m further
    patrol_points_add(actor=user, patrol=patrol, points=fixes(later, 3, lon0=120.004))
    ended = patrol_end(actor=user, patrol=patrol)
    assert len(ended.gaps) == 1 and ended.gaps[0]["seconds"] == 590
    assert ended.distance_m == pytest.approx(4 * distance_m(0, LAT, STEP, LAT), abs=0.5)
    assert ended.duration_s >= 3600
    track = selectors.patrol_track(ended)
    assert [len(segment) for segment in track] == [3, 3]


def test_out_of_order_and_impossible_speed_are_flagged_and_kept(world, patrol):
    user, start = world.users["grid_a"], patrol.started_at + dt.timedelta(minutes=1)
    patrol_points_add(actor=user, patrol=patrol, points=fixes(start, 3))
    old = {"lon": 120.0011, "lat": LAT, "at": (start + dt.timedelta(seconds=1)).isoformat()}
    jump = {"lon": 120.02, "lat": LAT, "at": (start + dt.timedelta(seconds=20)).isoformat()}
    vague = {"lon": 120.0013, "lat": LAT, "at": (start + dt.timedelta(seconds=25)).isoformat(),
             "accuracy_m": 800}  # fmt: skip
    good = {"lon": 120.0013, "lat": LAT, "at": (start + dt.timedelta(seconds=30)).isoformat()}
    result = patrol_points_add(actor=user, patrol=patrol, points=[jump, old, good, vague])
    reasons = {r["index"]: r["reason"] for r in result["rejected"]}
    assert reasons == {0: "too_fast", 1: "out_of_order", 3: "inaccurate"}
    assert result["accepted"] == 1
    assert PatrolPoint.objects.filter(patrol=patrol).exclude(flag="").count() == 3
    assert result["distance_m"] == pytest.approx(distance_m(120.001, LAT, 120.0013, LAT), abs=0.5)


def test_future_fix_is_flagged(world, patrol):
    future = timezone.now() + dt.timedelta(hours=2)
    result = patrol_points_add(actor=world.users["grid_a"], patrol=patrol, points=fixes(future, 1))
    assert result["rejected"][0]["reason"] == "out_of_time"


@pytest.mark.parametrize(
    "points,field",
    [
        ([], "points"),
        ([{"lon": "x", "lat": 31, "at": "2026-01-01T00:00:00+08:00"}], "points[0].lon"),
        ([{"lon": 120, "lat": 31, "at": "soon"}], "points[0].at"),
        ([{"lon": 120, "lat": 95, "at": "2026-01-01T00:00:00+08:00"}], "points[0].lat"),
    ],
)
def test_malformed_batches_change_nothing(world, patrol, points, field):
    with pytest.raises(ValidationFailed) as err:
        patrol_points_add(actor=world.users["grid_a"], patrol=patrol, points=points)
    assert field in err.value.fields
    assert PatrolPoint.objects.count() == 0


def test_someone_elses_patrol_is_not_found(world, patrol):
    with pytest.raises(NotFound):
        patrol_points_add(
            actor=world.users["grid_b"], patrol=patrol, points=fixes(timezone.now(), 1)
        )


def test_report_during_patrol_is_linked_and_ended_patrol_refuses(world, patrol, rules):
    user = world.users["grid_a"]
    patrol_points_add(actor=user, patrol=patrol,
                      points=fixes(patrol.started_at + dt.timedelta(minutes=1), 2))  # fmt: skip
    order = patrol_report(
        actor=user, patrol=patrol, description="路边机动车乱停放", category="09009"
    )
    assert order.channel == WorkOrder.Channel.PATROL
    assert order.patrol_report.patrol_id == patrol.pk
    assert order.lon == pytest.approx(120.001 + STEP)
    patrol_end(actor=user, patrol=patrol)
    with pytest.raises(Conflict):
        patrol_points_add(actor=user, patrol=patrol, points=fixes(timezone.now(), 1))
    with pytest.raises(Conflict):
        patrol_report(actor=user, patrol=patrol, description="再报一个")
    share = selectors.patrol_found_share(
        user=world.users["leader"], start=timezone.localdate(), end=timezone.localdate()
    )
    assert (share["total"], share["patrol"], share["rate"]) == (1, 1, 1.0)


def test_grid_coverage_per_week(world, patrol):
    user, start = world.users["grid_a"], patrol.started_at + dt.timedelta(minutes=1)
    # A walk along the grid's southern edge: 0.01° of longitude = 10 cells of 0.001°.
    patrol_points_add(actor=user, patrol=patrol,
                      points=fixes(start, 21, lon0=120.0001, step=0.0005, every=10))  # fmt: skip
    today = timezone.localdate()
    week = today - dt.timedelta(days=today.weekday())
    if timezone.localdate(start) < week:  # the patrol began last week (Monday after midnight)
        week -= dt.timedelta(days=7)
    cov = selectors.patrol_grid_coverage(user=user, grid=world.regions["A"], week_start=week)
    assert cov["cells"] == 100
    assert cov["covered"] == 10
    other = selectors.patrol_grid_coverage(user=world.users["grid_b"], grid=world.regions["A"],
                                           week_start=week)  # fmt: skip
    assert other["covered"] == 0
