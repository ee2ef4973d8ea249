"""Issue 11, items 4, 9 and 11: every bad input the attacker sent answers a 4xx JSON error and
changes nothing; the timeline masks the reporter as `reporter_display` does."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/workorders/"
IN_A = (120.005, 31.005)


def _json_error(resp, status=400) -> dict:
    assert resp.status_code == status, resp.content[:300]
    assert resp["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def _post_raw(client, url, body: str):
    return client.post(url, body, content_type="application/json")


def _order_body(**overrides) -> dict:
    body = {"description": "路灯不亮", "lon": IN_A[0], "lat": IN_A[1]}
    body.update(overrides)
    return body


@pytest.fixture
def admin(world, client_for):
    return client_for(world.users["admin"])


# ---------------------------------------------------------------- item 9: each was a 500


@pytest.mark.parametrize(
    "raw",
    [
        '{"description": "\\ud800 x", "lon": 120.005, "lat": 31.005}',
        '{"description": "x", "lon": 1' + "0" * 400 + ', "lat": 31.005}',
        '{"description": ' + "[" * 100_000 + "]" * 100_000 + ', "lon": 120.005, "lat": 31.005}',
        '{"description": "a\\u0000b", "lon": 120.005, "lat": 31.005}',
    ],
    ids=["lone-surrogate", "lon-400-digits", "nested-100000", "nul"],
)
def test_workorder_create_bad_json_values(admin, raw):
    _json_error(_post_raw(admin, ORDERS, raw))
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+08:00", "1900-01-01T00:00:00+08:00", 12345])
def test_workorder_create_reported_at_out_of_range(admin, when):
    body = _order_body(channel="hotline_12345", reported_at=when)
    error = _json_error(admin.post(ORDERS, body, format="json"))
    assert "reported_at" in error["fields"]
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0001-01-01"},
        {"to": "0001-01-01"},
        {"department": "99999999999999999999999"},
        {"department": "１２"},
        {"department": "-1"},
    ],
)
def test_kpis_bad_parameters(admin, query):
    _json_error(admin.get("/api/v1/kpis/", query))


def test_workorder_list_bad_department(admin):
    _json_error(admin.get(ORDERS, {"department": "99999999999999999999999"}))
    assert admin.get(ORDERS, {"department": "1"}).status_code == 200


def test_huge_ids_in_paths_answer_json_404(admin):
    huge = "99999999999999999999999"
    for url in (f"{ORDERS}{huge}/", f"/api/v1/basedata/people/{huge}/"):
        _json_error(admin.get(url), 404)


@pytest.mark.parametrize("raw", ["[1]", "false", '"ö"', "null", "1"])
def test_approvals_submit_needs_an_object(world, client_for, raw):
    client = client_for(world.users["resident"])
    _json_error(_post_raw(client, "/api/v1/approvals/applications/", raw))


@pytest.mark.parametrize("raw", ["[1]", "false", '"ö"'])
def test_workorder_create_needs_an_object(admin, raw):
    _json_error(_post_raw(admin, ORDERS, raw))


# ---------------------------------------------------------------- item 11: wrong types


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": 12345},
        {"description": ["a", "b"]},
        {"description": {"a": 1}},
        {"lon": True},
        {"lat": False},
        {"address": 7, "lon": None, "lat": None},
    ],
    ids=["desc-int", "desc-list", "desc-object", "lon-true", "lat-false", "address-int"],
)
def test_workorder_create_wrong_types(admin, overrides):
    _json_error(admin.post(ORDERS, _order_body(**overrides), format="json"))
    assert not WorkOrder.objects.exists()


@pytest.fixture
def order(world):
    from yiwang.workorders.services import work_order_create

    return work_order_create(
        actor=world.users["resident"], description="井盖破损", lon=IN_A[0], lat=IN_A[1]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1.5, "reason": "重复"},
        {"version": True, "reason": "重复"},
        {"version": "1.0", "reason": "重复"},
        {"version": [1], "reason": "重复"},
        {"version": 1, "reason": "x" * 1_000_000},
        {"version": 1, "reason": "a\u0000b"},
        {"version": 1, "reason": 12345},
    ],
    ids=["float", "bool", "text-float", "list", "million-chars", "nul", "int-note"],
)
def test_workorder_action_wrong_types(admin, order, body):
    _json_error(admin.post(f"{ORDERS}{order.pk}/cancel/", body, format="json"))
    order.refresh_from_db()
    assert order.version == 1 and order.status != "cancelled"


def test_the_same_action_with_good_input_works(admin, order):
    body = {"version": 1, "reason": "重复"}
    resp = admin.post(f"{ORDERS}{order.pk}/cancel/", body, format="json")
    assert resp.status_code == 200, resp.content


def test_version_as_digits_still_works(world, client_for, order):
    from yiwang.core.errors import ValidationFailed, parse_version

    assert parse_version("3") == 3 and parse_version(3) == 3
    for bad in (1.5, True, "1.0", "²", "-1", -1, None, [1]):
        with pytest.raises(ValidationFailed):
            parse_version(bad)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_json_body_over_the_limit_answers_json_413(admin):
    body = json.dumps(_order_body(description="长" * 20_000))
    error = _json_error(_post_raw(admin, ORDERS, body), 413)
    assert error["code"] == "too_large"
    assert not WorkOrder.objects.exists()


# ---------------------------------------------------------------- item 4: the timeline


def test_timeline_masks_the_reporter_like_reporter_display(world, client_for, order):
    from yiwang.accounts.models import User

    User.objects.filter(pk=world.users["resident"].pk).update(display_name="刘居民")
    leader = client_for(world.users["dispatcher"]).get(f"{ORDERS}{order.pk}/").json()
    assert leader["reporter_display"] == "刘**"
    actors = {e["actor"] for e in leader["events"] if e["action"] == "report"}
    assert actors == {"刘**"}
    assert "刘居民" not in json.dumps(leader, ensure_ascii=False)
    own = client_for(world.users["resident"]).get(f"{ORDERS}{order.pk}/").json()
    assert {e["actor"] for e in own["events"] if e["action"] == "report"} == {"刘居民"}
