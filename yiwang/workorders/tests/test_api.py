"""The REST API (/api/v1/workorders/, categories, kpis): contract, errors, scope."""

from __future__ import annotations

import pytest

from yiwang.core.models import AuditEvent
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.tests.conftest import IN_A, IN_B, png_file

pytestmark = pytest.mark.django_db
URL = "/api/v1/workorders/"


def create(client, data=None, **extra):
    body = {
        "description": "青剑湖花园车库有人居住",
        "lon": IN_A[0],
        "lat": IN_A[1],
        "category": "90001",
    }
    body.update(data or {})
    return client.post(URL, body, format="json", **extra)


def act(client, order_id, action, data):
    return client.post(f"{URL}{order_id}/{action}/", data, format="json")


def error(response):
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def test_create_dispatches_and_returns_the_contract_fields(world, rules, client_for):
    response = create(client_for(world.users["grid_a"]))
    assert response.status_code == 201, response.content
    body = response.json()
    for key in ("id", "code", "status", "category", "grid", "primary_department", "deadline",
                "sla", "version", "events"):  # fmt: skip
        assert key in body, key
    assert body["status"] == "dispatched" and body["category"] == "90001"
    assert body["grid"] == world.regions["A"].code
    assert body["primary_department"] == world.department.pk
    assert body["primary_department_name"] == "综合行政执法局"
    assert body["sla"] == "green" and body["version"] == 1
    assert [e["action"] for e in body["events"]] == ["report", "dispatch"]
    assert body["code"].startswith("WT")


