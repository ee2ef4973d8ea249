"""热点预警: `GET /api/v1/triage/hotspots/` and its selector — a warning for a spiking
(grid, category), none for a steady one, scoped to the user, one GROUP BY, bad params → 400."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.triage.selectors import hotspot_list
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.tests.conftest import IN_A, IN_B

pytestmark = pytest.mark.django_db
URL = "/api/v1/triage/hotspots/"


@pytest.fixture
def history(report):
    """Yesterday is the day looked at (always in the past). Grid A, 暴露垃圾 (06010): one order
    a day for 28 days and one yesterday (steady). Grid B, 机动车乱停放 (09009): one order in
    28 days, six yesterday (a spike)."""
    day = timezone.localdate() - dt.timedelta(days=1)
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

    def hotline(category, point, when, text):
        report(
            actor=None,
            channel=WorkOrder.Channel.HOTLINE,
            category=category,
            lon=point[0],
            lat=point[1],
            reported_at=when,
            description=text,
        )

    for d in range(29):
        hotline("06010", IN_A, noon - dt.timedelta(days=d), f"第{d}天 路边暴露垃圾")
    hotline("09009", IN_B, noon - dt.timedelta(days=9), "路口机动车乱停放")
    for i in range(6):
        hotline("09009", IN_B, noon - dt.timedelta(minutes=10 * i), f"小区门口车辆乱停 {i}")
    return day


def test_spiking_grid_and_category_warns_steady_one_does_not(world, history, client_for):
    response = client_for(world.users["dispatcher"]).get(URL, {"date": history.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["window_days"] == 28 and body["alpha"] == body["false_alarm_rate"] == 0.001
    assert "误报" in body["false_alarm_note"]
    [warning] = body["warnings"]
    assert warning["grid"] == world.regions["B"].code and warning["grid_name"] == "网格B"
    assert warning["category"] == "09009" and warning["category_name"]
    assert warning["observed"] == 6 and warning["expected"] == pytest.approx(1.5 / 28, abs=1e-3)
    assert warning["p_value"] < warning["alpha"] == 0.001


def test_filters(world, history, client_for):
    client = client_for(world.users["dispatcher"])
    day = history.isoformat()
    assert client.get(URL, {"date": day, "grid": world.regions["A"].code}).json()["warnings"] == []
    east = world.regions["east"].code  # grids A and B
    assert len(client.get(URL, {"date": day, "grid": east}).json()["warnings"]) == 1
    assert len(client.get(URL, {"date": day, "category": "09"}).json()["warnings"]) == 1
    assert client.get(URL, {"date": day, "category": "06010"}).json()["warnings"] == []
    assert client.get(URL).json()["warnings"] == []  # today: nothing reported yet


def test_scoped_to_the_user(world, history, client_for):
    def warnings(user):
        return client_for(world.users[user]).get(URL, {"date": history.isoformat()}).json()

    assert len(warnings("grid_b")["warnings"]) == 1  # 网格员乙 works in grid B
    assert warnings("grid_a")["warnings"] == []  # 网格员甲 cannot see grid B
    assert warnings("resident")["warnings"] == []


def test_one_group_by_query(world, history, django_assert_max_num_queries):
    user = world.users["dispatcher"]
    with django_assert_max_num_queries(2):  # the user's data scope, then one GROUP BY
        assert len(hotspot_list(user=user, day=history)) == 1


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"date": "2026-13-01"}, "date", "日期格式应为 YYYY-MM-DD"),
        ({"date": "昨天"}, "date", "日期格式应为 YYYY-MM-DD"),
        ({"date": "2999-01-01"}, "date", "日期不能晚于今天"),
        ({"grid": "A区"}, "grid", "网格编码只能是数字"),
        ({"category": "no-such"}, "category", "未知的事项分类"),
    ],
)
def test_bad_params_are_400_in_chinese(world, client_for, params, field, message):
    response = client_for(world.users["dispatcher"]).get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and message in error["message"] and field in error["fields"]


def test_login_required(world, client_for):
    response = client_for(None).get(URL)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"
