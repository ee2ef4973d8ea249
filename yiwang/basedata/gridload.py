"""Grid load report (网格负荷): households and people per grid against the standard.

A comprehensive grid (综合网格) normally covers 300–500 households (settings
YIWANG_GRID_HOUSEHOLDS_MIN / _MAX: a regulation's norm, a warning and not a rule). Each
comprehensive grid is flagged:

- 空置 empty: no household;
- 低于标准 under: fewer than MIN households;
- 超载 overloaded: more than MAX households;
- 正常 normal otherwise.
Special grids (专属网格: schools, parks, enterprises) are listed but not judged by households.

盲区 (blind areas): the parts of the street's polygon that lie in no grid, computed with Shapely
(street minus the union of its grids), areas in m² in a local equirectangular projection (good
to well under 1 % at a street's size). Pieces smaller than `min_area_m2` (default 10 m²:
slivers between imperfect or rounded borders) are left out and counted apart (`slivers`,
`slivers_area_m2`). Only users who see the whole street (or community) get the blind areas.
"""

from __future__ import annotations

import json

import shapely
from django.conf import settings
from django.db.models import Count
from shapely.geometry import mapping

from yiwang.accounts.scope import data_scope
from yiwang.basedata import access
from yiwang.basedata.geo import GEOMETRY_ERRORS, area_m2, parse_geometry
from yiwang.basedata.models import House, Household, LegalEntity, Person
from yiwang.core.errors import Forbidden, NotFound, ValidationFailed

STATUS_LABELS = {
    "empty": "空置",
    "under": "低于标准",
    "normal": "正常",
    "overloaded": "超载",
    "special": "专属网格",
}


def _prefixes(user):
    if user is None:
        return None
    return access.registry_prefixes(data_scope(user), people=False)


def _pick_street(user, street: str | None, prefixes):
    from yiwang.grids.models import Region

    streets = Region.objects.filter(level=Region.Level.STREET)
    if street:
        region = streets.filter(code=street).first()
        if region is None:
            raise NotFound(f"街道 {street} 不存在。")
        if prefixes is not None and not any(
            region.code.startswith(p) or p.startswith(region.code) for p in prefixes
        ):
            raise NotFound(f"街道 {street} 不存在。")
        return region
    if prefixes is not None:
        candidates = streets.filter(code__in={p[:9] for p in prefixes})
    else:
        candidates = streets
    candidates = list(candidates[:2])
    if len(candidates) != 1:
        raise ValidationFailed("请指定街道编码 street。", fields={"street": ["必填"]})
    return candidates[0]


def _counts(model, grid_ids) -> dict:
    rows = model.objects.filter(grid_id__in=grid_ids).values("grid_id").annotate(n=Count("id"))
    return {r["grid_id"]: r["n"] for r in rows}


def grid_status(kind: str, households: int, low: int, high: int) -> str:
    if kind == "special":
        return "special"
    if households == 0:
        return "empty"
    if households < low:
        return "under"
    if households > high:
        return "overloaded"
    return "normal"


