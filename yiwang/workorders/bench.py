"""Benchmarks of the work-order loop (`yiwang bench intake`, `yiwang bench kpis`).

They never touch the configured database: by default each run creates a throwaway database
with Django's test-database machinery — on SQLite a temporary *file* (so WAL and fsync costs
are real, unlike :memory:), on PostgreSQL `test_<NAME>` on the same server — migrates it, runs,
prints one JSON line and drops it. `--in-place` instead runs inside a transaction on the
current database and rolls it back (used by the tests; no commit, so not representative).
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import tempfile
from pathlib import Path

from django.db import connection, transaction


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def production_logging():
    """Time as production runs: DEBUG=1 (the development default) makes Django log every
    query's SQL, which costs more than some queries."""
    from django.conf import settings

    old = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = old


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop (10 million additions): a yardstick to compare
    figures taken on different or busy machines (about 0.4–0.6 s on a quiet modern core)."""
    import time

    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.process_time() - started, 2)


@contextlib.contextmanager
def throwaway_database(*, in_place: bool = False):
    """Yield inside a fresh, migrated database that is dropped afterwards."""
    if in_place:
        try:
            with transaction.atomic():
                yield
                raise _Rollback
        except _Rollback:
            pass
        return
    settings_dict = connection.settings_dict
    old_name = settings_dict["NAME"]
    old_test = dict(settings_dict.get("TEST") or {})
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="yiwang-bench-")
        settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmpdir) / "bench.sqlite3")
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        settings_dict["TEST"] = old_test
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def square(lon: float, lat: float, size: float) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


STREET_CODE = "320599001"
ORIGIN = (120.70, 31.30)
GRID_SIZE = 0.004  # about 380 m × 440 m
# (category, department index, limit value, unit, on-spot)
RULES = [
    ("09009", 4, 2, "work_days", True),
    ("09006", 4, 2, "work_days", True),
    ("06010", 3, 1, "work_days", True),
    ("06001", 4, 15, "work_days", False),
    ("90001", 4, 3, "work_days", False),
    ("06036", 3, 2, "work_days", True),
    ("06028", 4, 3, "work_days", False),
    ("06027", 5, 5, "work_days", False),
    ("09010", 3, 1, "work_days", True),
    ("07001", 4, 1, "work_days", True),
    ("06042", 3, 8, "work_hours", True),
    ("09012", 5, 1, "work_days", False),
    ("06013", 3, 5, "work_days", False),
    ("90003", 5, 2, "work_days", False),
    ("90002", 6, 5, "work_days", False),
    ("12345-0102", 6, 5, "work_days", False),
    ("12345-0201", 5, 10, "work_days", False),
    ("12345-0501", 2, 10, "work_days", False),
    ("12345-9901", 0, 2, "work_days", False),
    ("08004", 4, 3, "work_days", False),
]


def build_street(*, communities: int = 30, grids_per_community: int = 16):
    """A synthetic street: communities in a row of columns, each a block of square grids;
    the nine street departments; one rule per RULES line; a grid worker and a leader."""
    from yiwang.accounts.models import Membership, OrgUnit, Role, User
    from yiwang.grids.models import GridWorker, Region
    from yiwang.workorders.services import responsibility_rule_save

    side = max(1, int(grids_per_community**0.5))
    rows_per = -(-grids_per_community // side)
    district = OrgUnit.objects.create(name="基准区", code="320599", kind="district")
    street_unit = OrgUnit.objects.create(
        name="基准街道", code=STREET_CODE, kind="street", parent=district, region_code=STREET_CODE
    )
    departments = [
        OrgUnit.objects.create(
            name=name, code=f"{STREET_CODE}-D{i:02d}", kind="department", parent=street_unit
        )
        for i, name in enumerate(
            ["党政办", "党群工作局", "经济发展局", "社会事业局", "综合行政执法局",
             "安全生产监督管理局", "社区治理局", "为民服务中心", "集成指挥中心"]
        )
    ]  # fmt: skip
    width = communities * side * GRID_SIZE
    height = rows_per * GRID_SIZE
    street = Region.objects.create(
        code=STREET_CODE, name="基准街道", level="street", geojson=_rect(ORIGIN, width, height)
    )
    grids = []
    for c in range(communities):
        code_c = f"{STREET_CODE}{c + 1:03d}"
        x0 = ORIGIN[0] + c * side * GRID_SIZE
        community = Region.objects.create(
            code=code_c,
            name=f"社区{c + 1}",
            level="community",
            parent=street,
            geojson=_rect((x0, ORIGIN[1]), side * GRID_SIZE, height),
        )
        batch = []
        for g in range(grids_per_community):
            gx, gy = g % side, g // side
            batch.append(
                Region(
                    code=f"{code_c}{g + 1:03d}",
                    name=f"社区{c + 1}第{g + 1}网格",
                    level="grid",
                    parent=community,
                    geojson=square(x0 + gx * GRID_SIZE, ORIGIN[1] + gy * GRID_SIZE, GRID_SIZE),
                )
            )
        grids.extend(Region.objects.bulk_create(batch))
    admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    for code, dept, value, unit, on_spot in RULES:
        responsibility_rule_save(
            actor=admin,
            category=code,
            primary_department=departments[dept],
            limit_value=value,
            limit_unit=unit,
            on_spot_allowed=on_spot,
        )
    worker = User.objects.create(username="bench-grid", display_name="基准网格员")
    Membership.objects.create(user=worker, org_unit=street_unit, role=Role.GRID_WORKER)
    GridWorker.objects.create(region=grids[0], user=worker, name="基准网格员")
    leader = User.objects.create(username="bench-leader", display_name="基准领导")
    Membership.objects.create(user=leader, org_unit=street_unit, role=Role.LEADER)
    return {
        "street": street,
        "grids": grids,
        "departments": departments,
        "worker": worker,
        "leader": leader,
        "width": width,
        "height": height,
    }


def _rect(origin, width, height) -> str:
    x, y = origin
    ring = [[x, y], [x + width, y], [x + width, y + height], [x, y + height], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def random_point(rng: random.Random, world) -> tuple[float, float]:
    return (
        ORIGIN[0] + rng.random() * world["width"] * 0.999,
        ORIGIN[1] + rng.random() * world["height"] * 0.999,
    )
