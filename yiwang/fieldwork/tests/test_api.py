"""The field-work API under /api/v1/visits/ and /api/v1/patrols/ (names other tools rely on)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.fieldwork.models import Patrol, Visit

pytestmark = pytest.mark.django_db


def test_due_list_shape(homes, client_for):
    res = client_for(homes.specialist).get("/api/v1/visits/due/?lon=120.0071&lat=31.005")
    assert res.status_code == 200
    first = res.json()["results"][0]
    assert first["household"]["id"] == homes.a3.pk
    assert first["household"]["address"] == "测试路A-3号"
    assert first["state"] in {"due", "overdue"} and first["due"]
    assert res.json()["count"] == 4


def test_due_list_needs_login(client_for):
    res = client_for(None).get("/api/v1/visits/due/")
    assert res.status_code in (401, 403)
    assert "error" in res.json()


def test_post_visit_with_need_returns_its_work_order(homes, client_for):
    body = {
        "household": homes.a1.pk,
        "lon": 120.0051,
        "lat": 31.005,
        "accuracy_m": 6,
        "notes": "家中一切正常",
        "needs": [{"description": "楼道里的车库有人住", "category": "90001"}],
    }
    res = client_for(homes.specialist).post("/api/v1/visits/", body, format="json")
    assert res.status_code == 201, res.content
    data = res.json()
    assert data["needs"][0]["work_order"]["status"] == "dispatched"
    assert data["needs"][0]["work_order"]["code"]
    assert data["location_flag"] == ""
    res = client_for(homes.specialist).get("/api/v1/visits/due/")
    assert homes.a1.pk not in [r["household"]["id"] for r in res.json()["results"]]


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"household": "abc"}, 400, "household"),
        ({"household": 999999}, 404, "household"),
        ({"household": None, "lon": 500}, 400, None),
        ({"needs": "fix the lamp"}, 400, "needs"),
        ({"lon": 120.0, "lat": None}, 400, "lat"),
    ],
)
def test_bad_visits_are_refused_with_json_errors(homes, client_for, body, status, field):
    body = {"household": homes.a1.pk, **body}
    res = client_for(homes.specialist).post("/api/v1/visits/", body, format="json")
    assert res.status_code == status
    assert res.json()["error"]["message"]
    if field:
        assert field in res.json()["error"]["fields"]
    assert Visit.objects.count() == 0


def test_resident_cannot_record_visits(homes, world, client_for):
    res = client_for(world.users["resident"]).post(
        "/api/v1/visits/", {"household": homes.a1.pk}, format="json"
    )
    assert res.status_code == 403


def test_patrol_round_trip(world, client_for, rules):
    client = client_for(world.users["grid_a"])
    res = client.post("/api/v1/patrols/", {"lon": 120.001, "lat": 31.005}, format="json")
    assert res.status_code == 201
    pk = res.json()["id"]
    Patrol.objects.filter(pk=pk).update(started_at=timezone.now() - dt.timedelta(minutes=30))
    start = timezone.now() - dt.timedelta(minutes=20)
    points = [
        {"lon": 120.001 + i * 0.0001, "lat": 31.005,
         "at": (start + dt.timedelta(seconds=5 * i)).isoformat(), "accuracy_m": 5}
        for i in range(5)
    ]  # fmt: skip
    res = client.post(f"/api/v1/patrols/{pk}/points/", {"points": points}, format="json")
    assert res.status_code == 200 and res.json()["accepted"] == 5
    res = client.post(f"/api/v1/patrols/{pk}/reports/",
                      {"description": "垃圾暴露", "category": "06010"}, format="json")  # fmt: skip
    assert res.status_code == 201 and res.json()["code"]
    res = client.post(f"/api/v1/patrols/{pk}/end/")
    assert res.status_code == 200
    data = res.json()
    assert data["distance_m"] > 30 and data["duration_s"] >= 1800 and data["gaps"] == []
    res = client.post(f"/api/v1/patrols/{pk}/points/", {"points": points}, format="json")
    assert res.status_code == 409 and res.json()["error"]["code"] == "patrol_ended"
    detail = client.get(f"/api/v1/patrols/{pk}/").json()
    assert len(detail["track"][0]) == 5 and detail["reports"][0]["status"]
    assert client_for(world.users["grid_b"]).get(f"/api/v1/patrols/{pk}/").status_code == 404


def test_coverage_endpoints(homes, world, client_for):
    leader = client_for(world.users["leader"])
    res = leader.get("/api/v1/visits/coverage/")
    assert res.status_code == 200 and res.json()["total"] == 4
    assert leader.get("/api/v1/visits/coverage/?round=x").status_code == 400
    assert leader.get("/api/v1/visits/coverage/?round=3746968015").status_code == 400
    code = world.regions["A"].code
    res = leader.get(f"/api/v1/patrols/coverage/?grid={code}")
    assert res.status_code == 200 and res.json()["cells"] == 100
    assert leader.get("/api/v1/patrols/coverage/?grid=nope").status_code == 404
    assert (
        leader.get("/api/v1/patrols/found-share/?from=2026-02-01&to=2026-01-01").status_code == 400
    )
