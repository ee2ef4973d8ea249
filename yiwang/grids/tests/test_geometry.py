"""Polygon checks: each bad polygon gets a Chinese message naming the problem."""

import pytest
import shapely

from yiwang.grids import geometry as geo
from yiwang.grids.tests.conftest import box, polygon

BOWTIE = polygon((0, 0), (1, 1), (1, 0), (0, 1))


def test_valid_polygon_is_normalised_to_compact_geojson():
    checked = geo.check_polygon(box(120.0, 31.0, 0.01))
    assert checked.repaired_note == ""
    assert checked.geojson.startswith('{"type":"Polygon"')
    assert checked.geom.area == pytest.approx(0.0001)


def test_feature_wrapping_a_polygon_is_accepted():
    checked = geo.check_polygon({"type": "Feature", "properties": {}, "geometry": box(1, 1, 1)})
    assert checked.geom.geom_type == "Polygon"


def test_self_intersecting_polygon_names_the_problem_and_where():
    with pytest.raises(geo.GeometryError) as err:
        geo.check_polygon(BOWTIE)
    assert err.value.code == "invalid_geometry"
    assert "自相交" in err.value.message
    assert "0.500000, 0.500000" in err.value.message
    assert err.value.fields["geojson"]


def test_figure_of_eight_is_not_repaired_even_when_repair_is_allowed():
    with pytest.raises(geo.GeometryError) as err:
        geo.check_polygon(BOWTIE, repair_invalid=True)
    assert err.value.code == "unrepairable"
    assert "无法自动修复" in err.value.message


def test_spike_is_repaired_and_reported():
    spike = polygon((0, 0), (1, 0), (1, 1), (0.5, 1), (0.5, 1.5), (0.5, 1), (0, 1))
    checked = geo.check_polygon(spike, repair_invalid=True)
    assert checked.geom.is_valid
    assert checked.geom.area == pytest.approx(1.0)
    assert "已修复" in checked.repaired_note and "自相交" in checked.repaired_note


def test_unclosed_ring_is_an_error_on_save_and_closed_on_import():
    ring = polygon((0, 0), (1, 0), (1, 1), (0, 1), close=False)
    with pytest.raises(geo.GeometryError) as err:
        geo.check_polygon(ring)
    assert err.value.code == "unclosed_ring"
    assert "未闭合" in err.value.message
    checked = geo.check_polygon(ring, repair_invalid=True)
    assert "未闭合" in checked.repaired_note
    assert checked.geom.area == pytest.approx(1.0)


@pytest.mark.parametrize(
    "value, code, words",
    [
        ('{"type": "Polygon", ', "malformed_json", "第 1 行"),
        ("   ", "empty", "为空"),
        ({"type": "Point", "coordinates": [1, 2]}, "not_polygon", "Point"),
        ({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, "not_polygon", "面"),
        (polygon((0, 0), (1, 0), (0, 0), close=False), "too_few_points", "顶点不足"),
        (polygon((0, 0), (200, 0), (1, 1)), "coordinate_out_of_range", "超出范围"),
        (polygon((0, 0), ("x", 0), (1, 1)), "invalid_geometry", "数字"),
        ({"type": "Polygon", "coordinates": []}, "invalid_geometry", "缺少坐标"),
        ([1, 2, 3], "invalid_geometry", "type"),
    ],
)
def test_bad_geojson_gets_a_clear_error(value, code, words):
    with pytest.raises(geo.GeometryError) as err:
        geo.check_polygon(value)
    assert err.value.code == code
    assert words in err.value.message


def test_swapped_coordinates_in_a_polygon_are_named():
    with pytest.raises(geo.GeometryError) as err:
        geo.check_polygon(box(31.37, 120.78, 0.01))
    assert "经纬度可能填反" in err.value.message


def test_inside_parent_within_tolerance():
    parent = shapely.box(0, 0, 1, 1)
    geo.check_inside(shapely.box(0.5, 0.5, 1.004, 0.9), parent, parent_label="父")  # ~1 % out
    with pytest.raises(geo.GeometryError) as err:
        geo.check_inside(shapely.box(0.5, 0.5, 1.2, 0.9), parent, parent_label="东社区")
    assert err.value.code == "outside_parent"
    assert "东社区" in err.value.message and "28.6%" in err.value.message


def test_tolerance_in_metres_accepts_a_sliver_along_the_border(settings):
    settings.YIWANG_GRID_PARENT_TOLERANCE = 0.0
    parent = shapely.box(120.0, 31.0, 120.01, 31.01)
    child = shapely.box(120.0, 31.0, 120.01 + 0.00002, 31.01)  # ~2 m over the east border
    geo.check_inside(child, parent, parent_label="父")
    settings.YIWANG_GRID_PARENT_TOLERANCE_M = 0.5
    with pytest.raises(geo.GeometryError):
        geo.check_inside(child, parent, parent_label="父")


def test_area_in_square_metres_is_close_to_the_truth():
    # 0.01° × 0.01° at 31° N: about 953 m × 1109 m.
    area = geo.area_m2(shapely.box(120.0, 31.0, 120.01, 31.01))
    assert 1.04e6 < area < 1.07e6


def test_overlaps_are_measured():
    a = shapely.box(120.0, 31.0, 120.01, 31.01)
    b = shapely.box(120.009, 31.0, 120.02, 31.01)
    found = geo.overlaps_with(a, [("B", "乙", b), ("C", "丙", shapely.box(121, 31, 121.1, 31.1))])
    assert [w["sibling"] for w in found] == ["B"]
    assert found[0]["area_m2"] == pytest.approx(0.1 * 1.06e6, rel=0.05)
    assert "重叠" in found[0]["message"]
