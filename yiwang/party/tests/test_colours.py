"""四色网格: colours from measured facts by admin-edited rules, facts kept beside them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.errors import Forbidden, ValidationFailed
from yiwang.party import colours
from yiwang.party.models import GridColour
from yiwang.party.services import colour_rule_save, grid_colours_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def colour_rules(world):
    admin = world.users["admin"]
    return [
        colour_rule_save(actor=admin, colour="red", label="重点关注", priority=1,
                         conditions=[{"fact": "overdue_share", "op": ">", "value": 0.3}]),
        colour_rule_save(actor=admin, colour="yellow", label="走访不足", priority=2,
                         conditions=[{"fact": "visit_coverage", "op": "<", "value": 0.5}]),
        colour_rule_save(actor=admin, colour="blue", label="巡查活跃", priority=3,
                         conditions=[{"fact": "patrols", "op": ">=", "value": 1}]),
        colour_rule_save(actor=admin, colour="green", label="运行良好", priority=9, conditions=[]),
    ]  # fmt: skip


def test_rules_are_checked(world):
    admin = world.users["admin"]
    bad_rules = [
        [{"fact": "nope", "op": "<", "value": 1}],
        [{"fact": "patrols", "op": "~", "value": 1}],
        [{"fact": "patrols", "op": "<", "value": "1"}],
        {"a": 1},
    ]
    for bad in bad_rules:
        with pytest.raises(ValidationFailed):
            colour_rule_save(actor=admin, colour="red", label="x", conditions=bad)
    with pytest.raises(Forbidden):
        colour_rule_save(actor=world.users["grid_a"], colour="red", label="x", conditions=[])


def test_missing_fact_never_matches():
    assert not colours.matches([{"fact": "satisfaction", "op": "<", "value": 0.9}],
                               {"satisfaction": None})  # fmt: skip
    assert colours.matches([], {})


def test_colours_follow_the_facts(world, colour_rules, rules):
    from yiwang.fieldwork.services import patrol_end, patrol_start
    from yiwang.workorders.services import work_order_create

    admin, r = world.users["admin"], world.regions
    # Grid A: an order past its deadline → red. Grid B: a patrol → blue. C, D: green.
    order = work_order_create(actor=world.users["grid_a"], description="车库住人",
                              lon=120.005, lat=31.005, category="90001")  # fmt: skip
    type(order).objects.filter(pk=order.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    patrol = patrol_start(actor=world.users["grid_b"], lon=120.015, lat=31.005)
    patrol_end(actor=world.users["grid_b"], patrol=patrol)
    month = timezone.localdate().replace(day=1)
    assert grid_colours_compute(actor=admin, month=month) == 4
    got = {c.region_code: (c.colour, c.facts) for c in GridColour.objects.all()}
    assert got[r["A"].code][0] == "red" and got[r["A"].code][1]["overdue_share"] == 1.0
    assert got[r["A"].code][1]["orders_reported"] == 1
    assert got[r["B"].code][0] == "blue" and got[r["B"].code][1]["patrols"] == 1
    assert got[r["C"].code][0] == "green" and got[r["C"].code][1]["visit_coverage"] is None
    # Recomputing replaces the month's colours; a future month is refused.
    assert grid_colours_compute(actor=admin, month=month) == 4
    assert GridColour.objects.count() == 4
    with pytest.raises(ValidationFailed):
        grid_colours_compute(actor=admin, month=month + dt.timedelta(days=40))


def test_colour_api_is_scoped(world, colour_rules, client_for):
    admin = client_for(world.users["admin"])
    res = admin.post("/api/v1/party/colours/compute/", {"month": "2026-01"}, format="json")
    assert res.status_code == 200 and res.json()["grids"] == 4
    res = client_for(world.users["grid_a"]).get("/api/v1/party/colours/?month=2026-01")
    rows = res.json()["results"]
    assert [row["grid"]["code"] for row in rows] == [world.regions["A"].code]
    assert rows[0]["colour"] == "green" and "visit_coverage" in rows[0]["facts"]
    res = client_for(world.users["leader"]).get("/api/v1/party/colours/?month=2026-13")
    assert res.status_code == 400


def test_admin_edits_rules_and_refuses_bad_conditions(world, client):
    from yiwang.party.models import ColourRule
    from yiwang.testing import PASSWORD

    assert client.login(username="admin", password=PASSWORD)
    form = {"colour": "red", "label": "重点关注", "priority": 1, "is_active": "on",
            "conditions": '[{"fact": "nope", "op": "<", "value": 1}]'}  # fmt: skip
    res = client.post("/admin/party/colourrule/add/", form)
    assert res.status_code == 200 and "未知的事实" in res.content.decode()
    form["conditions"] = '[{"fact": "overdue_share", "op": ">", "value": 0.2}]'
    assert client.post("/admin/party/colourrule/add/", form).status_code == 302
    assert ColourRule.objects.get().conditions[0]["fact"] == "overdue_share"
