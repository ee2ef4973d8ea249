"""Polygon checks for the grid (网格边界校验): parse GeoJSON, check rings, validity, repair,
containment in the parent and overlaps with siblings. Pure functions on Shapely 2 geometries;
every message is Chinese and names the problem.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import shapely
from django.conf import settings
from shapely.geometry import mapping, shape

from yiwang.core.errors import ValidationFailed

POLYGON_TYPES = ("Polygon", "MultiPolygon")

# GEOS `is_valid_reason` prefixes → what a person drawing the map should hear.
VALIDITY_REASONS = [
    ("Ring Self-intersection", "环自相交（某个环在一点上与自身相接）"),
    ("Self-intersection", "边界自相交"),
    ("Too few points", "顶点过少（某个环少于 3 个不同的顶点）"),
    ("Hole lies outside shell", "内环（洞）位于外环之外"),
    ("Holes are nested", "内环相互嵌套"),
    ("Interior is disconnected", "内部不连通（内环把面切成了几块）"),
    ("Nested shells", "多面中的外环相互嵌套"),
    ("Duplicate Rings", "存在重复的环"),
    ("Invalid Coordinate", "坐标无效"),
    ("Ring is not closed", "环未闭合"),
]
_WHERE = re.compile(r"\[([-\d.eE+]+) ([-\d.eE+]+)")


class GeometryError(ValidationFailed):
    """A polygon that cannot be stored; `code` says which rule it broke."""

    code = "invalid_geometry"

    def __init__(self, message: str, *, code: str | None = None, field: str = "geojson"):
        super().__init__(message, code=code, fields={field: [message]})


@dataclass
class CheckedGeometry:
    """A polygon that passed the checks: the Shapely geometry, its GeoJSON text, and what was
    repaired on the way (empty when nothing was)."""

    geom: object
    geojson: str
    repaired_note: str = ""


# ---------------------------------------------------------------------------------------------
# Parsing and structure


def load_json(value, *, what: str = "GeoJSON"):
    """JSON text (str or bytes) → Python value, with the line and column of a syntax error."""
    if isinstance(value, bytes | bytearray):
        try:
            value = value.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GeometryError(f"{what} 不是 UTF-8 编码的文本。", code="malformed_json")
    if not isinstance(value, str):
        return value
    if not value.strip():
        raise GeometryError(f"{what} 为空。", code="empty")
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise GeometryError(
            f"{what} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}。",
            code="malformed_json",
        )


def polygon_dict(value) -> dict:
    """The GeoJSON geometry object of a Polygon/MultiPolygon given as text, a geometry or a
    Feature. Anything else is refused with a message naming what it was."""
    data = load_json(value)
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
        if data is None:
            raise GeometryError("要素没有几何（geometry 为空）。", code="not_polygon")
    if not isinstance(data, dict) or "type" not in data:
        raise GeometryError("GeoJSON 必须是带 type 的对象（Polygon 或 MultiPolygon）。")
    if data["type"] not in POLYGON_TYPES:
        raise GeometryError(
            f"边界必须是面（Polygon 或 MultiPolygon），收到的是 {data['type']}。",
            code="not_polygon",
        )
    return data


def _position(pos, where: str) -> tuple[float, float]:
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        raise GeometryError(f"{where}：坐标必须是 [经度, 纬度]。")
    lon, lat = pos[0], pos[1]
    for label, v in (("经度", lon), ("纬度", lat)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise GeometryError(f"{where}：{label}必须是有限的数字，收到 {v!r}。")
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        hint = "（经纬度可能填反）" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise GeometryError(
            f"{where}：坐标 [{lon}, {lat}] 超出范围（经度 -180～180，纬度 -90～90）{hint}。",
            code="coordinate_out_of_range",
        )
    return float(lon), float(lat)


def check_rings(data: dict, *, close_rings: bool = False) -> tuple[dict, list[str]]:
    """Check the nesting, coordinates and closure of every ring.

    An unclosed ring is an error, or — with `close_rings` (imports) — closed and reported.
    Returns the (possibly corrected) geometry object and the notes on what was corrected.
    """
    coords = data.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise GeometryError(f"{data['type']} 缺少坐标（coordinates）。")
    polygons = [coords] if data["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError(f"{data['type']} 缺少坐标（coordinates）。")
    notes: list[str] = []
    fixed_polygons = []
    for p, rings in enumerate(polygons, start=1):
        part = f"第 {p} 个面" if data["type"] == "MultiPolygon" else "面"
        if not isinstance(rings, list) or not rings:
            raise GeometryError(f"{part}没有环。")
        fixed_rings = []
        for r, ring in enumerate(rings, start=1):
            where = f"{part}的第 {r} 个环" + ("（外环）" if r == 1 else "（内环）")
            if not isinstance(ring, list):
                raise GeometryError(f"{where}必须是坐标数组。")
            points = [_position(pos, where) for pos in ring]
            if len(points) >= 2 and points[0] != points[-1]:
                if not close_rings:
                    raise GeometryError(
                        f"{where}未闭合：首点 {list(points[0])} 与末点 {list(points[-1])} 不同。",
                        code="unclosed_ring",
                    )
                points.append(points[0])
                notes.append(f"{where}未闭合，已补上首点闭合")
            if len(points) < 4:
                raise GeometryError(
                    f"{where}顶点不足：至少需要 4 个坐标（3 个顶点加上与首点相同的末点），"
                    f"实有 {len(points)} 个。",
                    code="too_few_points",
                )
            fixed_rings.append([list(pt) for pt in points])
        fixed_polygons.append(fixed_rings)
    out = {
        "type": data["type"],
        "coordinates": fixed_polygons[0] if data["type"] == "Polygon" else fixed_polygons,
    }
    return out, notes


def validity_problem(geom) -> str | None:
    """Chinese description of why a geometry is invalid, with where; None when valid."""
    if geom.is_valid:
        return None
    reason = shapely.is_valid_reason(geom)
    text = next((cn for en, cn in VALIDITY_REASONS if reason.startswith(en)), reason)
    m = _WHERE.search(reason)
    if m:
        text += f"，位置约 ({float(m.group(1)):.6f}, {float(m.group(2)):.6f})"
    return text


def polygonal_part(geom):
    """Only the areal part of a geometry (make_valid may return lines and points beside it)."""
    if geom.is_empty:
        return shapely.MultiPolygon()
    if geom.geom_type in POLYGON_TYPES:
        return geom
    parts = [
        p
        for g in shapely.get_parts(geom)
        for p in (shapely.get_parts(g) if g.geom_type == "MultiPolygon" else [g])
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    if not parts:
        return shapely.MultiPolygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def repair(geom, problem: str) -> tuple[object, str]:
    """Repair a slightly invalid polygon, or refuse.

    Two independent repairs — `make_valid` and `buffer(0)` — must agree to within 1 % of the
    area: they do for rounding slivers, spikes and self-touching rings, and disagree for a
    figure-of-eight (“8” 字形) whose intended shape nobody can guess.
    """
    fixed = polygonal_part(shapely.make_valid(geom))
    if fixed.is_empty or fixed.area == 0:
        raise GeometryError(
            f"边界无效且无法修复：{problem}；修复后不再是面（面积为零）。", code="unrepairable"
        )
    other = polygonal_part(geom.buffer(0))
    if abs(fixed.area - other.area) > 0.01 * fixed.area:
        raise GeometryError(
            f"边界无效且无法自动修复：{problem}；两种修复方法结果不一致（如“8”字形自相交），"
            "请在制图软件中修正。",
            code="unrepairable",
        )
    change = abs(fixed.area - max(shapely.area(geom), 0.0)) / fixed.area
    note = f"已修复：{problem}"
    if change > 1e-6:
        note += f"（面积变化 {change:.4%}）"
    return fixed, note


def check_polygon(value, *, repair_invalid: bool = False) -> CheckedGeometry:
    """Parse and check a polygon. Invalid geometry is an error naming the problem, or — with
    `repair_invalid` (imports) — repaired when the repair is unambiguous."""
    data, notes = check_rings(polygon_dict(value), close_rings=repair_invalid)
    try:
        geom = shape(data)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise GeometryError(f"无法构造多边形：{exc}")
    problem = validity_problem(geom)
    if problem:
        if not repair_invalid:
            raise GeometryError(f"边界无效：{problem}。", code="invalid_geometry")
        geom, note = repair(geom, problem)
        notes.append(note)
        data = mapping(geom)
    if geom.is_empty or geom.area == 0:
        raise GeometryError("边界面积为零。", code="empty_geometry")
    return CheckedGeometry(geom=geom, geojson=dump_geometry(data), repaired_note="；".join(notes))


def dump_geometry(data) -> str:
    """Compact GeoJSON text of a geometry object (coordinates as lists)."""
    data = json.loads(json.dumps(data))  # tuples → lists
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def geometry_from_text(text: str):
    """The Shapely geometry of stored GeoJSON text, or None when empty or unreadable."""
    if not text:
        return None
    try:
        geom = shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        try:
            geom = shape(polygon_dict(text))
        except Exception:  # noqa: BLE001 — stored text we cannot read is skipped, not fatal
            return None
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type not in POLYGON_TYPES:
        geom = polygonal_part(geom)
        if geom.is_empty:
            return None
    return geom


# ---------------------------------------------------------------------------------------------
# Measures


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, of latitude) at a latitude (WGS 84 series)."""
    phi = math.radians(lat)
    m_lat = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    m_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return m_lon, m_lat


