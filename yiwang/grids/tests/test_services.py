"""Region and grid-worker services: validation, codes, warnings, versions, audit."""

import json

import pytest

from yiwang.core.errors import Conflict, StaleVersion, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.grids import services
from yiwang.grids.models import GridWorker, Region
from yiwang.grids.tests.conftest import box, polygon

pytestmark = pytest.mark.django_db


def create(world, **kw):
    kw.setdefault("actor", world.users["admin"])
    kw.setdefault("level", Region.Level.GRID)
    kw.setdefault("parent", world.regions["east"])
    return services.region_create(**kw)


def test_create_generates_the_next_code_under_the_parent_and_caches_box_and_area(world):
    # 东社区 spans [120.00, 120.02] × [31.00, 31.01] and holds grids A (…001) and B (…002).
    result = create(world, name="新网格", geojson=box(120.002, 31.002, 0.004))
    region = result.region
    assert region.code == "320571001001003"
    assert region.bbox == pytest.approx([120.002, 31.002, 120.006, 31.006])
    assert 165_000 < region.area_m2 < 173_000  # 381 m × 443 m
    # It lies inside grid A: an overlap with a sibling is a warning, stored, not a refusal.
    assert [w["sibling"] for w in result.warnings] == ["320571001001001"]
    assert region.warnings[0]["code"] == "sibling_overlap"
    event = AuditEvent.objects.get(action="grids.region.create", target_id=str(region.pk))
    assert event.after["code"] == region.code and "重叠" in event.note


def test_special_grid_codes_start_at_901_and_do_not_warn_about_comprehensive_grids(world):
    result = create(
        world,
        name="学校专属网格",
        kind=Region.Kind.SPECIAL,
        special_type="学校",
        geojson=box(120.002, 31.002, 0.004),
    )
    assert result.region.code == "320571001001901"
    assert result.region.special_type == "学校"
    assert not [w for w in result.warnings if w["code"] == "sibling_overlap"]


def test_self_intersecting_polygon_is_refused_with_a_chinese_message(world):
    bowtie = polygon((120.001, 31.001), (120.009, 31.009), (120.009, 31.001), (120.001, 31.009))
    with pytest.raises(ValidationFailed) as err:
        create(world, name="坏网格", geojson=bowtie)
    assert "边界自相交" in err.value.message
    assert "geojson" in err.value.fields
    assert not Region.objects.filter(name="坏网格").exists()


def test_unclosed_ring_is_refused(world):
    ring = polygon((120.001, 31.001), (120.009, 31.001), (120.009, 31.009), close=False)
    with pytest.raises(ValidationFailed) as err:
        create(world, name="未闭合", geojson=ring)
    assert err.value.code == "unclosed_ring"


def test_malformed_json_is_refused(world):
    with pytest.raises(ValidationFailed) as err:
        create(world, name="坏JSON", geojson='{"type": "Polygon", "coordinates": [[[1,2]')
    assert err.value.code == "malformed_json"
    assert "第 1 行" in err.value.message


def test_polygon_outside_its_parent_is_refused(world):
    with pytest.raises(ValidationFailed) as err:
        create(world, name="越界", geojson=box(120.015, 31.005, 0.01))  # half in 东社区
    assert err.value.code == "outside_parent"
    assert "东社区" in err.value.message


def test_parent_must_be_one_level_up(world):
    with pytest.raises(ValidationFailed) as err:
        create(
            world, name="挂错", parent=world.regions["street"], geojson=box(120.001, 31.001, 0.001)
        )
    assert err.value.code == "bad_parent"
    assert "上级必须是社区" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        create(world, name="无上级", parent=None, geojson=box(120.001, 31.001, 0.001))
    assert err.value.code == "no_parent"


def test_explicit_code_must_fit_level_and_parent_and_be_unique(world):
    for code, word in [
        ("32057100100199", "15 位数字"),
        ("320571001002099", "必须以上级"),
        ("320571001001001", "已被使用"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            create(world, name="编码", code=code, geojson=box(120.001, 31.001, 0.001))
        assert word in err.value.message, code


def test_street_without_code_needs_a_prefix(world):
    with pytest.raises(ValidationFailed):
        create(
            world, name="新街道", level=Region.Level.STREET, parent=None, geojson=box(121, 31, 1)
        )
    result = create(
        world,
        name="新街道",
        level=Region.Level.STREET,
        parent=None,
        code_prefix="320571",
        geojson=box(121, 31, 1),
    )
    assert result.region.code == "320571002"


def test_update_checks_the_version_and_bumps_it(world):
    grid = world.regions["A"]
    result = services.region_update(
        actor=world.users["admin"], region=grid, version=grid.version, name="网格A（改）"
    )
    assert result.region.version == 2
    grid.refresh_from_db()
    assert grid.name == "网格A（改）"
    stale = Region.objects.get(pk=grid.pk)
    stale.version = 1
    with pytest.raises(StaleVersion):
        services.region_update(actor=world.users["admin"], region=stale, version=1, name="x")
    event = AuditEvent.objects.get(action="grids.region.update", target_id=str(grid.pk))
    assert event.before["name"] == "网格A" and event.after["name"] == "网格A（改）"


def test_concurrent_update_loses_with_409(world):
    first = Region.objects.get(pk=world.regions["A"].pk)
    second = Region.objects.get(pk=world.regions["A"].pk)
    services.region_update(actor=world.users["admin"], region=first, name="甲改")
    with pytest.raises(StaleVersion):  # compare-and-set even without a client version
        services.region_update(actor=world.users["admin"], region=second, name="乙改")
    assert Region.objects.get(pk=first.pk).name == "甲改"


def test_code_of_a_region_with_children_cannot_change(world):
    east = world.regions["east"]
    with pytest.raises(Conflict):
        services.region_update(actor=world.users["admin"], region=east, code="320571001009")


def test_shrinking_a_community_warns_about_children_left_outside(world):
    east = world.regions["east"]
    result = services.region_update(
        actor=world.users["admin"], region=east, geojson=json.dumps(box(120.0, 31.0, 0.01))
    )
    outside = [w for w in result.warnings if w["code"] == "child_outside"]
    assert [w["child"] for w in outside] == ["320571001001002"]  # grid B


def test_grid_worker_phone_is_checked(world):
    with pytest.raises(ValidationFailed) as err:
        services.grid_worker_assign(
            actor=world.users["admin"], region=world.regions["C"], name="丙", phone="12345"
        )
    assert err.value.fields.get("phone")
    worker = services.grid_worker_assign(
        actor=world.users["admin"], region=world.regions["C"], name="丙", phone="139 1234 5678"
    )
    assert GridWorker.objects.get(pk=worker.pk).phone == "13912345678"
    assert AuditEvent.objects.filter(action="grids.worker.assign").count() == 1
