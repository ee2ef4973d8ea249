"""The demo street's week of patrols (巡查): tracks inside the grids, a signal gap, reports
found on patrol, so the weekly coverage and the found-by-patrol share have figures."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone
from shapely.geometry import Point, shape

pytestmark = pytest.mark.django_db


def test_demo_week_of_patrols(world, rules):
    from yiwang.fieldwork import demo, selectors
    from yiwang.fieldwork.models import Patrol, PatrolPoint
    from yiwang.grids.geometry import load_json

    counts = demo._patrols(random.Random(1), username="grid_a")
    assert counts["workers"] == 2 and counts["patrols"] == 2 * demo.PATROL_DAYS
    assert counts["gaps"] == 1 and counts["reports"] == 2
    patrols = Patrol.objects.select_related("grid", "worker")
    assert {p.worker.username for p in patrols} == {"grid_a", "gridworker2"}
    assert all(p.status == "ended" and p.distance_m > 500 for p in patrols)
    days = {timezone.localtime(p.started_at).date() for p in patrols}
    # one a day; just after midnight today's patrol (ending now) began yesterday
    assert len(days) >= demo.PATROL_DAYS - 1
    for p in patrols:  # every fix lies inside the patroller's own grid
        geom = shape(load_json(p.grid.geojson))
        fixes = PatrolPoint.objects.filter(patrol=p).values_list("lon", "lat")
        assert all(geom.buffer(1e-6).contains(Point(x, y)) for x, y in fixes)
    gapped = [p for p in patrols if p.gaps]
    assert len(gapped) == 1 and gapped[0].gaps[0]["seconds"] >= 300
    reported = [p for p in patrols if p.reports.exists()]
    assert {r.reports.get().work_order.channel for r in reported} == {"patrol"}

    leader, today = world.users["leader"], timezone.localdate()
    share = selectors.patrol_found_share(user=leader, start=today - dt.timedelta(days=7), end=today)
    assert share["patrol"] == 2 and share["rate"] > 0
    grid_a = world.regions["A"]
    week = today - dt.timedelta(days=6)  # the seven days the demo patrolled
    cover = selectors.patrol_grid_coverage(user=leader, grid=grid_a, week_start=week)
    assert cover["covered"] > 0


def test_late_upload_keeps_the_real_times(world, rules):
    from yiwang.core.errors import ValidationFailed
    from yiwang.fieldwork.services import patrol_end, patrol_points_add, patrol_start

    user = world.users["grid_a"]
    start = timezone.now() - dt.timedelta(days=2)
    with pytest.raises(ValidationFailed):
        patrol_start(actor=user, lon=120.005, lat=31.005, at=timezone.now() - dt.timedelta(days=9))
    patrol = patrol_start(actor=user, lon=120.005, lat=31.005, at=start)
    points = [
        {"lon": 120.005 + i * 0.0001, "lat": 31.005, "at": start + dt.timedelta(seconds=10 * i)}
        for i in range(10)
    ]
    assert patrol_points_add(actor=user, patrol=patrol, points=points)["accepted"] == 10
    with pytest.raises(ValidationFailed):  # cannot end before its last fix
        patrol_end(actor=user, patrol=patrol, at=start + dt.timedelta(seconds=30))
    ended = patrol_end(actor=user, patrol=patrol, at=start + dt.timedelta(minutes=2))
    assert ended.duration_s == 120 and ended.point_count == 10
