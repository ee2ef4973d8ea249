"""Point → grid (坐标定位网格): `locate(lon, lat)` → the grid, its community and its street.

The index lives in memory and is only ever a cache of the database, rebuilt when grids change:

* in this process, saving or deleting a Region marks it dirty (signals in apps.py);
* other processes' changes are seen through a cheap version of the region table
  (count, max id, max updated_at, sum of versions), checked at most every
  `YIWANG_GRID_INDEX_CHECK_SECONDS` (default 2 s) and on every `locate(..., fresh=True)`.

Lookups:

* one point (`locate`, the API's path): a uniform cell table built from the polygons'
  bounding boxes gives the few candidate grids, tested with Shapely's prepared
  point-in-polygon (`intersects_xy`, boundary inclusive) in a fixed preference order;
* many points (`locate_many`, imports and reports): one vectorised Shapely 2
  `STRtree.query(points, predicate="intersects")`.

Both choose the same way: comprehensive grids (综合网格) before special grids (专属网格), then
the smallest code — so a point on a shared border always lands in the same grid. Special grids
containing the point are listed in `LocateResult.special`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings

from yiwang.core.errors import ValidationFailed
from yiwang.grids.errors import GridErrorCode

logger = logging.getLogger("yiwang.grids")

try:  # the C ufunc behind shapely.intersects_xy, without the Python wrapper's overhead
    from shapely.lib import intersects_xy as _intersects_xy
except ImportError:  # pragma: no cover - other Shapely 2 builds
    _intersects_xy = shapely.intersects_xy

MAX_CELLS_PER_AXIS = 2048
CELL_DIVISOR = 4  # cell edge = median grid extent / 4
OUTSIDE = object()  # a cell wholly outside every grid
MAX_PAIRS = 1_000_000  # (cell, grid) pairs: ~28,000 grids at full resolution, ~70 MB


@dataclass(frozen=True)
class LocateResult:
    """Where a point lies. Regions are shared, read-only instances (their `geojson` is
    deferred): read them, never save them."""

    grid: object
    community: object | None
    street: object | None
    special: tuple = field(default=())

    def as_dict(self) -> dict:
        return {
            "grid": region_summary(self.grid),
            "community": region_summary(self.community),
            "street": region_summary(self.street),
            "special": [region_summary(r) for r in self.special],
        }


def region_summary(region) -> dict | None:
    if region is None:
        return None
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "kind": region.kind,
        "special_type": region.special_type,
    }


# ---------------------------------------------------------------------------------------------
# Coordinates


def check_lon_lat(lon, lat) -> tuple[float, float]:
    """(lon, lat) as floats, or ValidationFailed naming the field: missing, not a number, out
    of range, or — the usual slip — latitude and longitude swapped."""
    if (
        lon.__class__ is float
        and lat.__class__ is float
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
    ):  # the common case, fast (NaN fails the comparisons and takes the long way)
        return lon, lat
    values = {}
    for name, label, value in (("lon", "经度", lon), ("lat", "纬度", lat)):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationFailed(
                f"缺少{label} {name}。",
                code=GridErrorCode.MISSING_COORDINATES,
                fields={name: ["必填"]},
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationFailed(
                f"{label} {name} 必须是数字，收到「{value}」。", fields={name: ["必须是数字"]}
            )
        if not math.isfinite(number):
            raise ValidationFailed(
                f"{label} {name} 必须是有限的数字。", fields={name: ["必须是有限的数字"]}
            )
        values[name] = number
    lon, lat = values["lon"], values["lat"]
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        return lon, lat
    if abs(lat) > 90 and abs(lat) <= 180 and abs(lon) <= 90:
        message = (
            f"经纬度可能填反：纬度 lat={lat} 超出 -90～90，而经度 lon={lon} 像是纬度。"
            f"请改为 lon={lat}&lat={lon}。"
        )
        raise ValidationFailed(
            message,
            code=GridErrorCode.SWAPPED_COORDINATES,
            fields={"lat": [message], "lon": [message]},
        )
    name, label, value, bound = (
        ("lon", "经度", lon, 180) if not -180 <= lon <= 180 else ("lat", "纬度", lat, 90)
    )
    message = f"{label} {name}={value} 超出范围（-{bound}～{bound}）。"
    raise ValidationFailed(
        message, code=GridErrorCode.COORDINATE_OUT_OF_RANGE, fields={name: [message]}
    )


# ---------------------------------------------------------------------------------------------
# The index


@dataclass
class RegionRow:
    """What the index needs of a region (from the database, or synthetic for the benchmark)."""

    id: int
    code: str
    name: str
    level: str
    kind: str
    special_type: str
    parent_id: int | None
    geom: object  # Shapely geometry or None
    instance: object = None  # the Region returned in results


def _rect_cells(i0, i1, j0, j1, ny: int):
    """Cell keys (i * ny + j) of the rectangles [i0, i1] × [j0, j1], with the index of the
    rectangle each came from."""
    widths, heights = i1 - i0 + 1, j1 - j0 + 1
    counts = widths * heights
    total = int(counts.sum())
    source = np.repeat(np.arange(len(counts)), counts)
    local = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    h = heights[source]
    return (i0[source] + local // h) * ny + (j0[source] + local % h), source


class GridIndex:
    """An immutable snapshot of the active regions, ready for lookups."""

    def __init__(self, rows: list[RegionRow], signature=None):
        self.signature = signature
        by_id = {r.id: r for r in rows}
        grids = [r for r in rows if r.level == "grid" and r.geom is not None]
        # Preference order: comprehensive first, then by code. Index position = preference.
        grids.sort(key=lambda r: (r.kind != "comprehensive", r.code))
        self.grids = grids
        self.n_comprehensive = sum(1 for r in grids if r.kind == "comprehensive")
        self.geoms = np.array([r.geom for r in grids], dtype=object)
        shapely.prepare(self.geoms)
        self._geom_list = list(self.geoms)
        self.tree = shapely.STRtree(self.geoms)

        def chain(row):
            community = by_id.get(row.parent_id)
            street = by_id.get(community.parent_id) if community is not None else None
            return (
                community.instance if community is not None else None,
                street.instance if street is not None else None,
            )

        self._chains = [chain(r) for r in grids]
        self._results = [
            LocateResult(r.instance, c, s, (r.instance,) if r.kind != "comprehensive" else ())
            for r, (c, s) in zip(grids, self._chains, strict=True)
        ]
        self._build_cells()
        # Communities and streets, for telling where a point outside every grid lies (盲区).
        self._areas = {}
        for level in ("community", "street"):
            area_rows = sorted(
                (r for r in rows if r.level == level and r.geom is not None), key=lambda r: r.code
            )
            if area_rows:
                geoms = np.array([r.geom for r in area_rows], dtype=object)
                self._areas[level] = (area_rows, shapely.STRtree(geoms))

    def __len__(self) -> int:
        return len(self.grids)

    def _build_cells(self) -> None:
        """A uniform cell table over the grids' extent, cells a quarter of the median grid's
        size. A cell that no polygon boundary crosses holds its answer (a LocateResult, or
        OUTSIDE); any other cell holds its candidates (comprehensive, special), each in
        preference order, to be tested point-in-polygon."""
        self.cells: dict[int, object] = {}
        if not self.grids:
            self.x0 = self.y0 = 0.0
            self.nx = self.ny = 0
            self.inv_w = self.inv_h = 1.0
            return
        bounds = shapely.bounds(self.geoms)
        x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        x1, y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        width = max(
            float(np.median(bounds[:, 2] - bounds[:, 0])) / CELL_DIVISOR,
            (x1 - x0) / MAX_CELLS_PER_AXIS,
            1e-9,
        )
        height = max(
            float(np.median(bounds[:, 3] - bounds[:, 1])) / CELL_DIVISOR,
            (y1 - y0) / MAX_CELLS_PER_AXIS,
            1e-9,
        )
        # Bound the table's size (memory): widen the cells when the grids' boxes would
        # touch more than MAX_PAIRS cells in all.
        spans = ((bounds[:, 2] - bounds[:, 0]) / width + 2) * (
            (bounds[:, 3] - bounds[:, 1]) / height + 2
        )
        if spans.sum() > MAX_PAIRS:
            scale = math.sqrt(float(spans.sum()) / MAX_PAIRS)
            width, height = width * scale, height * scale
        self.x0, self.y0 = x0, y0
        self.inv_w, self.inv_h = 1.0 / width, 1.0 / height
        # With the same arithmetic as the lookup, so the east and north edges are inside.
        self.nx = int((x1 - x0) * self.inv_w) + 1
        self.ny = int((y1 - y0) * self.inv_h) + 1
        ny = self.ny
        nc = self.n_comprehensive

        def cell_of(xs, ys):
            return ((xs - x0) * self.inv_w).astype(np.int64), ((ys - y0) * self.inv_h).astype(
                np.int64
            )

        # (cell, grid) pairs: every cell a grid's bounding box touches.
        i0, j0 = cell_of(bounds[:, 0], bounds[:, 1])
        i1, j1 = cell_of(bounds[:, 2], bounds[:, 3])
        keys, grid_of = _rect_cells(
            np.clip(i0, 0, self.nx - 1), np.clip(i1, 0, self.nx - 1),
            np.clip(j0, 0, ny - 1), np.clip(j1, 0, ny - 1), ny,
        )  # fmt: skip
        order = np.lexsort((grid_of, keys))  # by cell, then by preference
        keys, grid_of = keys[order], grid_of[order]
        # Cells that a polygon boundary may cross: every cell within the bounding box of a
        # boundary segment. A point on a boundary always maps to such a cell, because the
        # cell of a coordinate is a monotonic function of it.
        rings = shapely.get_rings(shapely.get_parts(self.geoms))  # parts: MultiPolygons too
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[1:] == ring_of[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        si0, sj0 = cell_of(np.minimum(a[:, 0], b[:, 0]), np.minimum(a[:, 1], b[:, 1]))
        si1, sj1 = cell_of(np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1]))
        crossed_keys, _ = _rect_cells(
            np.clip(si0, 0, self.nx - 1), np.clip(si1, 0, self.nx - 1),
            np.clip(sj0, 0, ny - 1), np.clip(sj1, 0, ny - 1), ny,
        )  # fmt: skip
        crossed = np.isin(keys, np.unique(crossed_keys))
        # In any other cell each candidate holds either all of the cell or none of it:
        # decide such a cell once, at its centre.
        clean = ~crossed
        inside = np.zeros(len(keys), dtype=bool)
        if clean.any():
            ck = keys[clean]
            inside[clean] = shapely.contains_xy(
                self.geoms[grid_of[clean]],
                x0 + (ck // ny + 0.5) * width,
                y0 + (ck % ny + 0.5) * height,
            )
        cell_keys, first = np.unique(keys, return_index=True)
        last = np.r_[first[1:], len(keys)]
        # Per cell: the first grid containing the centre (clean cells), and whether special
        # grids are among the candidates / among the hits.
        big = np.iinfo(np.int64).max
        first_hit = np.minimum.reduceat(np.where(inside, grid_of, big), first)
        special_cand = np.maximum.reduceat(grid_of, first) >= nc
        special_hit = np.maximum.reduceat(np.where(inside, grid_of, -1), first) >= nc
        grid_list = grid_of.tolist()
        results, cells = self._results, self.cells
        rows = zip(
            cell_keys.tolist(), first.tolist(), last.tolist(), crossed[first].tolist(),
            special_cand.tolist(), special_hit.tolist(), first_hit.tolist(), strict=True,
        )  # fmt: skip
        for key, lo, hi, is_crossed, has_special, hits_special, hit in rows:
            if is_crossed:  # a boundary may cross: test the candidates point by point
                ks = grid_list[lo:hi]
                if not has_special:
                    cells[key] = (tuple(ks), ())
                else:
                    cells[key] = (tuple(k for k in ks if k < nc), tuple(k for k in ks if k >= nc))
            elif hit == big:
                cells[key] = OUTSIDE
            elif not hits_special:
                cells[key] = results[hit]
            else:
                hits = [grid_list[p] for p in range(lo, hi) if inside[p]]
                cells[key] = self._result(
                    hits[0] if hits[0] < nc else -1, [k for k in hits if k >= nc]
                )

    def _cell(self, x: float, y: float):
        fx = (x - self.x0) * self.inv_w
        fy = (y - self.y0) * self.inv_h
        if fx < 0 or fy < 0:
            return None
        i, j = int(fx), int(fy)
        if i >= self.nx or j >= self.ny:
            return None
        return self.cells.get(i * self.ny + j)

    def locate(self, x: float, y: float) -> LocateResult | None:
        """One point (already checked). Boundary inclusive; deterministic on shared borders."""
        cell = self._cell(x, y)
        if cell is None:
            return None
        if cell.__class__ is LocateResult:  # the whole cell lies inside the same grids
            return cell
        if cell is OUTSIDE:
            return None
        comprehensive, special = cell
        geoms = self._geom_list
        hit = -1
        for k in comprehensive:
            if _intersects_xy(geoms[k], x, y):
                hit = k
                break
        if not special:
            return self._results[hit] if hit >= 0 else None
        specials = [k for k in special if _intersects_xy(geoms[k], x, y)]
        if not specials:
            return self._results[hit] if hit >= 0 else None
        return self._result(hit, specials)

    def _result(self, hit: int, specials) -> LocateResult:
        if hit < 0:
            hit = specials[0]  # inside special grids only: the first one stands in
        community, street = self._chains[hit]
        return LocateResult(
            self.grids[hit].instance,
            community,
            street,
            tuple(self.grids[k].instance for k in specials),
        )

    def locate_many(self, xs, ys) -> list[LocateResult | None]:
        """Many points at once (already checked): one vectorised STRtree query."""
        xs = np.asarray(xs, dtype=float)
        ys = np.asarray(ys, dtype=float)
        out: list[LocateResult | None] = [None] * len(xs)
        if not len(xs) or not self.grids:
            return out
        points = shapely.points(xs, ys)
        pairs = self.tree.query(points, predicate="intersects")
        if pairs.shape[1] == 0:
            return out
        order = np.lexsort((pairs[1], pairs[0]))  # by point, then by preference
        pts, grid_idx = pairs[0][order], pairs[1][order]
        starts = np.flatnonzero(np.r_[True, pts[1:] != pts[:-1]])
        ends = np.r_[starts[1:], len(pts)]
        nc = self.n_comprehensive
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            ks = grid_idx[s:e].tolist()
            first = ks[0]
            specials = [k for k in ks if k >= nc]
            if not specials:
                out[int(pts[s])] = self._results[first]
            else:
                out[int(pts[s])] = self._result(first if first < nc else -1, specials)
        return out

    def area_at(self, x: float, y: float, level: str):
        """The community or street containing a point (for points outside every grid)."""
        entry = self._areas.get(level)
        if entry is None:
            return None
        rows, tree = entry
        hits = tree.query(shapely.Point(x, y), predicate="intersects")
        return rows[int(min(hits))].instance if len(hits) else None


# ---------------------------------------------------------------------------------------------
# The process-wide locator: a cache of the database, never the only copy


def _db_signature():
    from django.db.models import Count, Max, Sum

    from yiwang.grids.models import Region

    agg = Region.objects.aggregate(
        n=Count("id"), last=Max("id"), changed=Max("updated_at"), versions=Sum("version")
    )
    return (agg["n"], agg["last"], agg["changed"], agg["versions"])


def _db_rows() -> list[RegionRow]:
    from yiwang.grids.geometry import geometry_from_text
    from yiwang.grids.models import Region

    names = ["id", "code", "name", "level", "kind", "special_type", "parent_id", "is_active"]
    rows = []
    for values in Region.objects.filter(is_active=True).values_list(*names, "geojson"):
        *fields, text = values
        instance = Region.from_db("default", names, fields)
        geom = geometry_from_text(text)
        if geom is None and text:
            logger.warning("region %s: unreadable boundary, not indexed", fields[1])
        rows.append(RegionRow(*fields[:7], geom=geom, instance=instance))
    return rows


class GridLocator:
    """Holds the current GridIndex and rebuilds it when its source changes.

    `invalidate()` bumps a generation; an index built for an older generation is never
    served, so a caller arriving while another thread rebuilds waits for the new index
    instead of reading the old one. Rebuilds are serialised by a lock.
    """

    def __init__(self, *, rows=_db_rows, signature=_db_signature, check_seconds=None):
        self._rows = rows
        self._signature = signature
        self._check_seconds = check_seconds
        self._index: GridIndex | None = None
        self._generation = 1  # bumped by invalidate()
        self._built = 0  # the generation the current index was built for
        self._next_check = 0.0
        self._lock = threading.Lock()

    @property
    def check_seconds(self) -> float:
        if self._check_seconds is not None:
            return self._check_seconds
        return float(getattr(settings, "YIWANG_GRID_INDEX_CHECK_SECONDS", 2.0))

    def invalidate(self) -> None:
        self._generation += 1

    def index(self, *, fresh: bool = False) -> GridIndex:
        if self._built != self._generation or fresh or time.monotonic() >= self._next_check:
            self._refresh()
        return self._index

    def _refresh(self) -> None:
        with self._lock:
            generation = self._generation
            # The signature is read before the rows: a change in between is seen again at
            # the next check, never lost.
            signature = self._signature()
            stale = self._built != generation or self._index is None
            if stale or signature != self._index.signature:
                started = time.perf_counter()
                index = GridIndex(self._rows(), signature)
                self._index = index
                logger.debug(
                    "grid index rebuilt: %d grids in %.0f ms",
                    len(index),
                    (time.perf_counter() - started) * 1000,
                )
            self._built = generation
            self._next_check = time.monotonic() + self.check_seconds

    def locate(self, lon, lat, *, fresh: bool = False) -> LocateResult | None:
        x, y = check_lon_lat(lon, lat)
        return self.index(fresh=fresh).locate(x, y)

    def locate_many(self, points, *, fresh: bool = False) -> list[LocateResult | None]:
        checked = [check_lon_lat(lon, lat) for lon, lat in points]
        if not checked:
            return []
        xs, ys = zip(*checked, strict=True)
        return self.index(fresh=fresh).locate_many(xs, ys)


_locator = GridLocator()


def locate(lon, lat, *, fresh: bool = False) -> LocateResult | None:
    """The grid (with its community and street) containing (lon, lat), or None outside every
    grid. Raises ValidationFailed for missing, non-numeric, out-of-range or swapped input."""
    return _locator.locate(lon, lat, fresh=fresh)


def locate_many(points, *, fresh: bool = False) -> list[LocateResult | None]:
    """`locate` for a list of (lon, lat) pairs, vectorised."""
    return _locator.locate_many(points, fresh=fresh)


def area_at(lon, lat, level: str, *, fresh: bool = False):
    """The active community or street (`level`) containing the point, or None."""
    x, y = check_lon_lat(lon, lat)
    return _locator.index(fresh=fresh).area_at(x, y, level)


def invalidate(*args, **kwargs) -> None:
    """Mark the index stale (signal receiver and on_commit hook)."""
    _locator.invalidate()
