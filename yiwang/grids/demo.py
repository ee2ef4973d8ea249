"""Demo grid of 唯亭街道 (code 320576052): 35 communities, 464 comprehensive grids and a few
special grids, with one 专职网格员 per grid. Idempotent and deterministic.

The polygons are synthetic, generated around the street's real location (about 31.36 N,
120.78 E): a jittered 7 × 5 lattice of convex quadrilaterals (the communities), each split
bilinearly into 4 × 3 or 4 × 4 grids. Neighbours share their edges exactly, so siblings never
overlap and every grid lies inside its community (test_demo checks both). The demo user
`gridworker` is the 专职网格员 of the grid containing 120.7800 E, 31.3700 N.
"""

from __future__ import annotations

import random

from django.db import transaction

from yiwang.accounts.demo import COMMUNITIES, STREET
from yiwang.grids import geometry as geo
from yiwang.grids.models import GridWorker, Region

SEED = 20260
# The street's extent (degrees): about 9.5 km × 8.9 km around 唯亭.
WEST, EAST, SOUTH, NORTH = 120.735, 120.835, 31.325, 31.405
COLUMNS, ROWS = 7, 5  # 35 communities
GRIDWORKER_POINT = (120.78, 31.37)
# (community index, name, special type, (u0, u1), (v0, v1)) — a box in the community's
# bilinear coordinates, so it lies inside the community by construction.
SPECIAL_GRIDS = [
    (3, "唯亭中心小学专属网格", "学校", (0.30, 0.55), (0.35, 0.60)),
    (17, "青剑湖公园专属网格", "公园", (0.20, 0.70), (0.25, 0.70)),
    (8, "唯亭工业坊企业专属网格", "企业", (0.40, 0.80), (0.20, 0.50)),
    (24, "阳澄湖商务楼宇专属网格", "商务楼宇", (0.50, 0.75), (0.50, 0.75)),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇晨欣怡"
PHONE_PREFIXES = ["139", "138", "137", "136", "135", "158", "159", "188", "189", "151", "152"]


def _lerp(a, b, t):
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _bilinear(quad, u, v):
    """Point at (u, v) in the quadrilateral (south-west, south-east, north-east, north-west)."""
    sw, se, ne, nw = quad
    return _lerp(_lerp(sw, se, u), _lerp(nw, ne, u), v)


def _ring(points) -> list[list[float]]:
    ring = [[round(x, 7), round(y, 7)] for x, y in points]
    return ring + [ring[0]]


def _polygon(points) -> str:
    return geo.dump_geometry({"type": "Polygon", "coordinates": [_ring(points)]})


def build_layout(seed: int = SEED) -> dict:
    """The demo's regions as plain data: {"street": {...}, "communities": [...], "grids": [...]}
    each with code, name, parent code, kind, special_type and GeoJSON text."""
    rng = random.Random(seed)
    dx, dy = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    vertex = {}
    for i in range(COLUMNS + 1):
        for j in range(ROWS + 1):
            jx = rng.uniform(-0.2, 0.2) * dx if 0 < i < COLUMNS else 0.0
            jy = rng.uniform(-0.2, 0.2) * dy if 0 < j < ROWS else 0.0
            # The outline wiggles a little too (along the edge only, so it stays simple).
            if i in (0, COLUMNS) and 0 < j < ROWS:
                jy = rng.uniform(-0.2, 0.2) * dy
            if j in (0, ROWS) and 0 < i < COLUMNS:
                jx = rng.uniform(-0.2, 0.2) * dx
            vertex[i, j] = (WEST + i * dx + jx, SOUTH + j * dy + jy)
    outline = (
        [vertex[i, 0] for i in range(COLUMNS + 1)]
        + [vertex[COLUMNS, j] for j in range(1, ROWS + 1)]
        + [vertex[i, ROWS] for i in range(COLUMNS - 1, -1, -1)]
        + [vertex[0, j] for j in range(ROWS - 1, 0, -1)]
    )
    street_code, street_name = STREET
    layout = {
        "street": {"code": street_code, "name": street_name, "geojson": _polygon(outline)},
        "communities": [],
        "grids": [],
    }
    # 11 communities of 4 × 4 = 16 grids, 24 of 4 × 3 = 12: 176 + 288 = 464 (seed 002: 1+29+464).
    dense = set(rng.sample(range(len(COMMUNITIES)), 11))
    quads = []
    for n, (suffix, name) in enumerate(COMMUNITIES):
        i, j = n % COLUMNS, n // COLUMNS
        quad = (vertex[i, j], vertex[i + 1, j], vertex[i + 1, j + 1], vertex[i, j + 1])
        quads.append(quad)
        code = street_code + suffix
        layout["communities"].append(
            {"code": code, "name": name, "parent": street_code, "geojson": _polygon(quad)}
        )
        cols, rows = (4, 4) if n in dense else (4, 3)
        # Inner mesh points jitter a little; points on the community's edge stay on it.
        mesh = {}
        for a in range(cols + 1):
            for b in range(rows + 1):
                u, v = a / cols, b / rows
                if 0 < a < cols:
                    u += rng.uniform(-0.15, 0.15) / cols
                if 0 < b < rows:
                    v += rng.uniform(-0.15, 0.15) / rows
                mesh[a, b] = _bilinear(quad, u, v)
        seq = 0
        for b in range(rows):
            for a in range(cols):
                seq += 1
                cell = (mesh[a, b], mesh[a + 1, b], mesh[a + 1, b + 1], mesh[a, b + 1])
                layout["grids"].append(
                    {
                        "code": f"{code}{seq:03d}",
                        "name": f"{name}第{seq}网格",
                        "parent": code,
                        "kind": Region.Kind.COMPREHENSIVE,
                        "special_type": "",
                        "geojson": _polygon(cell),
                    }
                )
    for k, (n, name, special_type, (u0, u1), (v0, v1)) in enumerate(SPECIAL_GRIDS):
        quad = quads[n]
        box = [_bilinear(quad, u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))]
        parent = layout["communities"][n]["code"]
        layout["grids"].append(
            {
                "code": f"{parent}{901 + k}",
                "name": name,
                "parent": parent,
                "kind": Region.Kind.SPECIAL,
                "special_type": special_type,
                "geojson": _polygon(box),
            }
        )
    return layout


