"""Point → grid: inside, on borders, outside, bad coordinates, special grids, freshness."""

import json
import random

import numpy as np
import pytest
import shapely

from yiwang.core.errors import ValidationFailed
from yiwang.grids import locate as locator
from yiwang.grids import services
from yiwang.grids.locate import GridIndex, GridLocator, RegionRow, check_lon_lat, locate
from yiwang.grids.models import Region
from yiwang.grids.tests.conftest import box

pytestmark = pytest.mark.django_db


def test_point_inside_a_grid_gives_grid_community_and_street(world):
    found = locate(120.005, 31.005)
    assert found.grid.code == "320571001001001"  # grid A
    assert found.community.name == "东社区"
    assert found.street.name == "测试街道"
    assert found.special == ()
    assert locate(120.015, 31.015).grid.name == "网格D"


def test_shared_border_and_corner_choose_the_smallest_code(world):
    # lon 120.01 is the border of A and B; (120.01, 31.01) is the corner of A, B, C and D.
    assert locate(120.01, 31.005).grid.name == "网格A"
    assert locate(120.01, 31.01).grid.name == "网格A"
    assert locate(120.015, 31.01).grid.name == "网格B"  # border of B and D
    assert locate(120.02, 31.005).grid.name == "网格B"  # outer edge counts as inside


def test_point_outside_every_grid_is_none(world):
    assert locate(120.03, 31.005) is None
    assert locate(0.0, 0.0) is None


@pytest.mark.parametrize(
    "lon, lat, code, field",
    [
        (31.37, 120.78, "swapped_coordinates", "lat"),
        (200, 31, "coordinate_out_of_range", "lon"),
        (120, -95, "coordinate_out_of_range", "lat"),
        (None, 31, "missing_coordinates", "lon"),
        ("", 31, "missing_coordinates", "lon"),
        ("abc", 31, "invalid", "lon"),
        (120, "nan", "invalid", "lat"),
        (120, float("inf"), "invalid", "lat"),
    ],
)
def test_bad_coordinates_are_refused(world, lon, lat, code, field):
    with pytest.raises(ValidationFailed) as err:
        locate(lon, lat)
    assert err.value.code == code
    assert field in err.value.fields


def test_swapped_message_says_so():
    with pytest.raises(ValidationFailed) as err:
        check_lon_lat(31.37, 120.78)
    assert "经纬度可能填反" in err.value.message
    assert check_lon_lat("120.78", "31.37") == (120.78, 31.37)


def test_special_grid_is_listed_but_the_comprehensive_grid_wins(world):
    services.region_create(
        actor=world.users["admin"],
        name="实验小学专属网格",
        level=Region.Level.GRID,
        kind=Region.Kind.SPECIAL,
        special_type="学校",
        parent=world.regions["east"],
        geojson=box(120.008, 31.002, 0.004),  # straddles A and B
    )
    found = locate(120.009, 31.003)
    assert found.grid.name == "网格A"
    assert [r.name for r in found.special] == ["实验小学专属网格"]
    assert locate(120.011, 31.003).grid.name == "网格B"
    assert locate(120.005, 31.005).special == ()


def test_index_follows_changes_in_this_process(world):
    assert locate(120.005, 31.005).grid.name == "网格A"
    services.region_update(actor=world.users["admin"], region=world.regions["A"], is_active=False)
    assert locate(120.005, 31.005) is None
    services.region_update(
        actor=world.users["admin"],
        region=Region.objects.get(pk=world.regions["A"].pk),
        is_active=True,
        name="网格A2",
    )
    assert locate(120.005, 31.005).grid.name == "网格A2"


def test_changes_by_another_process_are_seen_through_the_version_check(world):
    assert locate(120.005, 31.005).grid.name == "网格A"
    # Another process: a plain UPDATE, no signal reaches this process.
    Region.objects.filter(pk=world.regions["A"].pk).update(name="别处改名", version=5)
    assert locate(120.005, 31.005).grid.name == "网格A"  # cached until the next check …
    assert locate(120.005, 31.005, fresh=True).grid.name == "别处改名"  # … or a fresh one


def test_check_interval_zero_checks_every_call(world, settings):
    settings.YIWANG_GRID_INDEX_CHECK_SECONDS = 0
    assert locate(120.005, 31.005).grid.name == "网格A"
    Region.objects.filter(pk=world.regions["A"].pk).update(name="立即可见", version=9)
    assert locate(120.005, 31.005).grid.name == "立即可见"


def test_locate_many_agrees_with_locate(world):
    services.region_create(
        actor=world.users["admin"],
        name="公园专属网格",
        level=Region.Level.GRID,
        kind=Region.Kind.SPECIAL,
        parent=world.regions["west"],
        geojson=box(120.005, 31.012, 0.01, 0.006),
    )
    rng = random.Random(7)
    points = [(rng.uniform(119.995, 120.025), rng.uniform(30.995, 31.025)) for _ in range(400)]
    points += [(120.01, 31.01), (120.0, 31.0), (120.02, 31.02), (120.01, 31.015)]
    many = locator.locate_many(points)
    for (lon, lat), got in zip(points, many, strict=True):
        one = locate(lon, lat)
        assert (one and (one.grid.code, [r.code for r in one.special])) == (
            got and (got.grid.code, [r.code for r in got.special])
        ), (lon, lat)


def test_unreadable_stored_boundary_is_skipped_not_fatal(world):
    Region.objects.filter(pk=world.regions["B"].pk).update(geojson="{not json")
    assert locate(120.015, 31.005, fresh=True) is None
    assert locate(120.005, 31.005).grid.name == "网格A"


