"""Who reaches field work (issue 11, scope matrix findings): the window (综窗) reads the people
registry to check applicants, but not the grid workers' patrols and visits; another worker's
patrol is not found before its batch is read."""

from __future__ import annotations

import pytest

from yiwang.fieldwork.models import PatrolPoint
from yiwang.fieldwork.services import patrol_start, visit_record

pytestmark = pytest.mark.django_db


def test_window_sees_no_patrols_nor_visits_the_street_does(homes, world, client_for):
    patrol = patrol_start(actor=world.users["grid_a"], lon=120.005, lat=31.005)
    visit = visit_record(actor=homes.specialist, household=homes.a1, lon=120.005, lat=31.005)
    desk, street = client_for(world.users["window"]), client_for(world.users["leader"])
    for url, pk in (("/api/v1/patrols/", patrol.pk), ("/api/v1/visits/", visit.pk)):
        assert [r["id"] for r in street.get(url).json()["results"]] == [pk]
        assert street.get(f"{url}{pk}/").status_code == 200
        assert desk.get(url).json()["results"] == []
        assert desk.get(f"{url}{pk}/").status_code == 404


def test_points_to_another_workers_patrol_are_not_found_before_the_batch_is_read(
    world, client_for, rules
):
    patrol = patrol_start(actor=world.users["grid_a"], lon=120.005, lat=31.005)
    res = client_for(world.users["grid_b"]).post(
        f"/api/v1/patrols/{patrol.pk}/points/", {"points": "not a list"}, format="json"
    )
    assert res.status_code == 404 and res.json()["error"]["code"] == "not_found"
    assert PatrolPoint.objects.count() == 0