def _person(rng: random.Random) -> tuple[str, str]:
    name = (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )
    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return name, phone


def _fields(item: dict, level: str) -> dict:
    geom = geo.geometry_from_text(item["geojson"])
    minx, miny, maxx, maxy = geom.bounds
    return {
        "name": item["name"],
        "level": level,
        "kind": item.get("kind", Region.Kind.COMPREHENSIVE),
        "special_type": item.get("special_type", ""),
        "geojson": item["geojson"],
        "is_active": True,
        "min_lon": minx,
        "min_lat": miny,
        "max_lon": maxx,
        "max_lat": maxy,
        "area_m2": round(geo.area_m2(geom), 1),
        "repaired_note": "",
        "warnings": [],
    }


def _upsert(level: str, items: list[dict], parents: dict[str, int]) -> dict[str, int]:
    existing = {r.code: r for r in Region.objects.filter(code__in=[i["code"] for i in items])}
    new, changed = [], []
    for item in items:
        values = _fields(item, level) | {"parent_id": parents.get(item.get("parent"))}
        region = existing.get(item["code"])
        if region is None:
            new.append(Region(code=item["code"], **values))
            continue
        if any(getattr(region, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(region, k, v)
            changed.append(region)
    Region.objects.bulk_create(new, batch_size=500)
    if changed:
        Region.objects.bulk_update(changed, list(_fields(items[0], level)) + ["parent_id"])
    return dict(
        Region.objects.filter(code__in=[i["code"] for i in items]).values_list("code", "id")
    )


@transaction.atomic
def load(stdout) -> None:
    from yiwang.accounts.models import User
    from yiwang.grids.locate import invalidate, locate

    layout = build_layout()
    ids = _upsert(Region.Level.STREET, [layout["street"]], {})
    ids |= _upsert(Region.Level.COMMUNITY, layout["communities"], ids)
    ids |= _upsert(Region.Level.GRID, layout["grids"], ids)
    invalidate()

    grid_ids = [ids[g["code"]] for g in layout["grids"]]
    staffed = set(
        GridWorker.objects.filter(region_id__in=grid_ids).values_list("region_id", flat=True)
    )
    found = locate(*GRIDWORKER_POINT, fresh=True)
    home = found.grid.pk if found else None
    user = User.objects.filter(username="gridworker").first()
    rng = random.Random(SEED + 1)
    workers = []
    for grid in layout["grids"]:
        name, phone = _person(rng)  # drawn for every grid, so names do not shift on re-runs
        region_id = ids[grid["code"]]
        if region_id in staffed:
            continue
        worker = GridWorker(region_id=region_id, name=name, phone=phone)
        if region_id == home and user is not None:
            worker.user, worker.name = user, user.display_name or name
            worker.phone = user.phone or phone
        workers.append(worker)
    GridWorker.objects.bulk_create(workers, batch_size=500)
    if user is not None and home is not None:
        # Earlier runs may have given the demo user another grid: keep exactly this one.
        GridWorker.objects.filter(user=user).exclude(region_id=home).update(user=None)
        GridWorker.objects.filter(region_id=home, user__isnull=True).update(user=user)
    comprehensive = sum(1 for g in layout["grids"] if g["kind"] == Region.Kind.COMPREHENSIVE)
    stdout.write(
        f"网格：1 个街道，{len(layout['communities'])} 个社区，{comprehensive} 个综合网格，"
        f"{len(layout['grids']) - comprehensive} 个专属网格，新增网格员 {len(workers)} 名；"
        f"gridworker 所在网格 {found.grid.name if found else '（未找到）'}"
    )
