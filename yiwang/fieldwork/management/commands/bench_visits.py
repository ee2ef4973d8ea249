"""yiwang bench visits --households 70000: the due list of every worker and a round's coverage.

Builds, in a throwaway database, a synthetic street (35 communities × 16 grids) with N
households in houses, one 党群专员 per ~200 households (seed 003: 541 specialists, 70,000
households), a visit plan in its sixth round with the earlier rounds visited and the current
one 60 % done. Then times, on the real selectors:
- `due_all_s`: the due/overdue list of every specialist (one query over all assignments);
- `due_one_ms`: one specialist's list as `GET /api/v1/visits/due/` computes it (median);
- `coverage_s`: the current round's coverage per specialist, grid and community, with the
  rounds completed (`visit_coverage`, as the leader sees it).
Prints one JSON line. Goal (issue 14): due lists + coverage < 1 s on SQLite for the street.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from yiwang.workorders.bench import throwaway_database


class Command(BaseCommand):
    help = "走访基准：计算每名党群专员的待访清单与一轮走访覆盖率，输出耗时（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=70000)
        parser.add_argument("--per-worker", type=int, default=200)
        parser.add_argument("--seed", type=int, default=20261206)
        parser.add_argument("--in-place", action="store_true",
                            help="在当前数据库的事务中运行并回滚（测试用）")  # fmt: skip

    def handle(self, *args, **opts):
        if opts["households"] < 1 or opts["per_worker"] < 1:
            raise CommandError("--households 与 --per-worker 必须为正数")
        with throwaway_database(in_place=opts["in_place"]):
            started = time.perf_counter()
            world = _build(opts["households"], opts["per_worker"], random.Random(opts["seed"]))
            build_s = time.perf_counter() - started
            result = _measure(world)
        result |= {"build_s": round(build_s, 1), "database": connection.vendor}
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def _build(households: int, per_worker: int, rng: random.Random) -> dict:
    from yiwang.accounts.models import Membership, Role, User
    from yiwang.basedata.models import House, Household
    from yiwang.fieldwork.models import HouseholdAssignment, Visit, VisitPlan
    from yiwang.fieldwork.rounds import add_months, round_window
    from yiwang.workorders.bench import build_street

    street = build_street(communities=35, grids_per_community=16)
    grids = street["grids"]
    unit = street["leader"].memberships.first().org_unit
    today = timezone.localdate()
    plan = VisitPlan.objects.create(
        start_date=add_months(today.replace(day=1), -10), completion_target=95
    )
    n_workers = -(-households // per_worker)
    with transaction.atomic():
        workers = User.objects.bulk_create(
            [User(username=f"bench-zy-{i}", display_name=f"专员{i}") for i in range(n_workers)]
        )
        Membership.objects.bulk_create(
            [Membership(user=w, org_unit=unit, role=Role.PARTY_SPECIALIST) for w in workers]
        )
        houses, homes = [], []
        for i in range(households):
            grid = grids[i * len(grids) // households]
            box = json.loads(grid.geojson)["coordinates"][0]
            lon = box[0][0] + rng.random() * (box[1][0] - box[0][0])
            lat = box[0][1] + rng.random() * (box[2][1] - box[0][1])
            houses.append(House(address=f"基准路{i}号", lon=lon, lat=lat, grid=grid))
        House.objects.bulk_create(houses, batch_size=5000)
        for i, house in enumerate(houses):
            homes.append(Household(code=f"H{i:06d}", address=house.address, house=house,
                                   grid=house.grid))  # fmt: skip
        Household.objects.bulk_create(homes, batch_size=5000)
        current = 6
        assignments, visits = [], []
        for i, home in enumerate(homes):
            worker = workers[i // per_worker]
            last = None
            for number in range(1, current + 1):
                share = 0.6 if number == current else 0.97
                if rng.random() < share:
                    window = round_window(plan, number)
                    day = window.start + dt.timedelta(days=rng.randrange(50))
                    day = min(day, today)
                    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
                    visits.append(Visit(household=home, visitor=worker, region_code=home.grid.code,
                                        visited_at=at, round_number=number))  # fmt: skip
                    last = day
            assignments.append(
                HouseholdAssignment(household=home, worker=worker, region_code=home.grid.code,
                                    assigned_on=plan.start_date, last_visit_on=last)
            )  # fmt: skip
        HouseholdAssignment.objects.bulk_create(assignments, batch_size=5000)
        Visit.objects.bulk_create(visits, batch_size=5000)
    return {"workers": workers, "leader": street["leader"], "plan": plan,
            "households": households, "visits": len(visits)}  # fmt: skip


def _measure(world) -> dict:
    from yiwang.fieldwork import selectors
    from yiwang.fieldwork.models import HouseholdAssignment
    from yiwang.fieldwork.rounds import plan_or_default

    today = timezone.localdate()
    t0 = time.perf_counter()
    rows = selectors.due_rows(
        HouseholdAssignment.objects.all(), plan=plan_or_default(), today=today
    )
    per_worker: dict[int, list] = {}
    for row in rows:
        per_worker.setdefault(row["worker"], []).append(row)
    due_all = time.perf_counter() - t0
    timings = []
    for worker in world["workers"][:: max(1, len(world["workers"]) // 20)]:
        t = time.perf_counter()
        selectors.visit_due_list(user=worker, today=today)
        timings.append(time.perf_counter() - t)
    t0 = time.perf_counter()
    coverage = selectors.visit_coverage(user=world["leader"], today=today)
    coverage_s = time.perf_counter() - t0
    return {
        "households": world["households"],
        "specialists": len(world["workers"]),
        "visits": world["visits"],
        "due_rows": len(rows),
        "overdue_rows": sum(1 for r in rows if r["state"] == "overdue"),
        "due_all_s": round(due_all, 3),
        "due_one_ms": round(statistics.median(timings) * 1000, 1),
        "coverage_s": round(coverage_s, 3),
        "coverage_rate": coverage["rate"],
        "rounds_completed": coverage["rounds_completed"],
        "total_s": round(due_all + coverage_s, 3),
        "goal_s": 1.0,
    }
