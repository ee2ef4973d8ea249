"""The demo street 唯亭街道: counts, valid geometry, no sibling overlaps, the gridworker point."""

import io

import numpy as np
import pytest
import shapely

from yiwang.accounts import demo as accounts_demo
from yiwang.grids import demo
from yiwang.grids import geometry as geo
from yiwang.grids.locate import locate
from yiwang.grids.models import GridWorker, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_street(db):
    accounts_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    return out.getvalue()


def test_counts_and_codes(demo_street):
    assert "464 个综合网格" in demo_street
    street = Region.objects.get(code="320576052")
    assert street.name == "唯亭街道" and street.level == "street"
    communities = Region.objects.filter(level="community", parent=street)
    assert communities.count() == 35
    assert set(communities.values_list("code", flat=True)) == {
        "320576052" + suffix for suffix, _ in accounts_demo.COMMUNITIES
    }
    grids = Region.objects.filter(level="grid")
    assert grids.filter(kind="comprehensive").count() == 464
    specials = grids.filter(kind="special")
    assert set(specials.values_list("special_type", flat=True)) >= {"学校", "公园", "企业"}
    for grid in grids.select_related("parent"):
        assert grid.code.startswith(grid.parent.code) and len(grid.code) == 15
    assert GridWorker.objects.filter(region__level="grid").count() == grids.count()


def test_every_polygon_is_valid_inside_its_parent_without_sibling_overlaps(demo_street):
    regions = list(Region.objects.select_related("parent"))
    geoms = {r.code: geo.check_polygon(r.geojson).geom for r in regions}
    for r in regions:
        if r.parent_id:
            # Coordinates are rounded to 1e-7° (1 cm): slivers of a few mm along the border.
            assert geo.outside_share(geoms[r.code], geoms[r.parent.code]) < 1e-4, r.code
            assert r.area_m2 > 0 and r.min_lon is not None
    by_parent = {}
    for r in regions:
        by_parent.setdefault((r.parent_id, r.level, r.kind), []).append(geoms[r.code])
    for group in by_parent.values():
        arr = np.array(group, dtype=object)
        tree = shapely.STRtree(arr)
        a, b = tree.query(arr, predicate="intersects")
        keep = a < b
        if keep.any():
            shared = shapely.area(shapely.intersection(arr[a[keep]], arr[b[keep]]))
            assert float(shared.max()) < 1e-12  # touching edges only
    # Grids tile their community; communities tile the street.
    street = geoms["320576052"]
    communities = [geoms[r.code] for r in regions if r.level == "community"]
    assert shapely.union_all(communities).symmetric_difference(street).area < 1e-9
    one = next(r for r in regions if r.level == "community")
    tiles = [geoms[r.code] for r in regions if r.parent_id == one.pk and r.kind == "comprehensive"]
    assert sum(t.area for t in tiles) == pytest.approx(geoms[one.code].area, rel=1e-5)


def test_the_demo_lies_around_weiting(demo_street):
    street = Region.objects.get(code="320576052")
    assert 120.70 < street.min_lon < street.max_lon < 120.87
    assert 31.30 < street.min_lat < street.max_lat < 31.43


def test_gridworker_works_in_the_grid_containing_the_point(demo_street):
    found = locate(120.78, 31.37)
    assert found is not None and found.street.code == "320576052"
    worker = GridWorker.objects.get(user__username="gridworker")
    assert worker.region_id == found.grid.pk
    assert worker.role == GridWorker.Role.FULL_TIME
    assert found.grid.name in demo_street


def test_gridworker_sees_own_grid_through_the_api(demo_street, client_for):
    from yiwang.accounts.models import User

    user = User.objects.get(username="gridworker")
    found = locate(120.78, 31.37)
    body = client_for(user).get(f"/api/v1/grids/?parent={found.community.code}").json()
    assert [r["code"] for r in body["results"]] == [found.grid.code]
    other = Region.objects.filter(level="grid").exclude(pk=found.grid.pk).first()
    assert client_for(user).get(f"/api/v1/grids/{other.code}/").status_code == 404
    dispatcher = User.objects.get(username="dispatcher")
    assert client_for(dispatcher).get(f"/api/v1/grids/{other.code}/").status_code == 200


def test_demo_is_idempotent(demo_street):
    counts = (Region.objects.count(), GridWorker.objects.count())
    versions = dict(Region.objects.values_list("code", "updated_at"))
    accounts_demo.load(io.StringIO())
    demo.load(io.StringIO())
    assert (Region.objects.count(), GridWorker.objects.count()) == counts
    assert dict(Region.objects.values_list("code", "updated_at")) == versions  # nothing rewritten
    assert GridWorker.objects.filter(user__username="gridworker").count() == 1


def test_demo_phones_are_valid_and_deterministic(demo_street):
    from yiwang.core.validators import check_phone

    phones = [w.phone for w in GridWorker.objects.order_by("region__code")[:50]]
    assert all(check_phone(p) is None for p in phones)
    assert demo.build_layout() == demo.build_layout()
