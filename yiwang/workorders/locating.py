"""Point → grid for intake (落格), through the grids app's `yiwang.grids.locate.locate(lon, lat)`.

That function returns an object with `.grid`, `.community`, `.street` (grids.Region or None) or
None. Where the grids app does not provide it (an older or partial install), a small fallback
here answers the same question from the grid polygons with Shapely, cached in memory and
rebuilt whenever the grid table changes (checked with one aggregate query per call).
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from dataclasses import dataclass

from django.db.models import Count, Max

logger = logging.getLogger("yiwang.workorders")

LOCATE_MODULE = "yiwang.grids.locate"


@dataclass(frozen=True)
class Located:
    grid: object | None = None
    community: object | None = None
    street: object | None = None

    @property
    def region(self):
        """The most specific region found."""
        return self.grid or self.community or self.street

    @property
    def region_code(self) -> str:
        region = self.region
        return region.code if region is not None else ""


_locate_impl = None
_impl_lock = threading.Lock()


def _implementation():
    global _locate_impl
    if _locate_impl is not None:
        return _locate_impl
    with _impl_lock:
        try:
            module = importlib.import_module(LOCATE_MODULE)
            impl = module.locate
        except ModuleNotFoundError as exc:
            if exc.name not in {LOCATE_MODULE, "yiwang.grids"}:
                logger.exception("yiwang.grids.locate failed to import; using the fallback")
            impl = _fallback_locate
        except (ImportError, AttributeError):
            logger.exception("yiwang.grids.locate is unusable; using the fallback")
            impl = _fallback_locate
        _locate_impl = impl
    return impl


def _area_at(lon: float, lat: float) -> Located | None:
    """Outside every grid: the community or street containing the point, if the grids app
    can tell (`yiwang.grids.locate.area_at`)."""
    try:
        area_at = importlib.import_module(LOCATE_MODULE).area_at
    except (ImportError, AttributeError):
        return None
    community = area_at(lon, lat, "community")
    street = area_at(lon, lat, "street")
    if community is None and street is None:
        return None
    return Located(community=community, street=street)


def locate_point(lon: float, lat: float) -> Located | None:
    """Where a point falls: grid, community and street (each may be None)."""
    impl = _implementation()
    found = impl(lon, lat)
    if found is None:
        return _area_at(lon, lat) if impl is not _fallback_locate else None
    if isinstance(found, Located):
        return found
    return Located(
        grid=getattr(found, "grid", None),
        community=getattr(found, "community", None),
        street=getattr(found, "street", None),
    )


# --- fallback --------------------------------------------------------------------------------


class _Index:
    def __init__(self, regions):
        from shapely import STRtree
        from shapely.geometry import shape

        self.regions = {}
        geoms, ids = [], []
        for region in regions:
            try:
                geom = shape(json.loads(region.geojson))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            if geom.is_empty:
                continue
            geoms.append(geom)
            ids.append(region.pk)
            self.regions[region.pk] = region
        self.geoms = geoms
        self.ids = ids
        self.tree = STRtree(geoms) if geoms else None

    def query(self, lon, lat):
        from shapely.geometry import Point

        if self.tree is None:
            return []
        point = Point(lon, lat)
        hits = []
        for i in self.tree.query(point, predicate="intersects"):
            hits.append(self.regions[self.ids[int(i)]])
        return hits


_fallback_cache: tuple[float, tuple, _Index] | None = None


def _fallback_index() -> _Index:
    global _fallback_cache
    from yiwang.grids.models import Region

    cached = _fallback_cache
    # One cheap aggregate per call: the cache is rebuilt as soon as any grid changes.
    stamp = tuple(
        Region.objects.filter(is_active=True)
        .exclude(geojson="")
        .aggregate(n=Count("id"), k=Max("id"), m=Max("updated_at"))
        .values()
    )
    if cached is not None and cached[1] == stamp:
        return cached[2]
    index = _Index(Region.objects.filter(is_active=True).exclude(geojson=""))
    _fallback_cache = (time.monotonic(), stamp, index)
    return index


def invalidate_fallback() -> None:
    global _fallback_cache
    _fallback_cache = None


def _fallback_locate(lon: float, lat: float) -> Located | None:
    hits = _fallback_index().query(lon, lat)
    if not hits:
        return None
    by_level = {}
    for region in sorted(hits, key=lambda r: r.code):
        by_level.setdefault(region.level, region)
    return Located(
        grid=by_level.get("grid"),
        community=by_level.get("community"),
        street=by_level.get("street"),
    )
