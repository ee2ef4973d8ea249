"""The loop's guards and figures: a point outside the street on every channel, 我也遇到 without
probing ids, supporters in the list and the KPIs, channel guards, the everyday-reports bench."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from yiwang.core.errors import Forbidden, NotFound, ValidationFailed
from yiwang.workorders import hooks, selectors
from yiwang.workorders import services as sv
from yiwang.workorders.models import WorkOrder, WorkOrderSupporter
from yiwang.workorders.tests.conftest import IN_A, IN_B, MONDAY, OUTSIDE

pytestmark = pytest.mark.django_db
URL = "/api/v1/workorders/"
GARBAGE = "青剑湖花园3幢楼下垃圾桶满溢好几天了，臭味很大，一直没人清运"
OUTSIDE_MESSAGE = "该位置不在测试街道范围内"


# --- a point outside the street ---


@pytest.mark.parametrize(
    ("who", "channel"),
    [
        ("resident", "resident"),
        ("grid_a", "grid_worker"),
        ("grid_a", "patrol"),
        ("zhifa", "staff"),
        ("dispatcher", "hotline_12345"),  # a call the desk registers live
        (None, "open311"),  # the integration files as the system
        ("dispatcher", "enterprise"),
    ],
)
def test_every_interactive_channel_refuses_a_point_outside_the_street(world, rules, who, channel):
    actor = world.users[who] if who else None
    with pytest.raises(ValidationFailed) as err:
        sv.work_order_create(
            actor=actor, channel=channel, description="路边井盖缺失", lon=OUTSIDE[0], lat=OUTSIDE[1]
        )
    assert err.value.code == "outside_street"
    assert OUTSIDE_MESSAGE in err.value.message and "12345" in err.value.message
    assert set(err.value.fields) == {"lon", "lat"}
    assert not WorkOrder.objects.exists()


def test_a_grid_workers_point_outside_is_a_json_400_from_the_api(world, rules, client_for):
    response = client_for(world.users["grid_a"]).post(
        URL,
        {"description": "路边井盖缺失", "lon": OUTSIDE[0], "lat": OUTSIDE[1], "category": "90001"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "outside_street" and OUTSIDE_MESSAGE in error["message"]
    assert not WorkOrder.objects.exists()


def test_a_past_12345_call_outside_the_street_is_kept_for_manual_triage(world, rules):
    order = sv.work_order_create(
        actor=None,
        channel="hotline_12345",
        description="邻街路口井盖缺失",
        lon=OUTSIDE[0],
        lat=OUTSIDE[1],
        category="90001",
        reported_at=MONDAY,
        external_id="GD-OUT",
    )
    assert order.status == "triage" and order.triage_reason == "outside_street"
    assert order.primary_department is None and order.grid is None
    assert order.region_code == world.regions["street"].code  # the street's dispatcher sees it
    assert "不在本街道范围内" in order.events.get(action="triage").note
    assert "不在本街道范围内" in sv.TRIAGE_REASONS[order.triage_reason]


def test_the_12345_import_keeps_every_row_and_flags_the_one_outside(world, rules, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "12345.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "诉求内容", "经度", "纬度", "分类"])
    sheet.append(["GD1", "2026-06-01 09:00", "车库有人住", IN_A[0], IN_A[1], "90001"])
    sheet.append(["GD2", "2026-06-01 10:00", "车库有人住", OUTSIDE[0], OUTSIDE[1], "90001"])
    book.save(path)
    out = io.StringIO()
    call_command("import_hotline", str(path), stdout=out)
    summary = json.loads(out.getvalue().splitlines()[0])
    assert summary["created"] == 2 and summary["errors"] == 0
    assert WorkOrder.objects.get(external_id="GD1").status == "dispatched"
    outside = WorkOrder.objects.get(external_id="GD2")
    assert (outside.status, outside.triage_reason) == ("triage", "outside_street")


# --- 我也遇到 without a probe ---


@pytest.fixture
def garbage(world, rules):
    return sv.work_order_create(
        actor=world.users["resident2"], description=GARBAGE, lon=IN_A[0], lat=IN_A[1]
    )


def support(client, pk, **point):
    return client.post(f"{URL}{pk}/support/", point, format="json")


def test_support_answers_only_near_the_callers_point(world, garbage, client_for):
    api = client_for(world.users["resident"])
    unknown = support(api, 99999999, lon=IN_A[0], lat=IN_A[1])
    far = support(api, garbage.pk, lon=IN_B[0] + 0.004, lat=IN_B[1])  # about 1.3 km away
    pointless = support(api, garbage.pk)
    for response in (unknown, far, pointless):
        assert response.status_code == 404
    # the same answer as for an id that does not exist: nothing to learn from it
    assert far.json() == unknown.json() == pointless.json()
    assert "附近没有这张工单" in far.json()["error"]["message"]
    assert not WorkOrderSupporter.objects.exists()
    near = support(api, garbage.pk, lon=IN_A[0] + 0.001, lat=IN_A[1])  # about 95 m
    assert near.status_code == 201 and near.json()["supporters"] == 1


def test_a_second_support_is_409_only_once_the_order_was_visible(world, garbage, client_for):
    api = client_for(world.users["resident"])
    here = {"lon": IN_A[0], "lat": IN_A[1]}
    assert support(api, garbage.pk, **here).status_code == 201
    assert support(api, garbage.pk, **here).status_code == 409
    far = support(api, garbage.pk, lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert far.status_code == 404  # even a supporter learns nothing from far away


def test_orders_residents_are_not_shown_cannot_be_supported(world, rules, garbage):
    firm = sv.work_order_create(
        actor=None, channel="enterprise", description=GARBAGE, lon=IN_A[0], lat=IN_A[1]
    )
    done = sv.work_order_create(
        actor=world.users["grid_a"], description=GARBAGE, lon=IN_A[0], lat=IN_A[1],
        category="06010",
    )  # fmt: skip
    done = sv.work_order_resolve_on_spot(
        actor=world.users["grid_a"], order=done, version=done.version, note="已清运",
        no_photo_reason="现场无信号",
    )  # fmt: skip
    rows = selectors.nearby_similar_orders(
        user=world.users["resident"], description=GARBAGE, lon=IN_A[0], lat=IN_A[1]
    )
    assert [row["id"] for row in rows] == [garbage.pk]  # neither the firm's nor the finished one
    for order in (firm, done):
        with pytest.raises(NotFound):
            sv.work_order_support(
                actor=world.users["resident"], order=order.pk, lon=IN_A[0], lat=IN_A[1]
            )
    assert not WorkOrderSupporter.objects.exists()


def test_the_support_radius_follows_the_duplicate_checks(world, garbage, settings):
    settings.YIWANG_TRIAGE_DUPLICATE_RADIUS_M = 50
    with pytest.raises(NotFound):  # about 95 m away
        sv.work_order_support(
            actor=world.users["resident"], order=garbage, lon=IN_A[0] + 0.001, lat=IN_A[1]
        )


# --- supporters in figures ---


def test_supporter_count_in_the_list_the_detail_and_the_kpis(world, garbage, client_for):
    for who in ("resident", "leader"):
        sv.work_order_support(actor=world.users[who], order=garbage, lon=IN_A[0], lat=IN_A[1])
    other = sv.work_order_create(
        actor=world.users["grid_a"], description="车库住人", lon=IN_B[0], lat=IN_B[1],
        category="90001",
    )  # fmt: skip
    api = client_for(world.users["dispatcher"])
    listed = {row["id"]: row["supporter_count"] for row in api.get(URL).json()["results"]}
    assert listed == {garbage.pk: 2, other.pk: 0}
    assert api.get(f"{URL}{garbage.pk}/").json()["supporter_count"] == 2
    today = timezone.localdate().isoformat()
    kpis = api.get("/api/v1/kpis/", {"from": today, "to": today}).json()
    assert kpis["reported"] == 2  # supporters are never counted as orders
    assert kpis["supported_orders"] == 1 and kpis["supporters"] == 2
    elsewhere = api.get("/api/v1/kpis/", {"grid": world.regions["B"].code}).json()
    assert elsewhere["supported_orders"] == 0 and elsewhere["supporters"] == 0
    earlier = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    old = api.get("/api/v1/kpis/", {"from": earlier, "to": earlier}).json()
    assert old["supporters"] == 0


def test_supporter_figures_are_in_the_openapi_schema(world, client_for):
    schema = client_for(world.users["admin"]).get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert components["WorkOrder"]["properties"]["supporter_count"]["type"] == "integer"
    kpis = components["WorkOrderKpis"]["properties"]
    assert kpis["supported_orders"]["type"] == "integer" and "supporters" in kpis
    support_op = schema["paths"]["/api/v1/workorders/{id}/support/"]["post"]
    assert "404" in support_op["responses"]


# --- channel guards (hooks.py) ---


def test_a_channel_guard_refuses_before_anything_is_filed(world, rules):
    def only_grid_workers(user):
        return "" if user.username == "grid_a" else "测试：只有网格员甲可用此渠道。"

    hooks.register_channel_guard("patrol", only_grid_workers)
    try:
        with pytest.raises(Forbidden) as err:
            sv.work_order_create(
                actor=world.users["grid_b"], channel="patrol", description="路灯坏了",
                lon=IN_B[0], lat=IN_B[1],
            )  # fmt: skip
        assert err.value.code == "channel_forbidden" and "只有网格员甲" in err.value.message
        assert not WorkOrder.objects.exists()
        allowed = sv.work_order_create(
            actor=world.users["grid_a"], channel="patrol", description="路灯坏了",
            lon=IN_A[0], lat=IN_A[1],
        )  # fmt: skip
        assert allowed.channel == "patrol"
        system = sv.work_order_create(
            actor=None, channel="patrol", description="路灯坏了", lon=IN_A[0], lat=IN_A[1]
        )
        assert system.pk  # the system is never asked
    finally:
        hooks.unregister_channel_guard("patrol", only_grid_workers)


# --- yiwang bench everyday ---


def test_bench_everyday_measures_through_the_real_intake_and_keeps_nothing(
    world, rules, monkeypatch
):
    """A stand-in classifier that knows 车库住人 only: the bench must report the one text it
    classifies (dispatched by the 90001 rule) and the others waiting for a person."""
    import types

    from yiwang.workorders.management.commands import bench_everyday

    class Answer(list):
        threshold = 0.8

    def suggest(text):
        return Answer([("90001", 0.95)] if "车库" in text else [("06010", 0.4)])

    from yiwang.workorders import intake

    monkeypatch.setitem(intake._PROVIDERS, "classifier", types.SimpleNamespace(suggest=suggest))
    monkeypatch.setattr(bench_everyday, "EVERYDAY_TEXTS", ("车库有人住", "路灯不亮"))
    out = io.StringIO()
    call_command("bench_everyday", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["dispatched"], result["of"], result["threshold"]) == (1, 2, 0.8)
    garage, light = result["reports"]
    assert garage["dispatched_without_person"] and garage["category"] == "90001"
    assert garage["confidence"] == 0.95 and garage["department"] == "综合行政执法局"
    assert not light["dispatched_without_person"] and light["status"] == "triage"
    assert light["suggestions"] == [["06010", 0.4]]
    assert result["kept"] is False and not WorkOrder.objects.exists()
    from yiwang.workorders.locating import locate_point

    assert locate_point(*result["point"]).grid == world.regions["A"]  # the first grid's point