def grid_load_report(
    *,
    user,
    street: str | None = None,
    community: str | None = None,
    min_households: int | None = None,
    max_households: int | None = None,
    min_area_m2: float = 10.0,
) -> dict:
    """The load of every grid of a street (or of one of its communities) the user may see,
    and the blind areas of that street or community."""
    from yiwang.grids.models import Region

    low = settings.YIWANG_GRID_HOUSEHOLDS_MIN if min_households is None else min_households
    high = settings.YIWANG_GRID_HOUSEHOLDS_MAX if max_households is None else max_households
    if low < 0 or high < low:
        raise ValidationFailed(
            "户数标准无效：须 0 ≤ 下限 ≤ 上限。", fields={"min": ["无效"], "max": ["无效"]}
        )
    prefixes = _prefixes(user)
    if prefixes == ():
        raise Forbidden("您的角色无权查看网格负荷。")
    if community and not street:
        street = community[:9]
    region = _pick_street(user, street, prefixes)
    area = region
    if community:
        area = Region.objects.filter(
            code=community, level=Region.Level.COMMUNITY, code__startswith=region.code
        ).first()
        if area is None or (
            prefixes is not None
            and not any(area.code.startswith(p) or p.startswith(area.code) for p in prefixes)
        ):
            raise NotFound(f"社区 {community} 不存在。")
    all_grids = list(
        Region.objects.filter(level=Region.Level.GRID, code__startswith=area.code, is_active=True)
        .select_related("parent")
        .order_by("code")
    )
    grids = [g for g in all_grids if access.code_in(prefixes, g.code)]
    if not grids and prefixes is not None:
        raise Forbidden("您无权查看该街道的网格负荷。")
    ids = [g.pk for g in grids]
    households = _counts(Household, ids)
    people = _counts(Person, ids)
    houses = _counts(House, ids)
    entities = _counts(LegalEntity, ids)
    rows, summary = [], {k: 0 for k in STATUS_LABELS}
    for g in grids:
        n = households.get(g.pk, 0)
        status = grid_status(g.kind, n, low, high)
        summary[status] += 1
        community = g.parent if g.parent and g.parent.level == Region.Level.COMMUNITY else None
        rows.append(
            {
                "code": g.code,
                "name": g.name,
                "kind": g.kind,
                "community": {"code": community.code, "name": community.name}
                if community
                else None,
                "households": n,
                "people": people.get(g.pk, 0),
                "houses": houses.get(g.pk, 0),
                "entities": entities.get(g.pk, 0),
                "status": status,
                "status_label": STATUS_LABELS[status],
            }
        )
    whole_area = prefixes is None or any(area.code.startswith(p) for p in prefixes)
    report = {
        "street": {"code": region.code, "name": region.name},
        "community": {"code": area.code, "name": area.name} if area is not region else None,
        "standard": {"households_min": low, "households_max": high},
        "min_area_m2": min_area_m2,
        "grids": rows,
        "summary": {
            "grids": len(rows),
            "households": sum(r["households"] for r in rows),
            "people": sum(r["people"] for r in rows),
            **{status: summary[status] for status in STATUS_LABELS},
        },
        "blind_area": blind_areas(area, all_grids, min_area_m2) if whole_area else None,
        "warnings": [],
    }
    if not whole_area:
        report["warnings"].append("只显示您管辖范围内的网格；盲区须由管辖整个区域的角色查看。")
    elif report["blind_area"].get("warning"):
        report["warnings"].append(report["blind_area"]["warning"])
    return report


def blind_areas(area, grids, min_area_m2: float = 10.0) -> dict:
    """Parts of the area's (street's or community's) polygon inside no grid (盲区), as GeoJSON
    with areas in m²."""
    out = {
        "area_m2": None,
        "street_area_m2": None,
        "coverage": None,
        "polygons": {"type": "FeatureCollection", "features": []},
        "slivers": 0,
        "slivers_area_m2": 0.0,
        "grids_without_polygon": [],
        "warning": "",
    }
    if not area.geojson:
        out["warning"] = f"{area.name}（{area.code}）没有边界，无法计算盲区。"
        return out
    try:
        street_geom = parse_geometry(area.geojson)
    except GEOMETRY_ERRORS:
        out["warning"] = f"{area.name}（{area.code}）的边界无法解析，无法计算盲区。"
        return out
    geoms = []
    for g in grids:
        geom = None
        if g.geojson:
            try:
                geom = parse_geometry(g.geojson)
            except GEOMETRY_ERRORS:
                geom = None
        if geom is None or geom.is_empty:
            out["grids_without_polygon"].append(g.code)
        else:
            geoms.append(geom)
    covered = shapely.union_all(geoms) if geoms else shapely.Polygon()
    lat0 = street_geom.centroid.y
    rest = street_geom.difference(covered)
    pieces = [p for p in getattr(rest, "geoms", [rest]) if not p.is_empty and p.area > 0]
    features, total, slivers, sliver_area = [], 0.0, 0, 0.0
    for piece in pieces:
        if piece.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        area = area_m2(piece, lat0)
        if area < min_area_m2:
            slivers += 1
            sliver_area += area
            continue
        total += area
        features.append(
            {
                "type": "Feature",
                "properties": {"area_m2": round(area, 1)},
                "geometry": json.loads(json.dumps(mapping(piece))),
            }
        )
    features.sort(key=lambda f: -f["properties"]["area_m2"])
    street_area = area_m2(street_geom, lat0)
    out.update(
        area_m2=round(total, 1),
        street_area_m2=round(street_area, 1),
        coverage=round(1 - total / street_area, 6) if street_area else None,
        polygons={"type": "FeatureCollection", "features": features},
        slivers=slivers,
        slivers_area_m2=round(sliver_area, 1),
    )
    if out["grids_without_polygon"]:
        out["warning"] = (
            f"{len(out['grids_without_polygon'])} 个网格没有可用的边界，未计入覆盖范围。"
        )
    return out
