"""The field-work pages: due list, visit form (with a need), patrol page, coverage."""

from __future__ import annotations

import pytest

from yiwang.fieldwork.models import Visit
from yiwang.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_due_page_lists_households(homes, client):
    res = _login(client, homes.specialist).get("/fw/visits/?lon=120.0071&lat=31.005")
    body = res.content.decode()
    assert res.status_code == 200
    assert "测试路A-3号" in body and "逾期" in body and "距我" in body


def test_visit_form_records_a_visit_with_a_need(homes, client):
    _login(client, homes.specialist)
    url = f"/fw/visits/new/{homes.a1.pk}/"
    assert client.get(url).status_code == 200
    res = client.post(
        url,
        {
            "lon": "120.0051",
            "lat": "31.005",
            "accuracy_m": "8",
            "met": "户主",
            "notes": "正常",
            "need_0": "车库有人居住",
            "need_0_category": "90001",
        },
    )
    visit = Visit.objects.get()
    assert res.status_code == 302 and res.url == f"/fw/visits/{visit.pk}/"
    page = client.get(res.url).content.decode()
    assert "定位核对通过" in page and "工单" in page and visit.needs.get().work_order_id


def test_visit_form_shows_errors_and_saves_nothing(homes, client):
    _login(client, homes.specialist)
    res = client.post(f"/fw/visits/new/{homes.a1.pk}/", {"need_0": "x", "need_0_category": "zz"})
    assert res.status_code == 400 and "第 1 条诉求" in res.content.decode()
    assert Visit.objects.count() == 0
    res = client.post(f"/fw/visits/new/{homes.a1.pk}/", {"paper_date": "2026-99-01"})
    assert res.status_code == 400 and Visit.objects.count() == 0


def test_out_of_scope_household_is_404_and_resident_403(homes, world, client):
    _login(client, world.users["grid_b"])
    assert client.get(f"/fw/visits/new/{homes.a1.pk}/").status_code == 404
    client.logout()
    _login(client, world.users["resident"])
    assert client.get("/fw/visits/").status_code == 403
    assert client.get("/fw/patrol/").status_code == 403


def test_patrol_and_coverage_pages(homes, world, client):
    _login(client, world.users["grid_a"])
    assert "开始巡查" in client.get("/fw/patrol/").content.decode()
    client.logout()
    _login(client, world.users["leader"])
    body = client.get("/fw/coverage/").content.decode()
    assert "走访覆盖率" in body and "东社区" in body
