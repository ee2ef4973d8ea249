"""The resident's report as residents live it (issue 10): the offline base map, 定位到我 and
address matching against the 房屋库, refusal of a point outside the street, 我也遇到 instead of a
duplicate order, the 管理部件 classes and the everyday category picker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.models import AuditEvent
from yiwang.workorders import selectors
from yiwang.workorders import services as sv
from yiwang.workorders.catalogue import COMPONENTS
from yiwang.workorders.demo import RULES
from yiwang.workorders.models import Category, WorkOrder, WorkOrderEvent, WorkOrderSupporter
from yiwang.workorders.tests.conftest import IN_A, OUTSIDE

pytestmark = pytest.mark.django_db

GARBAGE = "青剑湖花园3幢楼下垃圾桶满溢好几天了，臭味很大，一直没人清运"


@pytest.fixture
def houses(world):
    from yiwang.basedata.models import House

    grid_a = world.regions["A"]
    rows = [
        House(address="唯亭街道青剑湖花园3幢101室", lon=120.004, lat=31.004, grid=grid_a),
        House(address="唯亭街道青剑湖花园3幢102室", lon=120.004, lat=31.004, grid=grid_a),
        House(address="唯亭街道青剑湖花园5幢201室", lon=120.006, lat=31.006, grid=grid_a),
        House(address="唯亭街道星湖街88号商铺", kind="shop", lon=120.015, lat=31.015, grid=grid_a),
    ]
    House.objects.bulk_create(rows)
    return rows


def text(response) -> str:
    return response.content.decode()


# --- the offline base map ---------------------------------------------------------------------


def test_base_map_has_every_outline_with_its_name_and_level(world, login):
    client = login(world.users["resident"])
    body = client.get(reverse("workorders:map-base")).json()
    levels = {r["name"]: r["level"] for r in body["regions"]}
    assert levels["测试街道"] == "street" and levels["东社区"] == "community"
    assert levels["网格A"] == "grid"
    assert all(r["geometry"]["type"] in {"Polygon", "MultiPolygon"} for r in body["regions"])
    assert body["houses"] == [] and body["houses_note"]  # not zoomed in: no buildings


def test_base_map_houses_only_when_zoomed_in_and_without_rooms(world, houses, login):
    client = login(world.users["resident"])
    near = client.get(
        reverse("workorders:map-base"), {"bbox": "120.0,31.0,120.01,31.01", "layer": "houses"}
    ).json()
    assert near["regions"] == []  # the houses layer alone
    addresses = sorted(h["address"] for h in near["houses"])
    # Two flats of building 3 are one point; no room number (no household can be told).
    assert addresses == ["唯亭街道青剑湖花园3幢", "唯亭街道青剑湖花园5幢"]
    three = next(h for h in near["houses"] if h["address"].endswith("3幢"))
    assert three["units"] == 2 and (three["lon"], three["lat"]) == (120.004, 31.004)
    assert "室" not in str(near)
    far = client.get(reverse("workorders:map-base"), {"bbox": "119.0,30.0,121.0,32.0"}).json()
    assert far["houses"] == []
    bad = client.get(reverse("workorders:map-base"), {"bbox": "x,1,2"})
    assert bad.status_code == 200 and bad.json()["houses"] == []


def test_base_map_needs_a_login(client):
    response = client.get(reverse("workorders:map-base"))
    assert response.status_code == 302


def test_report_page_draws_the_base_and_offers_locate_me(world, rules, login):
    body = text(login(world.users["resident"]).get(reverse("workorders:report")))
    assert 'data-base-url="/wo/map/base.json"' in body
    assert 'id="gps-button"' in body and "定位到我" in body
    assert "按地址查找位置" in body


# --- address → point ----------------------------------------------------------------------------


def test_an_address_without_a_point_is_matched_against_the_house_register(world, houses, login):
    client = login(world.users["resident"])
    body = text(client.get(reverse("workorders:locate"), {"address": "青剑湖花园 3 栋"}))
    first = body.index("唯亭街道青剑湖花园3幢")
    assert first < body.index("唯亭街道青剑湖花园5幢")
    assert 'data-lon="120.004000"' in body and 'data-lat="31.004000"' in body
    assert "网格A" in body and "室" not in body
    nothing = text(client.get(reverse("workorders:locate"), {"address": "火星基地"}))
    assert "没有找到" in nothing


def test_address_match_normalises_full_width_digits_and_building_words():
    from yiwang.basedata.selectors import _normal_address, building_address

    assert _normal_address("青剑湖花园 ３号楼") == "青剑湖花园3幢"
    assert building_address("唯亭街道青剑湖花园3幢101室") == "唯亭街道青剑湖花园3幢"
    assert building_address("唯亭街道星湖街88号商铺") == "唯亭街道星湖街88号商铺"


# --- a point outside the street -----------------------------------------------------------------


def test_a_point_outside_the_street_is_refused_at_the_form(world, rules, login):
    client = login(world.users["resident"])
    response = client.post(
        reverse("workorders:report"),
        {"description": "路灯不亮", "lon": OUTSIDE[0], "lat": OUTSIDE[1], "submit_token": "t1"},
    )
    assert response.status_code == 400
    body = text(response)
    assert "该位置不在测试街道范围内" in body and "12345" in body
    assert "路灯不亮" in body  # what was typed is kept
    assert not WorkOrder.objects.exists()


def test_the_service_refuses_a_residents_point_outside_but_keeps_a_hotline_call(world, rules):
    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        sv.work_order_create(
            actor=world.users["resident"], description="路灯不亮", lon=OUTSIDE[0], lat=OUTSIDE[1]
        )
    assert err.value.code == "outside_street"
    inside = sv.work_order_create(
        actor=world.users["resident"], description="路灯不亮", lon=IN_A[0], lat=IN_A[1]
    )
    assert inside.grid == world.regions["A"]


# --- 我也遇到 -------------------------------------------------------------------------------------


@pytest.fixture
def garbage(world, rules):
    return sv.work_order_create(
        actor=world.users["resident2"], description=GARBAGE, lon=IN_A[0], lat=IN_A[1]
    )


def test_nearby_open_orders_with_similar_text_are_shown_before_submitting(world, garbage, login):
    client = login(world.users["resident"])
    params = {
        "lon": IN_A[0] + 0.0003,
        "lat": IN_A[1],
        "description": "青剑湖花园3幢垃圾桶满溢了没人清运",
    }
    body = text(client.get(reverse("workorders:report-similar"), params))
    assert "附近已有相似问题" in body and "我也遇到" in body
    assert f"/wo/report/support/{garbage.pk}/" in body
    assert "居民乙" not in body  # never who reported it
    other = dict(params, description="小区门口的健身器材坏了，扶手脱落")
    assert "我也遇到" not in text(client.get(reverse("workorders:report-similar"), other))
    far = dict(params, lon=IN_A[0] + 0.01)
    assert "我也遇到" not in text(client.get(reverse("workorders:report-similar"), far))


def test_i_too_counts_as_a_supporter_not_an_order(world, garbage, login):
    client = login(world.users["resident"])
    before = WorkOrder.objects.count()
    url = reverse("workorders:report-support", args=[garbage.pk])
    response = client.post(url, {"description": "我家楼下也是", "lon": IN_A[0], "lat": IN_A[1]})
    assert response.status_code == 302 and response["Location"] == reverse("workorders:mine")
    assert WorkOrder.objects.count() == before
    supporter = WorkOrderSupporter.objects.get()
    assert (supporter.order, supporter.user) == (garbage, world.users["resident"])
    assert garbage.followers.filter(pk=world.users["resident"].pk).exists()
    event = WorkOrderEvent.objects.filter(order=garbage, action="support").get()
    assert event.data == {"supporters": 1}
    assert AuditEvent.objects.filter(action="workorder.support").count() == 1
    # The resident now sees it among their orders.
    assert garbage.code in text(client.get(reverse("workorders:mine")))
    # Twice: refused, nothing more stored.
    here = {"lon": IN_A[0], "lat": IN_A[1]}
    response = client.post(url, here, follow=True)
    assert "已对该工单点过" in text(response)
    assert WorkOrderSupporter.objects.count() == 1
    # The reporter cannot support their own order; a finished or unknown order is "not found".
    client = login(world.users["resident2"])
    assert "自己上报" in text(client.post(url, here, follow=True))
    missing = client.post(reverse("workorders:report-support", args=[999999]), here, follow=True)
    assert "附近没有这张工单" in text(missing)
    assert WorkOrderSupporter.objects.count() == 1


def test_i_too_through_the_api_and_the_count_on_the_order_page(world, garbage, client_for, login):
    api = client_for(world.users["resident"])
    url = f"/api/v1/workorders/{garbage.pk}/support/"
    here = {"lon": IN_A[0] + 0.0005, "lat": IN_A[1]}
    response = api.post(url, {"description": "我家楼下也满了", **here}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"id": garbage.pk, "code": garbage.code, "supporters": 1}
    again = api.post(url, here, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_supported"
    assert api.post(url, [1], format="json").status_code == 400  # not an object
    gone = api.post("/api/v1/workorders/99999999/support/", here, format="json")
    assert gone.status_code == 404
    assert WorkOrderSupporter.objects.count() == 1
    page = text(
        login(world.users["dispatcher"]).get(reverse("workorders:detail", args=[garbage.pk]))
    )
    assert "1 位居民也遇到" in page


def test_support_service_checks_its_input(world, garbage):
    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        sv.work_order_support(actor=world.users["resident"], order=garbage, lon="东经", lat=31)
    assert not WorkOrderSupporter.objects.exists()


# --- categories -----------------------------------------------------------------------------------


def test_the_153_component_classes_are_seeded_in_five_big_classes(db):
    components = Category.objects.filter(kind=Category.Kind.COMPONENT)
    bigs = dict(components.filter(parent__isnull=True).values_list("code", "name"))
    assert bigs == {
        "01": "市政公用设施",
        "02": "交通设施",
        "03": "市容环卫设施",
        "04": "园林绿化设施",
        "05": "其他管理部件",
    }
    leaves = dict(components.filter(parent__isnull=False).values_list("code", "name"))
    assert len(leaves) == 153 == sum(len(smalls) for _, _, smalls in COMPONENTS)
    assert leaves["01001"] == "供水井盖" and leaves["01037"] == "路灯"
    assert leaves["01013"] == "消防设施" and leaves["02014"] == "交通信号灯"
    assert leaves["03005"] == "垃圾箱" and leaves["04002"] == "行道树"
    assert leaves["05009"] == "文物古迹"
    assert all(c.code.startswith(c.parent.code) for c in components.filter(parent__isnull=False))


def test_demo_rules_cover_the_common_components(db):
    codes = {row[0] for row in RULES}
    assert {"01001", "01037", "01013", "02014", "03005"} <= codes
    known = set(Category.objects.filter(parent__isnull=False).values_list("code", flat=True))
    assert codes <= known


def test_residents_pick_from_everyday_categories_with_icons_and_search(world, rules, login):
    body = text(login(world.users["resident"]).get(reverse("workorders:report")))
    assert '<select name="category"' not in body  # no list of 300 coded options
    assert 'class="cat-chip' in body and "路灯不亮" in body and 'class="cat-svg"' in body
    assert 'id="category-search"' in body and "category-index" in body
    everyday = selectors.everyday_categories()
    assert 8 <= len(everyday) <= 16
    assert {"01037", "01013"} <= {c["code"] for c in everyday}


def test_a_resident_files_under_a_component_class(world, rules, login):
    client = login(world.users["resident"])
    response = client.post(
        reverse("workorders:report"),
        {
            "description": "小区门口路灯不亮",
            "category": "01037",
            "lon": IN_A[0],
            "lat": IN_A[1],
            "submit_token": "t-lamp",
        },
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.category.code == "01037" and order.category.kind == "component"
