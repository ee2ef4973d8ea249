"""yiwang bench intake --orders N: orders per second through the real intake path.

Each order goes through `work_order_create` exactly as the API calls it: validation, point →
grid (grids.locate), the triage hook, the per-day code counter, the responsibility rule, the
working-day deadline, the insert, two timeline events and two audit rows, one transaction and
one commit per order. Points fall in a synthetic street of 30 communities × 16 grids; 85 % carry
a category with a rule, 10 % none (→ classifier hook → triage), 5 % fall outside the street
(refused with `outside_street`, as a wrong tap on the map is).
Runs in a throwaway database (see yiwang/workorders/bench.py). Prints one JSON line:
{"orders", "per_s", "p50_ms", "p99_ms", "database", ...}.

`--clients 1,4,16` instead drives a real gunicorn over HTTP from that many clients (each order a
POST with an Idempotency-Key) and measures beside it the floor of bare single-row INSERT
transactions from as many connections: see yiwang/workorders/bench_clients.py.
"""

import argparse
import json
import random
import statistics
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from yiwang.core.errors import ValidationFailed
from yiwang.workorders.bench import (
    RULES,
    build_street,
    calibration,
    production_logging,
    random_point,
    throwaway_database,
)

TEXTS = [
    "小区门口有机动车长期乱停放，堵住消防通道",
    "路边有暴露垃圾，气味很大",
    "车库里有人居住，晚上还做饭，存在安全隐患",
    "商铺占道经营，水果摊摆到了人行道上",
    "楼道里堆放杂物，电动车在楼道充电",
]


class Command(BaseCommand):
    help = "工单受理基准：通过真实服务路径创建 N 个工单，输出每秒处理量与 p99 延迟（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1000)
        parser.add_argument("--communities", type=int, default=30)
        parser.add_argument("--grids-per-community", type=int, default=16)
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="并发线程数（每个线程一个数据库连接；默认 1，即单连接顺序提交）",
        )
        parser.add_argument(
            "--clients",
            type=_client_counts,
            help="经 HTTP 压测真实 gunicorn：客户端数，可逗号分隔多个（如 1,4,16）；"
            "同时测同样连接数的单行 INSERT 事务下限（floor）",
        )
        parser.add_argument(
            "--server-workers", type=int, default=4, help="--clients 时 gunicorn 的进程数"
        )
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="在当前数据库的事务中运行并回滚（测试用；不提交，数字不具代表性）",
        )

    def handle(
        self, *args, orders, communities, grids_per_community, seed, in_place, workers=1, **opts
    ):
        if in_place and workers > 1:
            raise CommandError("--in-place 只能单线程运行。")
        if opts.get("clients"):
            if in_place:
                raise CommandError("--clients 需要服务器能读到的数据库，不能与 --in-place 同用。")
            from yiwang.workorders.bench_clients import run_clients

            run_clients(
                orders=orders,
                clients=opts["clients"],
                server_workers=opts.get("server_workers") or 4,
                street={"communities": communities, "grids_per_community": grids_per_community},
                seed=seed,
                emit=lambda line: self.stdout.write(json.dumps(line, ensure_ascii=False)),
            )
            return
        with throwaway_database(in_place=in_place), production_logging():
            result = run(orders, communities, grids_per_community, seed, workers)
        result["in_place"] = in_place
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def _client_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("客户端数须为正整数，可逗号分隔，如 1,4,16")
    return counts


def order_fields(rng: random.Random, world: dict, ruled: list[str]) -> dict:
    """One order's fields: 85 % with a ruled category, 10 % none, 5 % outside the street."""
    roll = rng.random()
    lon, lat = random_point(rng, world)
    if roll < 0.05:
        lon += 1.0  # outside every grid
    return {
        "description": rng.choice(TEXTS),
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "category": None if 0.05 <= roll < 0.15 else rng.choice(ruled),
    }


def run(n: int, communities: int, grids_per_community: int, seed: int, workers: int = 1) -> dict:
    from yiwang.workorders.models import WorkOrder
    from yiwang.workorders.services import work_order_create

    world = build_street(communities=communities, grids_per_community=grids_per_community)
    ruled = [code for code, *_ in RULES]
    worker = world["worker"]

    refused = []

    def one(rng):
        try:
            return work_order_create(actor=worker, **order_fields(rng, world, ruled))
        except ValidationFailed as exc:  # the 5 % outside the street are refused (400)
            if exc.code != "outside_street":
                raise
            refused.append(exc.code)
            return None

    warm = random.Random(seed - 1)
    for _ in range(min(20, max(1, n // 10))):  # warm-up: grid index, caches, connections
        one(warm)
    latencies: list[float] = []
    shares = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]

    def loop(index: int, count: int) -> None:
        rng = random.Random(seed + index)
        mine = []
        try:
            for _ in range(count):
                t0 = time.perf_counter()
                one(rng)
                mine.append((time.perf_counter() - t0) * 1000)
        finally:
            latencies.extend(mine)
            if workers > 1:
                connection.close()  # this thread's connection

    cpu_started = time.process_time()
    started = time.perf_counter()
    if workers == 1:
        loop(0, n)
    else:
        threads = [threading.Thread(target=loop, args=(i, count)) for i, count in enumerate(shares)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    latencies.sort()
    counts = dict(WorkOrder.objects.values_list("status").annotate(n=Count("id")))
    try:
        import yiwang.grids.locate  # noqa: F401

        locator = "yiwang.grids.locate"
    except ImportError:
        locator = "workorders fallback"
    return {
        "orders": n,
        "workers": workers,
        "per_s": round(n / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
        "app_cpu_ms_per_order": round(cpu * 1000 / n, 2),
        "database": connection.vendor,
        "python_loop_10m_cpu_s": calibration(),
        "grids": len(world["grids"]),
        "dispatched": counts.get("dispatched", 0),
        "triage": counts.get("triage", 0),
        "refused_outside_street": len(refused),
        "locator": locator,
    }
