"""yiwang bench evaluation --firms 20000: time one yearly 亩均效益评价.

Loads N firms with a year's figures by bulk_create (a fixture, not what is measured) into a
throwaway database (see yiwang/workorders/bench.py), then times `evaluation_run` — exactly what
POST /api/v1/economy/evaluations/ runs: one query for the figures in scope, the scoring in
Python, the results written in multi-row INSERTs, one audit row. Prints one JSON line: `seconds`
(wall clock; the goal is < 2 s on SQLite) and `cpu_seconds` (this process's CPU time, which a
busy shared machine disturbs less).
"""

import json
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection

from yiwang.workorders.bench import calibration, production_logging, square, throwaway_database


class Command(BaseCommand):
    help = "亩均效益评价基准：载入 N 家企业的年度数据，统计一次评价的耗时（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--firms", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=20261206)
        parser.add_argument(
            "--in-place", action="store_true", help="测试用：在当前数据库事务中运行并回滚"
        )

    def handle(self, *args, firms, seed, in_place, **options):
        with throwaway_database(in_place=in_place), production_logging():
            result = run(firms, random.Random(seed))
        result["in_place"] = in_place
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def run(n: int, rng: random.Random) -> dict:
    from yiwang.economy.services import evaluation_run

    year = 2025
    started = time.perf_counter()
    load(n, rng, year)
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    t0, cpu0 = time.perf_counter(), time.process_time()
    evaluation = evaluation_run(actor=None, year=year)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "firms": n,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "load_s": round(load_s, 1),
        "counts": evaluation.counts,
        "database": connection.vendor,
        "python_loop_10m_cpu_s": calibration(),
    }


def load(n: int, rng: random.Random, year: int) -> None:
    from yiwang.basedata.models import LegalEntity
    from yiwang.core.validators import uscc_check_char
    from yiwang.economy.models import FirmFigures, FirmProfile
    from yiwang.grids.models import Region

    street = Region.objects.create(
        code="320599001",
        name="基准街道",
        level=Region.Level.STREET,
        geojson=square(120.7, 31.3, 0.1),
    )
    grid = Region.objects.create(
        code="320599001001001",
        name="基准网格",
        level=Region.Level.GRID,
        parent=street,
        geojson=square(120.7, 31.3, 0.1),
    )
    entities = []
    for i in range(n):
        first17 = f"91320599{i:09d}"
        entities.append(
            LegalEntity(
                name=f"基准企业{i}",
                uscc=first17 + uscc_check_char(first17),
                kind="enterprise",
                grid=grid,
                lon=120.7 + rng.random() * 0.1,
                lat=31.3 + rng.random() * 0.1,
            )
        )
    LegalEntity.objects.bulk_create(entities, batch_size=2000)
    entities = list(LegalEntity.objects.filter(grid=grid).order_by("id"))
    profiles = [
        FirmProfile(entity=e, grid=grid, industry="39", industry_section="C",
                    above_scale=rng.random() < 0.5)
        for e in entities
    ]  # fmt: skip
    FirmProfile.objects.bulk_create(profiles, batch_size=2000)
    figures = []
    for firm in FirmProfile.objects.filter(grid=grid).only("id"):
        revenue = Decimal(round(rng.lognormvariate(8, 1), 2))
        figures.append(
            FirmFigures(
                firm_id=firm.pk,
                year=year,
                revenue=revenue,
                tax=(revenue * Decimal("0.05")).quantize(Decimal("0.01")),
                energy=Decimal(round(rng.uniform(10, 500), 2)) if rng.random() > 0.03 else None,
                land_mu=Decimal(rng.choice([2, 3, 5, 8, 15, 30, 60])),
                employees=rng.randint(5, 500),
            )
        )
    FirmFigures.objects.bulk_create(figures, batch_size=2000)
