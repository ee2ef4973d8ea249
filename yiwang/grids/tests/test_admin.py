"""The admin (系统管理 · 网格) in Chinese: lists, filters, search, and saving through services."""

import json

import pytest

from yiwang.core.models import AuditEvent
from yiwang.grids.models import GridWorker, Region
from yiwang.grids.tests.conftest import box, polygon

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["admin"])
    return client


def test_changelist_in_chinese_with_filters_and_search(admin_client):
    response = admin_client.get("/admin/grids/region/?level__exact=grid&q=网格A")
    text = response.content.decode()
    assert response.status_code == 200
    assert "区域/网格" in text and "层级" in text and "网格类型" in text
    assert "320571001001001" in text and "320571001001002" not in text
    response = admin_client.get("/admin/grids/region/?staffed=no&level__exact=grid")
    assert "320571001002001" in response.content.decode()  # grid C has no worker


def test_change_page_shows_workers_inline(admin_client, world):
    response = admin_client.get(f"/admin/grids/region/{world.regions['A'].pk}/change/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "网格员（姓名、电话依规公开）" in text and "网格员甲" in text


def _form(**over):
    data = {
        "code": "",
        "name": "新网格",
        "level": "grid",
        "kind": "comprehensive",
        "special_type": "",
        "parent": "",
        "geojson": "",
        "is_active": "on",
        "workers-TOTAL_FORMS": "1",
        "workers-INITIAL_FORMS": "0",
        "workers-MIN_NUM_FORMS": "0",
        "workers-MAX_NUM_FORMS": "1000",
        "workers-0-name": "",
        "workers-0-role": "full_time",
        "workers-0-phone": "",
        "workers-0-user": "",
        "workers-0-is_active": "on",
    }
    data.update(over)
    return data


def test_add_with_a_self_intersecting_polygon_shows_the_error(admin_client, world):
    bowtie = polygon((120.001, 31.001), (120.009, 31.009), (120.009, 31.001), (120.001, 31.009))
    response = admin_client.post(
        "/admin/grids/region/add/",
        _form(parent=world.regions["east"].pk, geojson=json.dumps(bowtie)),
    )
    assert response.status_code == 200
    assert "边界自相交" in response.content.decode()
    assert not Region.objects.filter(name="新网格").exists()


def test_add_saves_through_the_service_with_a_generated_code_and_a_worker(admin_client, world):
    response = admin_client.post(
        "/admin/grids/region/add/",
        _form(
            parent=world.regions["west"].pk,
            geojson=json.dumps(box(120.001, 31.011, 0.003)),
            **{"workers-0-name": "新网格员", "workers-0-phone": "13912345678"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    region = Region.objects.get(name="新网格")
    assert region.code == "320571001002003" and region.area_m2 > 0
    assert region.warnings and region.warnings[0]["sibling"] == "320571001002001"  # grid C
    assert GridWorker.objects.get(region=region).phone == "13912345678"
    assert AuditEvent.objects.filter(action="grids.region.create", target_id=str(region.pk))
    assert AuditEvent.objects.filter(action="grids.worker.assign").exists()


def test_bad_worker_phone_is_a_form_error(admin_client, world):
    response = admin_client.post(
        "/admin/grids/region/add/",
        _form(
            parent=world.regions["west"].pk,
            geojson=json.dumps(box(120.001, 31.011, 0.003)),
            **{"workers-0-name": "新网格员", "workers-0-phone": "12345"},
        ),
    )
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.content.decode()


def test_import_reports_are_listed(admin_client):
    assert admin_client.get("/admin/grids/gridimportreport/").status_code == 200
    assert admin_client.get("/admin/grids/gridworker/").status_code == 200


def test_change_updates_through_the_service(admin_client, world):
    grid = world.regions["C"]
    response = admin_client.post(
        f"/admin/grids/region/{grid.pk}/change/",
        _form(
            code=grid.code,
            name="网格C（新）",
            parent=world.regions["west"].pk,
            geojson=grid.geojson,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    grid.refresh_from_db()
    assert (grid.name, grid.version) == ("网格C（新）", 2)
    assert grid.area_m2 > 0  # cached on the way
    assert AuditEvent.objects.filter(action="grids.region.update", target_id=str(grid.pk))