def _rows(geoms, kinds=None):
    rows = [
        RegionRow(1, "1", "街道", "street", "comprehensive", "", None, None, "S"),
        RegionRow(2, "1001", "社区", "community", "comprehensive", "", 1, None, "C"),
    ]
    for n, geom in enumerate(geoms):
        kind = kinds[n] if kinds else "comprehensive"
        rows.append(RegionRow(10 + n, f"1001{n:03d}", f"g{n}", "grid", kind, "", 2, geom, f"g{n}"))
    return rows


def test_cell_table_agrees_with_brute_force_on_irregular_polygons():
    rng = random.Random(3)
    geoms, kinds = [], []
    for _ in range(300):  # random, overlapping, some with holes, some multipolygons
        x, y = rng.uniform(0, 1), rng.uniform(0, 1)
        g = shapely.Point(x, y).buffer(rng.uniform(0.01, 0.08), quad_segs=rng.choice([1, 3, 8]))
        if rng.random() < 0.2:
            g = g.difference(shapely.Point(x, y).buffer(0.005))
        if rng.random() < 0.1:
            g = g.union(shapely.box(x + 0.1, y, x + 0.12, y + 0.02))
        geoms.append(g)
        kinds.append("special" if rng.random() < 0.15 else "comprehensive")
    index = GridIndex(_rows(geoms, kinds))
    order = sorted(range(len(geoms)), key=lambda k: (kinds[k] != "comprehensive", f"{k:03d}"))
    ordered = np.array([geoms[k] for k in order], dtype=object)
    for _ in range(3000):
        x, y = rng.uniform(-0.05, 1.05), rng.uniform(-0.05, 1.05)
        hits = [order[n] for n in np.flatnonzero(shapely.intersects_xy(ordered, x, y))]
        got = index.locate(x, y)
        if not hits:
            assert got is None
            continue
        assert got.grid == f"g{hits[0]}"
        assert sorted(got.special) == sorted(f"g{k}" for k in hits if kinds[k] == "special")
        assert got.community == "C" and got.street == "S"


def test_points_on_vertices_and_edges_of_a_lattice_are_deterministic():
    geoms = [shapely.box(i, j, i + 1, j + 1) for i in range(4) for j in range(4)]
    index = GridIndex(_rows(geoms))
    # Vertex (1, 1) belongs to boxes 0 (0,0), 1 (0,1), 4 (1,0), 5 (1,1): the smallest code wins.
    assert index.locate(1.0, 1.0).grid == "g0"
    assert index.locate(4.0, 4.0).grid == "g15"
    assert index.locate(2.0, 0.5).grid == "g4"
    assert index.locate(4.0000001, 2) is None


def test_locator_rebuilds_only_when_the_signature_changes():
    calls = []
    signature = ["v1"]

    def rows():
        calls.append(1)
        return _rows([shapely.box(0, 0, 1, 1)])

    loc = GridLocator(rows=rows, signature=lambda: signature[0], check_seconds=0)
    assert loc.locate(0.5, 0.5).grid == "g0"
    loc.locate(0.5, 0.5)
    assert len(calls) == 1
    signature[0] = "v2"
    loc.locate(0.5, 0.5)
    assert len(calls) == 2
    loc.invalidate()
    loc.locate(0.5, 0.5)
    assert len(calls) == 3


def test_locate_result_as_dict(world):
    body = locate(120.005, 31.005).as_dict()
    assert body["grid"]["code"] == "320571001001001"
    assert body["community"]["level"] == "community"
    assert body["street"]["code"] == "320571001"
    assert json.dumps(body)


def test_widened_cells_still_agree_with_brute_force(monkeypatch):
    monkeypatch.setattr(locator, "MAX_PAIRS", 50)  # force coarse cells
    rng = random.Random(11)
    geoms = [
        shapely.box(i / 10, j / 10, (i + 1) / 10, (j + 1) / 10)
        for i in range(10)
        for j in range(10)
    ]
    index = GridIndex(_rows(geoms))
    assert index.nx < 10
    for _ in range(2000):
        x, y = rng.choice([rng.uniform(-0.05, 1.05), rng.randint(0, 10) / 10]), rng.uniform(0, 1)
        hits = np.flatnonzero(shapely.intersects_xy(np.array(geoms, dtype=object), x, y))
        got = index.locate(x, y)
        assert (got.grid if got else None) == (f"g{hits[0]}" if len(hits) else None), (x, y)


def test_points_on_the_extent_edges_are_found():
    geoms = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    index = GridIndex(_rows(geoms))
    assert index.locate(2.0, 1.0).grid == "g1"
    assert index.locate(2.0, 0.5).grid == "g1"
    assert index.locate(1.0, 1.0).grid == "g0"
    assert index.locate(0.0, 0.0).grid == "g0"


def test_callers_during_a_rebuild_wait_for_the_new_index():
    import threading
    import time as _time

    version = ["v1"]
    entered = threading.Event()

    def rows():
        if version[0] == "v2":
            entered.set()
            _time.sleep(0.3)  # a slow rebuild
            return _rows([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
        return _rows([shapely.box(0, 0, 1, 1)])

    loc = GridLocator(rows=rows, signature=lambda: version[0], check_seconds=60)
    assert loc.locate(5.5, 5.5) is None
    version[0] = "v2"
    loc.invalidate()
    seen = []
    first = threading.Thread(target=lambda: seen.append(("first", loc.locate(5.5, 5.5))))
    first.start()
    entered.wait(5)
    second = loc.locate(5.5, 5.5)  # arrives mid-rebuild: must not get the old index
    first.join()
    assert second is not None and second.grid == "g1"
    assert seen[0][1].grid == "g1"
