"""Geometry helpers for base data: point checks, point → grid, areas in square metres.

Point → grid uses `yiwang.grids.locate.locate` (the grid app's STRtree) when it exists; until
then a local STRtree over the grids' polygons, built once per `GridLocator`.
"""

from __future__ import annotations

import json
import math

import shapely
from shapely.geometry import shape

GEOMETRY_ERRORS = (ValueError, KeyError, TypeError, AttributeError, shapely.errors.ShapelyError)

# China's extent, generously: a point outside it is a typo (or lat/lon swapped).
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)


def check_point(lon, lat) -> tuple[str, str] | None:
    """(field, Chinese message) if (lon, lat) is not a plausible point in China, else None."""
    for name, value in (("经度", lon), ("纬度", lat)):
        if not isinstance(value, int | float) or math.isnan(value) or math.isinf(value):
            return name, f"{name}必须是数字。"
    lon_ok = LON_RANGE[0] <= lon <= LON_RANGE[1]
    lat_ok = LAT_RANGE[0] <= lat <= LAT_RANGE[1]
    if lon_ok and lat_ok:
        return None
    swapped = LON_RANGE[0] <= lat <= LON_RANGE[1] and LAT_RANGE[0] <= lon <= LAT_RANGE[1]
    hint = "，经度与纬度可能填反了" if swapped else ""
    if not lon_ok:
        return "经度", f"经度 {lon} 超出范围（应在 73～136 之间）{hint}。"
    return "纬度", f"纬度 {lat} 超出范围（应在 3～54 之间）{hint}。"


def parse_geometry(text: str):
    """A valid Shapely geometry from GeoJSON text (geometry, Feature or FeatureCollection)."""
    data = json.loads(text)
    if data.get("type") == "Feature":
        data = data["geometry"]
    elif data.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]
        geom = shapely.union_all(geoms)
        return geom if geom.is_valid else shapely.make_valid(geom)
    geom = shape(data)
    return geom if geom.is_valid else shapely.make_valid(geom)


class GridLocator:
    """Point → grid Region, for many points in a row (an import)."""

    def __init__(self):
        self._tree = None
        self._grids = None
        self._external = None
        try:
            from yiwang.grids.locate import locate  # the grid app's lookup, when present
        except ImportError:
            locate = None
        self._external = locate
        self._first = True

    def _build(self):
        from yiwang.grids.models import Region

        grids, geoms = [], []
        for region in Region.objects.filter(level=Region.Level.GRID, is_active=True).exclude(
            geojson=""
        ):
            try:
                geoms.append(parse_geometry(region.geojson))
            except GEOMETRY_ERRORS:
                continue
            grids.append(region)
        self._grids = grids
        self._geoms = geoms
        self._tree = shapely.STRtree(geoms)

    def locate(self, lon: float, lat: float):
        """The grid Region containing the point, or None."""
        if self._external is not None:
            # The first lookup of a batch reads the grids afresh (another process may have
            # changed them); the rest use the grid app's in-memory index.
            found = self._external(lon, lat, fresh=self._first)
            self._first = False
            return getattr(found, "grid", None) if found is not None else None
        if self._tree is None:
            self._build()
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        # On a shared border take the grid with the smallest code: deterministic.
        return min((self._grids[i] for i in hits), key=lambda r: r.code)


# Local metric projection (equirectangular around the geometry's centre), good to well under
# 1 % over a street (a few km). Metres per degree from the WGS 84 ellipsoid series.
def metres_per_degree(lat: float) -> tuple[float, float]:
    phi = math.radians(lat)
    m_lat = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    m_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return m_lon, m_lat


def to_metres(geom, lat0: float):
    m_lon, m_lat = metres_per_degree(lat0)
    return shapely.transform(geom, lambda xy: xy * [m_lon, m_lat])


def area_m2(geom, lat0: float | None = None) -> float:
    if geom.is_empty:
        return 0.0
    if lat0 is None:
        lat0 = geom.centroid.y
    return float(to_metres(geom, lat0).area)
