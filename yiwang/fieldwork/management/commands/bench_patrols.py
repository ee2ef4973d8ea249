"""yiwang bench patrols --points 100000: GPS fixes ingested per second.

In a throwaway database with a synthetic street, `--patrols` grid workers each start a patrol
and send their fixes in batches of `--batch` (as the phone page does) through the real service
`patrol_points_add`: parsing and checks, time order, speed and gap rules, distance, the bulk
insert, the patrol's running totals and one audit row per batch, one transaction per batch.
Every 50th batch is sent twice (a resend after the network dropped) and a few fixes jump
impossibly far, so the duplicate and flag paths are measured too. Prints one JSON line.
Goal (issue 14): ≥ 5,000 points/s.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from yiwang.workorders.bench import throwaway_database


class Command(BaseCommand):
    help = "巡查轨迹基准：分批上传 GPS 轨迹点，输出每秒入库点数（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--points", type=int, default=100000)
        parser.add_argument("--patrols", type=int, default=10)
        parser.add_argument("--batch", type=int, default=200)
        parser.add_argument("--seed", type=int, default=20261206)
        parser.add_argument("--in-place", action="store_true",
                            help="在当前数据库的事务中运行并回滚（测试用）")  # fmt: skip

    def handle(self, *args, **opts):
        if min(opts["points"], opts["patrols"], opts["batch"]) < 1:
            raise CommandError("--points、--patrols、--batch 必须为正数")
        with throwaway_database(in_place=opts["in_place"]):
            result = _run(opts, random.Random(opts["seed"]))
        self.stdout.write(json.dumps(result | {"database": connection.vendor}, ensure_ascii=False))


def _run(opts, rng: random.Random) -> dict:
    from yiwang.accounts.models import Membership, Role, User
    from yiwang.fieldwork.models import Patrol, PatrolPoint
    from yiwang.fieldwork.services import patrol_points_add, patrol_start
    from yiwang.workorders.bench import ORIGIN, build_street

    street = build_street(communities=4, grids_per_community=16)
    unit = street["leader"].memberships.first().org_unit
    per_patrol = -(-opts["points"] // opts["patrols"])
    started = timezone.now() - dt.timedelta(seconds=per_patrol * 2 + 60)
    streams = []
    for i in range(opts["patrols"]):
        user = User.objects.create(username=f"bench-patrol-{i}")
        Membership.objects.create(user=user, org_unit=unit, role=Role.GRID_WORKER)
        patrol = patrol_start(actor=user)
        Patrol.objects.filter(pk=patrol.pk).update(started_at=started)
        lon, lat, points = ORIGIN[0] + 0.002 * i, ORIGIN[1], []
        for k in range(per_patrol):
            lon += rng.uniform(-1, 1) * 0.00004
            lat += rng.uniform(-1, 1) * 0.00004
            jump = 0.05 if rng.random() < 0.001 else 0.0
            at = started + dt.timedelta(seconds=1 + 2 * k)
            points.append({"lon": lon + jump, "lat": lat, "at": at.isoformat(),
                           "accuracy_m": rng.uniform(3, 20)})  # fmt: skip
        streams.append((user, patrol.pk, points))
    sent = batches = 0
    t0 = time.perf_counter()
    for offset in range(0, per_patrol, opts["batch"]):
        for user, pk, points in streams:
            batch = points[offset : offset + opts["batch"]]
            if not batch:
                continue
            patrol_points_add(actor=user, patrol=pk, points=batch)
            sent += len(batch)
            batches += 1
            if batches % 50 == 0:
                patrol_points_add(actor=user, patrol=pk, points=batch)
    elapsed = time.perf_counter() - t0
    return {
        "points": sent,
        "batches": batches,
        "stored": PatrolPoint.objects.count(),
        "flagged": PatrolPoint.objects.exclude(flag="").count(),
        "seconds": round(elapsed, 2),
        "points_per_s": round(sent / elapsed),
        "goal_points_per_s": 5000,
    }
