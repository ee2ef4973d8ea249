"""Real data: the 苏州工业园区 streets, communities and 826 comprehensive grids
(../shared/data/geo-boundaries/sip-grids, see its SOURCE.md; never copied into the repository).

Imported with the same service as `yiwang import grids`: the 5 streets (codes generated under
320576), the 179 communities (parent = the street containing each community's representative
point), the 826 comprehensive grids (parent = the community containing the grid's
representative point). Then every grid's representative point must locate back to that grid,
with the community its `所属社区` names and the street `sip_communities_by_street` gives.

Known, explained exceptions (counted and asserted to stay tiny):
* 兴浦社区综合网格6 and 7: the map layer labels them 兴浦社区, but both polygons lie wholly
  inside the 金胜社区 polygon (a community that sip_communities_by_street no longer lists), so
  containment puts them in 金胜社区.
* A representative point inside two overlapping neighbours would be ambiguous; with this data
  there are none, and the test asserts there are at most a handful.
"""

import json
from collections import Counter

import pytest
import shapely

from yiwang.grids import geometry as geo
from yiwang.grids.importers import import_regions
from yiwang.grids.locate import locate, locate_many
from yiwang.grids.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


def _features(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def test_import_and_locate_the_real_sip_grids(shared_data, world, client_for):
    base = shared_data / "geo-boundaries" / "sip-grids"
    admin = world.users["admin"]

    streets = import_regions(
        actor=admin,
        source=base / "sip_streets_dissolved.geojson",
        level="street",
        name_field="street",
        code_prefix="320576",
    )
    assert (len(streets.created), len(streets.rejected)) == (5, 0)
    # 3 of the 5 dissolved outlines are slightly invalid (a collapsed ring, a self-touch).
    assert 1 <= len(streets.repaired) <= 4, streets.repaired

    communities = import_regions(
        actor=admin,
        source=base / "sip_communities_2000sz.geojson",
        level="community",
        name_field="社区名称",
    )
    assert (len(communities.created), len(communities.rejected)) == (179, 0), communities.rejected
    assert len(communities.repaired) <= 4

    grids = import_regions(
        actor=admin,
        source=base / "sip_grids_comprehensive.geojson",
        level="grid",
        name_field="网格全称",
    )
    assert (len(grids.created), len(grids.rejected)) == (826, 0), grids.rejected
    assert 1 <= len(grids.repaired) <= 5, grids.repaired  # 2 self-intersecting rings
    assert all("已修复" in r["note"] for r in grids.repaired)
    assert len(grids.overlaps) <= 10  # slivers between neighbours, reported not refused
    print(
        f"\nreal data: streets {len(streets.created)} (repaired {len(streets.repaired)}), "
        f"communities {len(communities.created)} (repaired {len(communities.repaired)}), "
        f"grids {len(grids.created)} (repaired {len(grids.repaired)}, "
        f"sibling overlaps {len(grids.overlaps)})"
    )

    # Every grid's representative point locates back to it.
    features = _features(base / "sip_grids_comprehensive.geojson")
    code_of = {c["index"]: c["code"] for c in grids.created}
    geoms = [geo.check_polygon(f["geometry"], repair_invalid=True).geom for f in features]
    points = [(p.x, p.y) for p in (g.representative_point() for g in geoms)]
    tree = shapely.STRtree(geoms)
    ambiguous, wrong = [], []
    batch = locate_many(points)
    for n, (lon, lat) in enumerate(points):
        found = locate(lon, lat)
        assert found is not None, features[n]["properties"]["网格全称"]
        assert batch[n].grid.code == found.grid.code
        if found.grid.code != code_of[n + 1]:
            holders = tree.query(shapely.Point(lon, lat), predicate="intersects")
            (ambiguous if len(holders) > 1 else wrong).append(n)
    assert wrong == []
    assert len(ambiguous) <= 3, ambiguous

    # Community and street as the data names them.
    street_of = {
        f["properties"]["name"]: f["properties"]["street"]
        for f in _features(base / "sip_communities_by_street.geojson")
    }
    relabelled, street_wrong = [], []
    for n, (lon, lat) in enumerate(points):
        if n in ambiguous:
            continue
        props = features[n]["properties"]
        found = locate(lon, lat)
        if found.community.name != props["所属社区"]:
            relabelled.append((props["网格全称"], found.community.name))
        elif props["所属社区"] in street_of and found.street.name != street_of[props["所属社区"]]:
            street_wrong.append((props["网格全称"], found.street.name))
    assert street_wrong == []
    # The only disagreements are the two 兴浦 grids drawn inside 金胜社区 (see the module doc).
    assert relabelled == [
        ("胜浦街道兴浦社区综合网格6", "金胜社区"),
        ("胜浦街道兴浦社区综合网格7", "金胜社区"),
    ]
    print(f"located {len(points)} representative points: ambiguous {len(ambiguous)}, relabelled "
          f"{len(relabelled)} {relabelled}")  # fmt: skip

    # Every street got its communities, and all 5 streets are in the index.
    per_street = Counter(
        locate(*points[n]).street.name for n in range(len(points)) if n not in ambiguous
    )
    assert set(per_street) == {"金鸡湖街道", "斜塘街道", "唯亭街道", "娄葑街道", "胜浦街道"}

    client = client_for(world.users["admin"])
    lon, lat = points[0]
    body = client.get("/api/v1/grids/locate/", {"lon": lon, "lat": lat}).json()
    assert body["grid"]["code"] == code_of[1]
    assert body["community"]["name"] == features[0]["properties"]["所属社区"]
    # Outside the park (west of 苏州古城, Shanghai, 阳澄湖 north shore, the sea): JSON 404.
    for lon, lat in [(120.55, 31.30), (121.47, 31.23), (120.75, 31.50), (122.5, 30.5)]:
        response = client.get("/api/v1/grids/locate/", {"lon": lon, "lat": lat})
        assert response.status_code == 404, (lon, lat)
        assert response.json()["error"]["code"] == "outside_grids"
    # … and swapped coordinates of a real point are named.
    response = client.get("/api/v1/grids/locate/", {"lon": points[0][1], "lat": points[0][0]})
    assert response.json()["error"]["code"] == "swapped_coordinates"


def test_reimporting_the_real_grids_updates_in_place(shared_data, world):
    base = shared_data / "geo-boundaries" / "sip-grids"
    admin = world.users["admin"]
    import_regions(
        actor=admin,
        source=base / "sip_streets_dissolved.geojson",
        level="street",
        name_field="street",
        code_prefix="320576",
    )
    again = import_regions(
        actor=admin,
        source=base / "sip_streets_dissolved.geojson",
        level="street",
        name_field="street",
        code_prefix="320576",
    )
    assert (len(again.created), len(again.updated)) == (0, 5)
    communities = import_regions(
        actor=admin,
        source=base / "sip_communities_by_street.geojson",
        level="community",
        name_field="name",
        parent_field="street",
        dry_run=True,
    )
    # By the street named in the file rather than by containment: all 176 find their street.
    assert (len(communities.created), len(communities.rejected)) == (176, 0), communities.rejected


def test_real_layers_import_with_their_official_codes_in_one_pass(shared_data, world, client_for):
    """The park's communities (社区编码_12位数字, 3205050…/3205060…) and grids (网格编码_15位数字)
    do not nest under the street codes generated under 320576: each keeps its official code
    beside a generated nested code, nothing is refused."""
    base = shared_data / "geo-boundaries" / "sip-grids"
    admin = world.users["admin"]
    import_regions(
        actor=admin,
        source=base / "sip_streets_dissolved.geojson",
        level="street",
        name_field="street",
        code_prefix="320576",
    )
    communities = import_regions(
        actor=admin,
        source=base / "sip_communities_2000sz.geojson",
        level="community",
        name_field="社区名称",
        code_field="社区编码_12位数字",
    )
    assert (len(communities.created), len(communities.rejected)) == (179, 0), communities.rejected
    grids = import_regions(
        actor=admin,
        source=base / "sip_grids_comprehensive.geojson",
        level="grid",
        name_field="网格全称",
        code_field="网格编码_15位数字",
    )
    assert (len(grids.created), len(grids.rejected)) == (826, 0), grids.rejected
    heyun = Region.objects.get(level="community", name="荷韵社区")
    assert heyun.official_code == "320505006023"
    assert heyun.code.startswith(heyun.parent.code) and heyun.code.startswith("320576")
    grid = Region.objects.get(official_code="320505006023001")
    assert grid.name == "斜塘街道荷韵社区综合网格1" and grid.code.startswith(grid.parent.code)
    stored = Region.objects.filter(level="grid").exclude(official_code="").count()
    assert stored == 826
    client = client_for(admin)
    rows = client.get("/api/v1/grids/", {"parent": heyun.code, "q": "320505006023001"}).json()
    rows = rows.get("results", rows)
    assert [r["official_code"] for r in rows] == ["320505006023001"]
