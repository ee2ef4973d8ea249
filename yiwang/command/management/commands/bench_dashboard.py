"""yiwang bench dashboard --orders 300000: a street's year of work orders, then the time of the
screen's calls — the overview (GET /api/v1/command/overview/) and each step of the map's
drill-down (street → community → grid → orders) — for the street leader.

The load and the synthetic street are the work-order KPI bench's (bulk_create; yiwang bench
kpis), in a throwaway database; then the worker's daily figures are built once (timed:
`figures_build_s`), as `yiwang worker` keeps them. Prints one JSON line; the goal is < 1 s for
each call.
"""

import datetime as dt
import json
import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from yiwang.workorders.bench import (
    build_street,
    calibration,
    production_logging,
    throwaway_database,
)


class Command(BaseCommand):
    help = "大屏基准：载入一个街道一年的工单，统计总览与逐级下钻的耗时（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=300_000)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--seed", type=int, default=20261206)
        parser.add_argument(
            "--in-place", action="store_true", help="测试用：在当前数据库事务中运行并回滚"
        )

    def handle(self, *args, orders, repeat, seed, in_place, **options):
        with throwaway_database(in_place=in_place), production_logging():
            result = run(orders, repeat, seed)
        result["in_place"] = in_place
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def _timed(fn, repeat: int) -> tuple[dict, object]:
    runs, value = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        value = fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"first_ms": round(runs[0], 1), "median_ms": round(statistics.median(runs), 1)}, value


def run(n: int, repeat: int, seed: int) -> dict:
    from yiwang.command import selectors
    from yiwang.workorders.management.commands.bench_kpis import load

    world = build_street()
    started = time.perf_counter()
    load(n, world, random.Random(seed))
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE workorders_workorder")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE workorders_workorder")
        else:
            cursor.execute("ANALYZE")
    # The worker's daily figures (大屏日汇总), as `yiwang worker` keeps them every 5 minutes.
    from yiwang.command.services.figures import order_figures_rebuild

    started = time.perf_counter()
    built = order_figures_rebuild()
    build_s = time.perf_counter() - started
    leader = world["leader"]
    today = timezone.localdate()
    month = (today.replace(day=1), today)
    year = (today - dt.timedelta(days=365), today)
    street = world["street"].code
    community = world["grids"][0].code[:12]
    grid = world["grids"][0].code
    cases = {
        "overview_month": lambda: selectors.overview(
            user=leader, date_from=month[0], date_to=month[1]
        ),
        "overview_year": lambda: selectors.overview(
            user=leader, date_from=year[0], date_to=year[1]
        ),
        "map_street": lambda: selectors.map_layer(user=leader, parent=""),
        "map_communities": lambda: selectors.map_layer(user=leader, parent=street),
        "map_grids": lambda: selectors.map_layer(user=leader, parent=community),
        "map_orders": lambda: selectors.map_layer(user=leader, parent=grid),
        "overview_community_month": lambda: selectors.overview(
            user=leader, region=community, date_from=month[0], date_to=month[1]
        ),
    }
    timings, sample = {}, None
    for name, fn in cases.items():
        timings[name], value = _timed(fn, repeat)
        if name == "overview_year":
            sample = value
    return {
        "orders": n,
        "load_s": round(load_s, 1),
        "figures_build_s": round(build_s, 2),
        "figures_days": built["days"],
        "ms": timings,
        "database": connection.vendor,
        "python_loop_10m_cpu_s": calibration(),
        "year": {
            "open": sample["open"],
            "overdue": sample["overdue"],
            "archived": sample["archived"],
        },
    }