def test_create_without_category_or_grid_waits_in_triage(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    response = create(client, {"category": "", "lon": None, "lat": None, "address": "某小区"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "triage" and body["primary_department"] is None
    assert body["deadline"] is None and body["sla"] is None


def test_a_residents_point_outside_the_street_is_refused_with_json_400(world, rules, client_for):
    client = client_for(world.users["resident"])
    before = WorkOrder.objects.count()
    response = create(client, {"category": "", "lon": 121.5, "lat": 31.2})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "outside_street" and "不在测试街道范围内" in error["message"]
    assert set(error["fields"]) == {"lon", "lat"}
    assert WorkOrder.objects.count() == before


def test_idempotency_key_replays_with_200(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    first = create(client, HTTP_IDEMPOTENCY_KEY="k-123")
    again = create(client, {"description": "重试"}, HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert WorkOrder.objects.count() == 1


def test_multipart_create_with_photos(world, rules, client_for):
    client = client_for(world.users["grid_a"])
    response = client.post(
        URL,
        {
            "description": "暴露垃圾",
            "lon": str(IN_A[0]),
            "lat": str(IN_A[1]),
            "category": "06010",
            "photos": [png_file(), png_file("b.png")],
        },  # fmt: skip
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2 and photos[0]["kind"] == "report"
    image = client.get(photos[0]["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client_for(world.users["grid_b"]).get(photos[0]["url"]).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lon": None, "lat": None}, "lon"),
        ({"lat": 91}, "lat"),
        ({"lon": "东经"}, "lon"),
        ({"category": "nope"}, "category"),
        ({"description": "字" * 4001}, "description"),
        ({"description": ""}, "description"),
        ({"reported_at": "2026-06-01T09:00:00+08:00"}, "reported_at"),
        ({"priority": "asap"}, "priority"),
    ],
)
def test_bad_input_is_400_with_fields_and_writes_nothing(world, rules, client_for, data, field):
    before = (WorkOrder.objects.count(), AuditEvent.objects.count())
    response = create(client_for(world.users["grid_a"]), data)
    assert response.status_code == 400, response.content
    err = error(response)
    assert field in err["fields"] and err["message"]
    assert (WorkOrder.objects.count(), AuditEvent.objects.count()) == before


def test_bad_photo_is_400(world, rules, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.users["grid_a"])
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    data = {"description": "垃圾", "lon": IN_A[0], "lat": IN_A[1], "photos": [fake]}
    response = client.post(URL, data, format="multipart")
    assert response.status_code == 400 and "photos" in error(response)["fields"]
    settings.UPLOAD_MAX_BYTES = 50
    data["photos"] = [png_file(size=(40, 40))]
    response = client.post(URL, data, format="multipart")
    assert response.status_code == 400 and "超过大小上限" in error(response)["message"]
    assert WorkOrder.objects.count() == 0


def test_non_object_body_and_anonymous(world, rules, client_for, client):
    response = client_for(world.users["grid_a"]).post(URL, [1, 2], format="json")
    assert response.status_code == 400 and error(response)["code"] == "invalid"
    assert client.get(URL).status_code in (401, 403)


def test_resident_may_not_claim_the_hotline_channel(world, rules, client_for):
    response = create(client_for(world.users["resident"]), {"channel": "hotline_12345"})
    assert response.status_code == 403 and error(response)["code"] == "forbidden"


def test_hotline_history_counts_from_reported_at(world, rules, client_for):
    response = create(
        client_for(world.users["dispatcher"]),
        {"channel": "hotline_12345", "reported_at": "2026-06-01T09:00:00+08:00"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["reported_at"].startswith("2026-06-01T09:00:00")
    assert body["deadline"].startswith("2026-06-04T17:30:00") and body["sla"] == "red"


def test_list_is_scoped_paginated_and_filtered(world, rules, client_for):
    create(client_for(world.users["grid_a"]))
    create(client_for(world.users["grid_b"]), {"lon": IN_B[0], "lat": IN_B[1], "category": "06010"})
    mine = client_for(world.users["grid_a"]).get(URL).json()
    assert mine["count"] == 1 and mine["results"][0]["grid"] == world.regions["A"].code
    other = client_for(world.users["grid_b"]).get(URL).json()
    assert other["count"] == 1 and other["results"][0]["grid"] == world.regions["B"].code
    street = client_for(world.users["dispatcher"])
    assert street.get(URL).json()["count"] == 2
    assert street.get(URL, {"category": "06010"}).json()["count"] == 1
    assert street.get(URL, {"status": "handling"}).json()["count"] == 0
    assert street.get(URL, {"page_size": 1}).json()["next"] is not None
    bad = street.get(URL, {"status": "nope"})
    assert bad.status_code == 400 and "status" in error(bad)["fields"]


def test_detail_is_scoped(world, rules, client_for):
    order_id = create(client_for(world.users["grid_a"])).json()["id"]
    assert client_for(world.users["grid_b"]).get(f"{URL}{order_id}/").status_code == 404
    assert client_for(world.users["resident2"]).get(f"{URL}{order_id}/").status_code == 404
    body = client_for(world.users["zhifa"]).get(f"{URL}{order_id}/").json()
    assert body["allowed_actions"] == ["accept", "return", "extend"]
    assert body["assist_tasks"][0]["department_name"] == "社会事业局"


def test_the_garage_story_through_the_api(world, rules, client_for):
    """Seed 004 end to end: report → auto-dispatch → accept → complete → verify → rate (by
    the resident who reported: staff never rate their own work)."""
    reporter = client_for(world.users["resident"])
    zhifa = client_for(world.users["zhifa"])
    dispatcher = client_for(world.users["dispatcher"])
    order = create(reporter).json()
    oid = order["id"]
    r = act(zhifa, oid, "accept", {"version": 1, "note": "已派员"})
    assert r.status_code == 200 and r.json()["status"] == "handling" and r.json()["version"] == 2
    r = zhifa.post(
        f"{URL}{oid}/complete/",
        {"version": 2, "note": "已劝离", "photos": [png_file()]},
        format="multipart",
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "completed" and r.json()["warnings"]
    r = act(dispatcher, oid, "verify", {"version": 3, "note": "核查通过"})
    assert r.json()["status"] == "archived"
    r = act(reporter, oid, "rate", {"version": 4, "satisfaction": "satisfied", "comment": "好"})
    assert r.status_code == 200 and r.json()["satisfaction"] == "satisfied"
    actions = [e["action"] for e in r.json()["events"]]
    assert actions == ["report", "dispatch", "accept", "complete", "verify", "rate"]
    evidence = next(e for e in r.json()["events"] if e["action"] == "complete")
    assert len(evidence["attachments"]) == 1


def test_action_errors(world, rules, client_for):
    oid = create(client_for(world.users["grid_a"])).json()["id"]
    zhifa = client_for(world.users["zhifa"])
    stale = act(zhifa, oid, "accept", {"version": 9})
    assert stale.status_code == 409 and error(stale)["code"] == "stale_version"
    missing = act(zhifa, oid, "accept", {})
    assert missing.status_code == 400 and "version" in error(missing)["fields"]
    wrong_state = act(client_for(world.users["dispatcher"]), oid, "verify", {"version": 1})
    assert wrong_state.status_code == 409 and error(wrong_state)["code"] == "invalid_state"
    wrong_role = act(client_for(world.users["shiye"]), oid, "accept", {"version": 1})
    assert wrong_role.status_code == 403 and error(wrong_role)["code"] == "forbidden"
    hidden = act(client_for(world.users["grid_b"]), oid, "accept", {"version": 1})
    assert hidden.status_code == 404
    unknown = act(zhifa, oid, "explode", {"version": 1})
    assert unknown.status_code == 404
    assert WorkOrder.objects.get(pk=oid).version == 1


def test_two_departments_members_accept_at_once_over_http(world, rules, client_for):
    from yiwang.testing import make_user

    zhifa2 = make_user("zhifa2", roles=[(world.department, "department_staff")])
    oid = create(client_for(world.users["grid_a"])).json()["id"]
    first = act(client_for(world.users["zhifa"]), oid, "accept", {"version": 1})
    second = act(client_for(zhifa2), oid, "accept", {"version": 1})
    assert first.status_code == 200 and second.status_code == 409


def test_every_action_is_routed(world, rules, client_for):
    zhifa = client_for(world.users["zhifa"])
    dispatcher = client_for(world.users["dispatcher"])
    oid = create(client_for(world.users["grid_a"]), {"category": "06001"}).json()["id"]
    steps = [
        (dispatcher, "supervise", {"note": "请加快"}),
        (zhifa, "accept", {}),
        (zhifa, "assist", {"departments": [world.department2.pk], "note": "请协助"}),
        (zhifa, "extend", {"value": 2, "unit": "work_days", "reason": "需测量"}),
        (dispatcher, "extend-decide", {"approve": False, "note": "不同意"}),
        (zhifa, "complete", {"note": "已拆除", "no_photo_reason": "雨天相机故障"}),
        (dispatcher, "reopen", {"reason": "仍有残留"}),
        (zhifa, "complete", {"note": "已清理", "no_photo_reason": "雨天相机故障"}),
        (dispatcher, "verify", {}),
    ]
    version = 1
    for client, action, data in steps:
        r = act(client, oid, action, {"version": version, **data})
        assert r.status_code == 200, (action, r.content)
        version = r.json()["version"]
    assert r.json()["status"] == "archived"
    task = r.json()["assist_tasks"][-1]
    assert task["status"] == "cancelled"  # closed at verification
    # 吹哨 sub-task endpoints
    second = create(client_for(world.users["grid_a"]), {"category": "09009"}).json()
    oid2 = second["id"]
    act(zhifa, oid2, "accept", {"version": 1})
    r = act(zhifa, oid2, "assist", {"version": 2, "departments": [world.department2.pk],
                                     "note": "请协助"})  # fmt: skip
    task_id = r.json()["assist_tasks"][0]["id"]
    shiye = client_for(world.users["shiye"])
    r = shiye.post(f"{URL}{oid2}/assist-tasks/{task_id}/accept/", {"version": 1}, format="json")
    assert r.status_code == 200 and r.json()["assist_tasks"][0]["status"] == "accepted"
    r = shiye.post(
        f"{URL}{oid2}/assist-tasks/{task_id}/complete/",
        {"version": 2, "note": "已完成"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["assist_tasks"][0]["status"] == "done"
    # triage actions: dispatch, merge, cancel, resolve-on-spot
    triage = create(client_for(world.users["grid_a"]), {"category": ""}).json()["id"]
    r = act(dispatcher, triage, "dispatch", {"version": 1, "category": "09009"})
    assert r.json()["status"] == "dispatched"
    dup = create(client_for(world.users["grid_a"]), {"category": ""}).json()
    r = act(dispatcher, dup["id"], "merge", {"version": 1, "into": second["code"]})
    assert r.status_code == 200 and r.json()["merged_into"] == oid2
    spot = create(client_for(world.users["grid_a"]), {"category": ""}).json()["id"]
    r = act(client_for(world.users["grid_a"]), spot, "resolve-on-spot",
            {"version": 1, "note": "已挪车", "category": "09009",
             "no_photo_reason": "车主当场挪走，来不及拍照"})  # fmt: skip
    assert r.json()["status"] == "completed" and r.json()["resolved_on_spot"]
    gone = create(client_for(world.users["grid_a"]), {"category": ""}).json()["id"]
    r = act(client_for(world.users["grid_a"]), gone, "cancel", {"version": 1, "reason": "误报"})
    assert r.json()["status"] == "cancelled"


def test_categories_endpoint(world, rules, client_for):
    body = client_for(world.users["resident"]).get("/api/v1/categories/").json()
    local = next(b for b in body if b["code"] == "90")
    garage = next(c for c in local["children"] if c["code"] == "90001")
    assert garage["rule"]["primary_department"]["name"] == "综合行政执法局"
    at_point = client_for(world.users["resident"]).get(
        "/api/v1/categories/", {"lon": IN_A[0], "lat": IN_A[1]}
    )
    assert at_point.status_code == 200
    rules_list = client_for(world.users["dispatcher"]).get("/api/v1/responsibility-rules/").json()
    assert {r["category"] for r in rules_list} == {"90001", "09009", "06010", "06001"}


def test_kpis_endpoint(world, rules, client_for):
    create(client_for(world.users["grid_a"]))
    leader = client_for(world.users["leader"])
    body = leader.get("/api/v1/kpis/").json()
    assert body["reported"] == 1 and body["by_status"]["dispatched"] == 1
    for key in ("completion_rate", "on_time_rate", "avg_workdays_to_archive", "on_spot_rate",
                "in_grid_rate", "satisfaction_rate", "overdue", "due"):  # fmt: skip
        assert key in body
    bad = leader.get("/api/v1/kpis/", {"from": "2026-13-01"})
    assert bad.status_code == 400 and "from" in error(bad)["fields"]
    assert leader.get("/api/v1/kpis/", {"department": "x"}).status_code == 400
    grid_b = client_for(world.users["grid_b"]).get("/api/v1/kpis/").json()
    assert grid_b["reported"] == 0


def test_openapi_schema_lists_the_endpoints(world, client_for):
    response = client_for(world.users["admin"]).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/workorders/" in paths and "/api/v1/workorders/{id}/{action}/" in paths
    assert "/api/v1/kpis/" in paths and "/api/v1/categories/" in paths


def test_an_action_that_hides_the_order_still_answers(world, rules, client_for):
    """退回: afterwards the department no longer sees the order; the answer says so."""
    oid = create(client_for(world.users["grid_a"])).json()["id"]
    r = act(client_for(world.users["zhifa"]), oid, "return", {"version": 1, "note": "非本部门"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "triage" and body["visible"] is False and body["version"] == 2
    assert "events" not in body
