"""The screen's thematic map layers: the 四色网格 of a month (party's stored colours with the
facts behind each colour) and the 亩均效益 class of each firm (economy's latest evaluation)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def store_colours(world, month: dt.date):
    """Grid A red (overdue share high), grid B green, as party's monthly job stores them."""
    from yiwang.party.models import GridColour

    rows = {
        "A": ("red", "重点关注", {"overdue_share": 0.35, "orders_reported": 20, "patrols": 3}),
        "B": ("green", "示范网格", {"overdue_share": 0.0, "visit_coverage": 0.92, "patrols": 12}),
    }
    for key, (colour, label, facts) in rows.items():
        grid = world.regions[key]
        GridColour.objects.create(
            grid=grid, region_code=grid.code, month=month, colour=colour, label=label, facts=facts
        )


def by_code(data):
    return {f["properties"]["code"]: f["properties"] for f in data["features"]}


def test_colour_layer_shows_each_grid_with_its_colour_and_facts(world, client_for):
    month = timezone.localdate().replace(day=1)
    store_colours(world, month)
    data = client_for(world.users["leader"]).get("/api/v1/command/layers/colours/").json()
    assert data["month"] == month.strftime("%Y-%m")
    grids = by_code(data)
    assert set(grids) == {world.regions[k].code for k in "ABCD"}
    a = grids[world.regions["A"].code]
    assert (a["colour"], a["colour_display"], a["label"]) == ("red", "红", "重点关注")
    facts = {f["key"]: (f["label"], f["value"]) for f in a["facts"]}
    assert facts["overdue_share"] == ("超期工单占比（0–1）", 0.35)
    assert facts["orders_reported"][1] == 20
    assert grids[world.regions["C"].code]["colour"] is None  # not computed: said, not guessed
    assert data["counts"] == {"red": 1, "yellow": 0, "blue": 0, "green": 1}
    assert data["uncoloured"] == 2
    assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])  # offline polygons


def test_colour_layer_month_region_and_scope(world, client_for):
    this_month = timezone.localdate().replace(day=1)
    store_colours(world, this_month)
    leader = client_for(world.users["leader"])
    last = (this_month - dt.timedelta(days=1)).strftime("%Y-%m")
    earlier = leader.get(f"/api/v1/command/layers/colours/?month={last}").json()
    assert earlier["counts"]["red"] == 0 and earlier["uncoloured"] == 4
    only = leader.get(f"/api/v1/command/layers/colours/?region={world.regions['B'].code}").json()
    assert list(by_code(only)) == [world.regions["B"].code]
    assert [f["properties"]["colour"] for f in only["features"]] == ["green"]
    # 网格员乙 sees grid B only.
    mine = client_for(world.users["grid_b"]).get("/api/v1/command/layers/colours/").json()
    assert list(by_code(mine)) == [world.regions["B"].code]


@pytest.mark.parametrize("query", ["month=2026-13", "month=last", "region=abc"])
def test_colour_layer_bad_input(world, client_for, query):
    answer = client_for(world.users["leader"]).get(f"/api/v1/command/layers/colours/?{query}")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"]


def test_firm_layer_colours_firms_by_latest_class(world, client_for, evaluated):
    run, firms = evaluated
    data = client_for(world.users["leader"]).get("/api/v1/command/layers/firms/").json()
    assert data["year"] == run.year
    assert data["counts"] == {k: run.counts.get(k, 0) for k in "ABCDT"}
    assert sum(data["counts"].values()) == 10
    assert data["without_point"] == 1 and len(data["features"]) == 9
    stored = {r.firm_id: r.klass for r in run.results.all()}
    for f in data["features"]:
        assert f["properties"]["class"] == stored[f["properties"]["firm"]]
        assert f["geometry"]["type"] == "Point"
    grid_a = world.regions["A"].code
    only_a = client_for(world.users["leader"]).get(f"/api/v1/command/layers/firms/?region={grid_a}")
    assert {f["properties"]["grid"] for f in only_a.json()["features"]} == {grid_a}


def test_firm_layer_before_any_evaluation(world, client_for):
    data = client_for(world.users["leader"]).get("/api/v1/command/layers/firms/").json()
    assert data["year"] is None and data["features"] == []
