"""yiwang bench locate --grids N --points M: point → grid lookups per second.

Builds N synthetic grids in memory (a jittered lattice of quadrilaterals with ~30 vertices
each, grouped into communities of 16 and streets of 400), then measures the production code
path: `GridLocator.locate(lon, lat)` — coordinate checks, index freshness check, cell table,
prepared point-in-polygon — one call per point, pinned to one CPU core. Also reports the
vectorised STRtree path (`locate_many`) and checks a sample against brute force.
Prints one JSON line.
"""

import json
import math
import os
import random
import time

import numpy as np
import shapely
from django.core.management.base import BaseCommand

from yiwang.grids.locate import GridLocator, RegionRow
from yiwang.grids.models import Region


def synthetic_rows(n_grids: int, *, seed: int = 1, special_share: float = 0.0):
    """N grids tiling a square near 唯亭 (cell ≈ 300 m), plus communities and streets."""
    rng = random.Random(seed)
    side = max(1, math.ceil(math.sqrt(n_grids)))
    cell = 0.003  # degrees, about 300 m
    x0, y0 = 120.70, 31.30
    vx = {}
    for i in range(side + 1):
        for j in range(side + 1):
            jit = (0 < i < side) and (0 < j < side)
            vx[i, j] = (
                x0 + (i + (rng.uniform(-0.2, 0.2) if jit else 0)) * cell,
                y0 + (j + (rng.uniform(-0.2, 0.2) if jit else 0)) * cell,
            )
    rows, next_id = [], 1

    def region(code, name, level, kind, parent_id, geom, special_type=""):
        nonlocal next_id
        inst = Region(
            id=next_id, code=code, name=name, level=level, kind=kind, parent_id=parent_id,
            special_type=special_type,
        )  # fmt: skip
        rows.append(
            RegionRow(next_id, code, name, level, kind, special_type, parent_id, geom, inst)
        )
        next_id += 1
        return next_id - 1

    made = 0
    blocks = math.ceil(side / 4)
    streets = {}
    for bi in range(blocks):
        for bj in range(blocks):
            s_key = (bi // 5, bj // 5)
            if s_key not in streets:
                streets[s_key] = region(
                    f"320576{len(streets) + 1:03d}", f"街道{len(streets) + 1}", "street",
                    "comprehensive", None, None,
                )  # fmt: skip
            c_code = f"320576{list(streets).index(s_key) + 1:03d}{bi % 5 * 5 + bj % 5 + 1:03d}"
            community = region(c_code, f"社区{bi}-{bj}", "community", "comprehensive",
                               streets[s_key], None)  # fmt: skip
            seq = 0
            for i in range(bi * 4, min(side, bi * 4 + 4)):
                for j in range(bj * 4, min(side, bj * 4 + 4)):
                    if made >= n_grids:
                        break
                    quad = shapely.Polygon([vx[i, j], vx[i + 1, j], vx[i + 1, j + 1], vx[i, j + 1]])
                    geom = shapely.segmentize(quad, cell / 8)
                    seq += 1
                    made += 1
                    region(f"{c_code}{seq:03d}", f"网格{made}", "grid", "comprehensive",
                           community, geom)  # fmt: skip
    n_special = int(n_grids * special_share)
    grid_rows = [r for r in rows if r.level == "grid"]
    for k in range(n_special):
        host = rng.choice(grid_rows)
        c = host.geom.centroid
        geom = shapely.box(c.x - cell * 0.4, c.y - cell * 0.4, c.x + cell * 0.4, c.y + cell * 0.4)
        region(host.code[:12] + f"{901 + k % 99:03d}", f"专属网格{k}", "grid", "special",
               host.parent_id, geom, "企业")  # fmt: skip
    extent = (x0, y0, x0 + side * cell, y0 + side * cell)
    return rows, extent


class Command(BaseCommand):
    help = "定位网格性能测试：输出一行 JSON。Benchmark point → grid lookups."

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=10000)
        parser.add_argument("--points", type=int, default=100000)
        parser.add_argument("--special-share", type=float, default=0.0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--all-cores", action="store_true", help="不绑定到单个 CPU 核")

    def handle(self, *args, grids, points, special_share, seed, all_cores, **opts):
        if grids < 1 or points < 1:
            self.stderr.write("--grids 与 --points 须为正整数")
            raise SystemExit(2)
        if not all_cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        rows, (x0, y0, x1, y1) = synthetic_rows(grids, seed=seed, special_share=special_share)
        locator = GridLocator(rows=lambda: rows, signature=lambda: "synthetic")
        started = time.perf_counter()
        index = locator.index()
        build_ms = (time.perf_counter() - started) * 1000
        rng = random.Random(seed + 1)
        mx, my = (x1 - x0) * 0.02, (y1 - y0) * 0.02
        pts = [
            (rng.uniform(x0 - mx, x1 + mx), rng.uniform(y0 - my, y1 + my)) for _ in range(points)
        ]

        locate = locator.locate
        for lon, lat in pts[:1000]:  # warm up
            locate(lon, lat)
        started, cpu_started = time.perf_counter(), time.process_time()
        found = 0
        for lon, lat in pts:
            if locate(lon, lat) is not None:
                found += 1
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started

        clock = time.perf_counter_ns
        lat_ns = np.empty(len(pts), dtype=np.int64)
        for k, (lon, lat) in enumerate(pts):
            t = clock()
            locate(lon, lat)
            lat_ns[k] = clock() - t

        started = time.perf_counter()
        batch = locator.locate_many(pts)
        batch_elapsed = time.perf_counter() - started
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None

        # Correctness: the single and batch paths agree, and agree with brute force.
        sample = pts[: min(1000, len(pts))]
        prefs = [(r.kind != "comprehensive", r.code) for r in index.grids]
        mismatches = 0
        for (lon, lat), many in zip(sample, batch, strict=False):
            one = locate(lon, lat)
            got = one.grid.code if one else None
            if got != (many.grid.code if many else None):
                mismatches += 1
            hits = np.flatnonzero(shapely.intersects_xy(index.geoms, lon, lat))
            expected = min(prefs[k] for k in hits.tolist())[1] if len(hits) else None
            if got != expected:
                mismatches += 1
        self.stdout.write(
            json.dumps(
                {
                    "grids": index.n_comprehensive,
                    "special_grids": len(index) - index.n_comprehensive,
                    "points": len(pts),
                    "lookups_per_s": round(len(pts) / elapsed),
                    "lookups_per_cpu_s": round(len(pts) / cpu),
                    "p50_us": round(float(np.percentile(lat_ns, 50)) / 1000, 2),
                    "p99_us": round(float(np.percentile(lat_ns, 99)) / 1000, 2),
                    "batch_lookups_per_s": round(len(pts) / batch_elapsed),
                    "found_share": round(found / len(pts), 4),
                    "build_ms": round(build_ms, 1),
                    "mismatches": mismatches,
                    "cores": 1 if not all_cores else os.cpu_count(),
                    "load_avg": round(load, 2) if load is not None else None,
                    "shapely": shapely.__version__,
                }
            )
        )
