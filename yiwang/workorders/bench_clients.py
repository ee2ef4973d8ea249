"""`yiwang bench intake --clients N[,N…]`: intake through the real server path, with a floor.

Per client count, in one run on one throwaway database:

- **intake**: N client threads, each with its own keep-alive connection, POST orders to
  `/api/v1/workorders/` of a gunicorn (`yiwang serve`, `--server-workers` processes × 4
  threads, DEBUG=0) as a grid worker with an API token, each with its own Idempotency-Key;
- **floor**: bare single-row INSERT transactions (BEGIN; INSERT; COMMIT) from N connections of
  this process on the same database: what the database alone gives that many writers.

Prints one JSON line per client count: per_s and latency of the intake, the server's CPU per
order, floor_per_s, and the load average and durability settings under which they were taken.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from django.db import connection, transaction

from yiwang.workorders.bench import RULES, build_street, production_logging
from yiwang.workorders.benchserver import (
    Client,
    NoAnswer,
    Server,
    bench_database,
    bench_keys,
    database_settings,
)

FLOOR_TABLE = "yiwang_bench_floor"


def run_clients(
    *, orders: int, clients: list[int], server_workers: int, street: dict, seed: int, emit
) -> None:
    """Run the intake and the floor at each client count; `emit(dict)` each result."""
    from yiwang.accounts.sessions import token_create

    with bench_database() as url, bench_keys(), production_logging():
        world = build_street(**street)
        _, token = token_create(user=world["worker"])
        create_floor_table()
        durability = database_settings()
        ruled = [code for code, *_ in RULES]
        with tempfile.TemporaryDirectory(prefix="yiwang-bench-") as tmp:
            server = Server(url, workers=server_workers, log=Path(tmp) / "server.log")
            server.start()
            try:
                warm = post_orders(
                    server.port, token, server_workers * 2, server_workers * 6, world, ruled,
                    seed=seed - 1, label="warm",
                )  # fmt: skip
                if warm["statuses"].get(201, 0) == 0:
                    raise RuntimeError(f"预热请求全部失败：{warm['statuses']}\n{server.tail()}")
                for n in clients:
                    cpu = server.cpu_seconds()
                    intake = post_orders(
                        server.port, token, n, orders, world, ruled, seed=seed, label=f"c{n}"
                    )
                    intake["server_cpu"] = server.cpu_seconds() - cpu
                    floor = insert_floor(n, orders)
                    emit(result(n, orders, intake, floor, server_workers, durability))
            finally:
                server.stop()


def result(n, orders, intake, floor, server_workers, durability) -> dict:
    latencies = sorted(intake["latencies"])
    return {
        "mode": "http",
        "clients": n,
        "orders": orders,
        "per_s": round(orders / intake["elapsed"], 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1)
        if latencies
        else None,
        "statuses": {str(k): v for k, v in sorted(intake["statuses"].items(), key=str)},
        # CPU of the whole server (every worker) per order: what the figures cost regardless of
        # the load of other programs on the machine
        "server_cpu_ms_per_order": round(intake["server_cpu"] * 1000 / orders, 1),
        "floor_per_s": round(orders / floor, 1),
        "share_of_floor": round(floor / intake["elapsed"], 3),
        "server_workers": server_workers,
        "server_threads": 4,
        "database": connection.vendor,
        **durability,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def post_orders(port, token, n, total, world, ruled, *, seed, label) -> dict:
    """`total` orders POSTed by `n` threads; their latencies, answer statuses and wall time."""
    from yiwang.workorders.management.commands.bench_intake import order_fields

    shares = [total // n + (1 if i < total % n else 0) for i in range(n)]
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()

    def loop(index: int, count: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client(port, token=token)
        mine, seen = [], Counter()
        for i in range(count):
            body = {k: v for k, v in order_fields(rng, world, ruled).items() if v is not None}
            key = {"Idempotency-Key": f"{label}-{index}-{i}"}
            started = time.perf_counter()
            try:
                status, _, _ = client.request("POST", "/api/v1/workorders/", body, key)
            except NoAnswer:
                status = "no_answer"
            mine.append((time.perf_counter() - started) * 1000)
            seen[status] += 1
        client.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=loop, args=(i, c)) for i, c in enumerate(shares)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "elapsed": time.perf_counter() - started,
        "latencies": latencies,
        "statuses": statuses,
    }


def create_floor_table() -> None:
    key = "bigserial PRIMARY KEY" if connection.vendor == "postgresql" else "integer PRIMARY KEY"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {FLOOR_TABLE} (id {key}, client integer NOT NULL, "
            "n integer NOT NULL, note varchar(100) NOT NULL)"
        )


def insert_floor(n: int, total: int) -> float:
    """Seconds for `total` single-row INSERT transactions from `n` connections."""
    shares = [total // n + (1 if i < total % n else 0) for i in range(n)]
    sql = f"INSERT INTO {FLOOR_TABLE} (client, n, note) VALUES (%s, %s, %s)"

    def loop(index: int, count: int) -> None:
        try:
            with connection.cursor():
                pass  # connect before the clock matters to the others
            for i in range(count):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [index, i, "小区门口有机动车长期乱停放"])
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(i, c)) for i, c in enumerate(shares)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