def area_m2(geom, lat0: float | None = None) -> float:
    """Area in square metres (local equirectangular projection; well under 1 % over a street)."""
    if geom is None or geom.is_empty:
        return 0.0
    if lat0 is None:
        lat0 = (geom.bounds[1] + geom.bounds[3]) / 2
    m_lon, m_lat = metres_per_degree(lat0)
    return float(geom.area * m_lon * m_lat)


def parent_tolerance() -> tuple[float, float]:
    """(share of the child's area, metres) a child may lie outside its parent.

    Settings YIWANG_GRID_PARENT_TOLERANCE (default 0.01 = 1 %) and
    YIWANG_GRID_PARENT_TOLERANCE_M (default 5 m): either one suffices.
    """
    return (
        float(getattr(settings, "YIWANG_GRID_PARENT_TOLERANCE", 0.01)),
        float(getattr(settings, "YIWANG_GRID_PARENT_TOLERANCE_M", 5.0)),
    )


def outside_share(child, parent) -> float:
    """Share of the child's area that lies outside the parent (0 … 1)."""
    if child.area == 0:
        return 0.0
    return max(0.0, 1.0 - shapely.intersection(child, parent).area / child.area)


def check_inside(child, parent, *, parent_label: str) -> None:
    """Refuse a child that lies outside its parent beyond the tolerance."""
    share, metres = parent_tolerance()
    outside = outside_share(child, parent)
    if outside <= share:
        return
    lat0 = (child.bounds[1] + child.bounds[3]) / 2
    m_lon, m_lat = metres_per_degree(lat0)
    if metres > 0 and shapely.covers(parent.buffer(metres / min(m_lon, m_lat)), child):
        return
    raise GeometryError(
        f"边界超出上级区域「{parent_label}」：{outside:.1%} 的面积在上级之外"
        f"（容差 {share:.0%} 或 {metres:g} 米）。",
        code="outside_parent",
    )


def overlaps_with(geom, others, *, min_area_m2: float = 0.01) -> list[dict]:
    """Overlaps of `geom` with `others` [(code, name, geometry)]: warnings, not errors."""
    found = []
    if geom is None:
        return found
    lat0 = (geom.bounds[1] + geom.bounds[3]) / 2
    own = area_m2(geom, lat0) or 1.0
    for code, name, other in others:
        if other is None or not shapely.intersects(geom, other):
            continue
        shared = area_m2(shapely.intersection(geom, other), lat0)
        if shared > min_area_m2:
            found.append(overlap_warning(code, name, shared, shared / own))
    return found


def overlap_warning(code: str, name: str, area: float, share: float) -> dict:
    return {
        "code": "sibling_overlap",
        "sibling": code,
        "sibling_name": name,
        "area_m2": round(area, 2),
        "share": round(share, 6),
        "message": (
            f"与同级区域「{name}」（{code}）重叠 {area:.1f} 平方米（占本区域 {share:.2%}）。"
        ),
    }


def square(lon: float, lat: float, size: float) -> str:
    """A GeoJSON polygon: the square with south-west corner (lon, lat) (test streets, benches)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})
