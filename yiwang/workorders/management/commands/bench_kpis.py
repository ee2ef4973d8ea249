"""yiwang bench kpis --orders 300000: load a street's year of work orders, time the KPIs.

The load uses bulk_create (not the service path: it is a fixture, not what is measured), with
realistic shares (seed 002: 78 % found by patrols, most handled on the spot; 80 % archived).
Then `work_order_kpis` — exactly what GET /api/v1/kpis/ runs — is timed for a street leader
over the whole year, one month, one community and one department. Runs in a throwaway database
(see yiwang/workorders/bench.py). Prints one JSON line; the goal is < 1 s on PostgreSQL.
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

SAMPLE_FIGURES = (
    "reported",
    "due",
    "completion_rate",
    "on_time_rate",
    "avg_workdays_to_archive",
    "on_spot_rate",
    "in_grid_rate",
    "satisfaction_rate",
    "overdue_open",
)


class Command(BaseCommand):
    help = "工单指标基准：批量载入一个街道一年的工单，统计 KPI 查询耗时（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=300_000)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument(
            "--in-place", action="store_true", help="测试用：在当前数据库事务中运行并回滚"
        )

    def handle(self, *args, orders, repeat, seed, in_place, **options):
        with throwaway_database(in_place=in_place), production_logging():
            result = run(orders, repeat, seed)
        result["in_place"] = in_place
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def run(n: int, repeat: int, seed: int) -> dict:
    from yiwang.workorders.selectors import work_order_kpis

    world = build_street()
    started = time.perf_counter()
    load(n, world, random.Random(seed))
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: planner statistics and (PostgreSQL) the
        # visibility map that index-only scans need.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE workorders_workorder")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE workorders_workorder")  # --in-place: inside a transaction
        else:
            cursor.execute("ANALYZE")
    leader = world["leader"]
    today = timezone.localdate()
    year_from = today - dt.timedelta(days=365)
    month_from = today - dt.timedelta(days=30)
    community = world["grids"][0].code[:12]
    department = world["departments"][4].pk
    cases = {
        "year": {"date_from": year_from, "date_to": today},
        "month": {"date_from": month_from, "date_to": today},
        "community_year": {"date_from": year_from, "date_to": today, "region": community},
        "department_year": {"date_from": year_from, "date_to": today, "department": department},
    }
    timings, sample = {}, None
    for name, kwargs in cases.items():
        runs = []
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            figures = work_order_kpis(user=leader, **kwargs)
            runs.append((time.perf_counter() - t0) * 1000)
        timings[name] = {
            "first_ms": round(runs[0], 1),
            "median_ms": round(statistics.median(runs), 1),
        }
        if name == "year":
            sample = figures
    return {
        "orders": n,
        "load_s": round(load_s, 1),
        "kpi_ms": timings,
        "database": connection.vendor,
        "python_loop_10m_cpu_s": calibration(),
        "year": {k: sample[k] for k in SAMPLE_FIGURES},
    }


def load(n: int, world, rng: random.Random) -> None:
    """Bulk-load n orders over the last 365 days (deadlines computed on the real calendar)."""
    from yiwang.core.workdays import deadline_for
    from yiwang.workorders.models import ResponsibilityRule, WorkOrder

    S = WorkOrder.Status
    C = WorkOrder.Channel
    grids = [(g.pk, g.code) for g in world["grids"]]
    rules = list(ResponsibilityRule.objects.filter(is_current=True))
    now = timezone.now()
    start = now - dt.timedelta(days=365)
    deadlines: dict = {}
    statuses = [
        (S.ARCHIVED, 0.80), (S.COMPLETED, 0.05), (S.HANDLING, 0.05), (S.DISPATCHED, 0.03),
        (S.TRIAGE, 0.03), (S.MERGED, 0.02), (S.CANCELLED, 0.02),
    ]  # fmt: skip
    status_pop, status_w = zip(*statuses, strict=True)
    satisfactions = [("satisfied", 0.85), ("basically_satisfied", 0.1), ("unsatisfied", 0.05)]
    sat_pop, sat_w = zip(*satisfactions, strict=True)
    others = [C.RESIDENT, C.HOTLINE, C.OPEN311]
    fields = [f for f in WorkOrder._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update(created_at=now, updated_at=now, description="基准工单", lon=120.7, lat=31.3,
                    category_source="reporter")  # fmt: skip
    per_day: dict = {}
    batch = []
    for _ in range(n):
        reported = start + dt.timedelta(seconds=rng.random() * 365 * 86400)
        if reported > now - dt.timedelta(hours=1):
            reported = now - dt.timedelta(hours=2)
        day = timezone.localdate(reported)
        per_day[day] = per_day.get(day, 0) + 1
        rule = rng.choice(rules)
        grid_id, grid_code = rng.choice(grids)
        status = rng.choices(status_pop, status_w)[0]
        patrol = rng.random() < 0.78
        row = dict(defaults)
        row.update(
            code=f"WT{day:%Y%m%d}-{per_day[day]:04d}",
            channel=C.GRID_WORKER if patrol else rng.choice(others),
            grid_id=grid_id,
            region_code=grid_code,
            category_id=rule.category_id,
            reported_at=reported,
            status=status,
        )
        if status not in (S.TRIAGE, S.CANCELLED, S.MERGED):
            key = (day, rule.limit_value, rule.limit_unit,
                   reported.hour if rule.limit_unit == "work_hours" else 0)  # fmt: skip
            if key not in deadlines:
                deadlines[key] = deadline_for(reported, rule.limit_value, rule.limit_unit)
            deadline = deadlines[key]
            row.update(
                deadline=deadline,
                yellow_at=reported + (deadline - reported) * 0.8,
                primary_department_id=rule.primary_department_id,
                rule_id=rule.pk,
                dispatched_at=reported,
            )
            if status in (S.COMPLETED, S.ARCHIVED):
                on_spot = patrol and rule.on_spot_allowed and rng.random() < 0.85
                hours = rng.uniform(0.3, 4) if on_spot else rng.uniform(1, 30)
                completed = min(reported + dt.timedelta(hours=hours * 3.2), now)
                row.update(
                    completed_at=completed,
                    completed_on_time=completed <= deadline,
                    resolved_on_spot=on_spot,
                    resolved_in_grid=on_spot or rng.random() < 0.3,
                )
                if status == S.ARCHIVED:
                    row.update(
                        archived_at=min(completed + dt.timedelta(hours=2), now),
                        archived_workdays=round((hours + 1) / 7.5, 3),
                    )
                if rng.random() < 0.4:
                    row.update(
                        satisfaction=rng.choices(sat_pop, sat_w)[0],
                        rated_at=min(completed + dt.timedelta(days=1), now),
                    )
        batch.append(row)
        if len(batch) >= 5000:
            fast_insert(fields, batch)
            batch = []
    if batch:
        fast_insert(fields, batch)


def fast_insert(fields, rows) -> None:
    """INSERT plain rows with COPY (PostgreSQL) or executemany in one transaction (SQLite):
    the fixture load, not the measured part, so it skips the ORM's per-object work."""
    from django.db import DEFAULT_DB_ALIAS, connections, transaction

    from yiwang.workorders.models import WorkOrder

    conn = connections[DEFAULT_DB_ALIAS]
    table = conn.ops.quote_name(WorkOrder._meta.db_table)
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with transaction.atomic(), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
        else:
            adapt = conn.ops.adapt_datetimefield_value
            dates = {f.attname for f in fields if f.get_internal_type() == "DateTimeField"}
            values = [
                [adapt(row[name]) if name in dates and row[name] else row[name] for name in names]
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
