"""Who sees which grid's rows on the command screen's layers and rankings, beside the scope
matrix (yiwang/tests/scope/command.py), which cannot read the firm layer's points (keyed
`firm`, not `id`) nor the ranking rows (departments and workers, not objects it builds)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _firm_layer(client) -> tuple[set, int]:
    data = client.get("/api/v1/command/layers/firms/").json()
    return {f["properties"]["grid"] for f in data["features"]}, sum(data["counts"].values())


def test_the_firm_layer_holds_the_firms_each_user_sees(world, client_for, evaluated):
    """Ten evaluated firms, five in grid A and five in grid B (one without a point): the street
    sees all, a grid worker their grid's, a department the street's 法人库, a resident none."""
    a, b = world.regions["A"].code, world.regions["B"].code
    seen = {
        name: _firm_layer(client_for(world.users[name]))
        for name in ("leader", "dispatcher", "grid_a", "grid_b", "zhifa", "resident")
    }
    assert seen == {
        "leader": ({a, b}, 10),
        "dispatcher": ({a, b}, 10),
        "grid_a": ({a}, 5),
        "grid_b": ({b}, 5),
        "zhifa": ({a, b}, 10),
        "resident": (set(), 0),
    }


def test_a_company_user_finds_only_its_own_firm_on_the_layer(world, client_for, evaluated):
    from yiwang.economy import services as economy

    _, firms = evaluated
    own = firms[2]  # grid A, with a point
    economy.firm_user_link(actor=world.users["leader"], firm=own, user=world.users["resident"])
    data = client_for(world.users["resident"]).get("/api/v1/command/layers/firms/").json()
    assert [f["properties"]["firm"] for f in data["features"]] == [own.pk]


def _workers(client, month: str) -> set:
    url = f"/api/v1/command/assessments/?month={month}&kind=grid_worker"
    return {row["grid"] for row in client.get(url).json()["rows"]}


def test_the_grid_worker_ranking_holds_the_workers_each_user_oversees(world, client_for):
    from django.utils import timezone

    month = timezone.localdate().strftime("%Y-%m")
    a, b = world.regions["A"].code, world.regions["B"].code
    seen = {
        name: _workers(client_for(world.users[name]), month)
        for name in ("leader", "grid_a", "grid_b", "zhifa", "window", "resident")
    }
    assert seen == {
        "leader": {a, b},
        "grid_a": {a},
        "grid_b": {b},
        "zhifa": set(),
        "window": set(),
        "resident": set(),
    }
