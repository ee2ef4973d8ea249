"""The screen's daily figures (大屏日汇总): stored days plus live days equal a recount by
`work_order_kpis`, for the street, a community and any period; today's changes show at once,
an older order's after the next build."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from yiwang.command import figures, selectors, tasks
from yiwang.command.models import OrderDayFigures, OrderFiguresBuild
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.selectors import work_order_kpis

pytestmark = pytest.mark.django_db

STREET = "320599001"


@pytest.fixture
def year_of_orders():
    """The KPI bench's street (3 communities × 4 grids) with 1,500 orders over a year."""
    from yiwang.workorders.bench import build_street
    from yiwang.workorders.management.commands.bench_kpis import load

    world = build_street(communities=3, grids_per_community=4)
    load(1500, world, random.Random(7))
    return world


def periods():
    today = timezone.localdate()
    return [
        (today - dt.timedelta(days=365), today),  # the year, stored + today live
        (today.replace(day=1), today),
        (today - dt.timedelta(days=120), today - dt.timedelta(days=40)),  # stored only
        (today, today),  # live only
        (today - dt.timedelta(days=10), today + dt.timedelta(days=20)),  # future deadlines
    ]


def recount(user, first, last, now, region=""):
    return work_order_kpis(user=user, date_from=first, date_to=last, region=region, now=now)


def without_build_info(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("stored_through", "built_at")}


def test_stored_plus_live_equals_a_recount(year_of_orders):
    leader = year_of_orders["leader"]
    now = timezone.now()
    built = tasks.screen_figures(now=now)
    assert built["days"] > 300 and OrderDayFigures.objects.exists()
    assert OrderFiguresBuild.objects.get().through == timezone.localdate(now) - dt.timedelta(1)
    community = year_of_orders["grids"][0].code[:12]
    for first, last in periods():
        expected = recount(leader, first, last, now)
        assert expected["reported"] or expected["due"]
        got = figures.kpis(figures.stored_prefixes(leader), first, last, now)
        assert without_build_info(got) == expected, (first, last)
        mine = figures.kpis(figures.stored_prefixes(leader, community), first, last, now)
        assert without_build_info(mine) == recount(leader, first, last, now, community)


def test_the_overview_uses_them_and_agrees(year_of_orders):
    leader = year_of_orders["leader"]
    now = timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=365)
    live = selectors.overview(user=leader, date_from=first, date_to=today, now=now)
    assert live["kpis"]["workorders"]["stored_through"] is None  # nothing built: all live
    assert without_build_info(live["kpis"]["workorders"]) == recount(leader, first, today, now)
    tasks.screen_figures(now=now)
    stored = selectors.overview(user=leader, date_from=first, date_to=today, now=now)
    assert stored["kpis"]["workorders"]["stored_through"] == str(today - dt.timedelta(1))
    assert without_build_info(stored["kpis"]["workorders"]) == recount(leader, first, today, now)
    for key in ("open", "overdue", "archived", "trends", "intake_today"):
        assert stored[key] == live[key], key
    assert {c["category"]: c["count"] for c in stored["top_categories"]} == {
        c["category"]: c["count"] for c in live["top_categories"]
    }


def test_today_shows_at_once_an_older_order_after_the_next_build(year_of_orders):
    leader = year_of_orders["leader"]
    now = timezone.now()
    today = timezone.localdate(now)
    tasks.screen_figures(now=now)
    year = (today - dt.timedelta(days=365), today)
    prefixes = figures.stored_prefixes(leader)
    before = figures.kpis(prefixes, *year, now)
    # An order due last month still open is archived now, late: archived today counts at
    # once (live day), its deadline day (stored) only after the next build.
    old = (
        WorkOrder.objects.filter(
            status=WorkOrder.Status.HANDLING, deadline__lt=now - dt.timedelta(days=30)
        )
        .order_by("pk")
        .first()
    )
    WorkOrder.objects.filter(pk=old.pk).update(
        status=WorkOrder.Status.ARCHIVED, archived_at=now, completed_on_time=False
    )
    after = figures.kpis(prefixes, *year, now)
    assert after["archived"] == before["archived"] + 1
    assert after["closed"] == before["closed"]  # the stored deadline day, not yet rebuilt
    tasks.screen_figures(now=now)
    rebuilt = figures.kpis(prefixes, *year, now)
    assert rebuilt["closed"] == before["closed"] + 1
    assert without_build_info(rebuilt) == recount(leader, *year, now)


def test_only_whole_community_territories_use_the_stored_days(world):
    leader, grid_b = world.users["leader"], world.users["grid_b"]
    street = world.street.region_code
    assert figures.stored_prefixes(leader) == [street]
    assert figures.stored_prefixes(leader, world.regions["A"].code) is None  # a grid: live
    assert figures.stored_prefixes(leader, world.regions["A"].code[:12]) == [
        world.regions["A"].code[:12]
    ]
    assert figures.stored_prefixes(leader, "320599") == []  # outside the territory: nothing
    assert figures.stored_prefixes(grid_b) is None
    assert figures.stored_prefixes(world.users["zhifa"]) is None  # a department's orders
    assert figures.stored_prefixes(world.users["admin"], "") == [""]
