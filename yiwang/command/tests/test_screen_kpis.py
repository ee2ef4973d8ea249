"""The screen's figures from the other pillars: enforcement's on-time share (执法按期率)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def add_case(world, n: int, states: list[str]):
    """A case of 综合行政执法局 in grid A opened today, with one step deadline per state."""
    from yiwang.enforcement.models import Case, Deadline, Matter
    from yiwang.enforcement.tests.conftest import seed_matters

    if not Matter.objects.exists():
        seed_matters()
    now = timezone.now()
    case = Case.objects.create(
        code=f"测试-{n}",
        procedure="ordinary",
        stage="investigating",
        source="patrol",
        matter=Matter.objects.filter(is_current=True).first(),
        department=world.department,
        region_code=world.regions["A"].code,
        facts="占道经营",
        party_kind="person",
        party_name="某某",
        opened_at=now,
    )
    for i, state in enumerate(states):
        Deadline.objects.create(
            case=case, step=f"step{i}", label="时限", article="第七十六条", start=now,
            due=now + dt.timedelta(days=5), value=5, unit="work_days", state=state,
        )  # fmt: skip
    return case


def test_enforcement_on_time_share_on_the_screen(world, client_for):
    leader = client_for(world.users["leader"])
    assert (
        leader.get("/api/v1/command/overview/").json()["kpis"]["enforcement_on_time_rate"] is None
    )
    add_case(world, 1, ["met", "met", "late", "open"])
    add_case(world, 2, ["met", "overdue", "paused"])
    data = leader.get("/api/v1/command/overview/").json()
    # met 3 of decided 5 (met 3, late 1, overdue 1); open and paused steps are not decided yet
    assert data["kpis"]["enforcement_on_time_rate"] == 0.6
    # a grid worker's screen does not see the agency's cases
    mine = client_for(world.users["grid_b"]).get("/api/v1/command/overview/").json()
    assert mine["kpis"]["enforcement_on_time_rate"] is None
