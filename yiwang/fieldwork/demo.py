"""Demo field work of 唯亭街道: the 敲门聚心 visit cycle under way. Idempotent, seeded.

- `zhuanyuan` (党群专员, password `yiwang-demo`) in the community of the demo grid worker,
  with the ~200 households of that grid nearest its first house; the grid's other
  households go to `gridworker`, every other grid's households to one 党群专员 per ~200
  households (`zy-01` …, same password).
- A two-month plan now in its third round: round 1 visited at 96 %, round 2 at 90 %, the
  current round at 40 % — so the lists show visited, due and overdue households. Two visits
  of zhuanyuan found needs that became work orders; one GPS fix was far from the house.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.demo import DEMO_PASSWORD, STREET
from yiwang.accounts.models import Membership, OrgUnit, Role, User
from yiwang.basedata.models import Household
from yiwang.fieldwork import rounds
from yiwang.fieldwork.models import VisitPlan
from yiwang.fieldwork.services import household_assign, visit_record, visits_import_paper

SEED = 20261206
PER_WORKER = 200
SHARES = {1: 0.96, 2: 0.90, 3: 0.40}
NOTES = ["家中一切正常", "老人身体尚可，子女每周回来", "对小区停车有意见", "租户，登记了联系方式",
         "宣传了反诈知识", "新生儿一名，已告知疫苗接种"]  # fmt: skip
NEEDS = [("楼下车库有人居住，晚上做饭，存在消防隐患", "90001"),
         ("小区门口机动车乱停放，老人出行不便", "09009")]  # fmt: skip


def _user(username: str, name: str, unit: OrgUnit) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, org_unit=unit, role=Role.PARTY_SPECIALIST)
    return user


def load(stdout) -> None:
    if VisitPlan.objects.exists():
        stdout.write("走访：演示数据已存在，跳过。")
        return
    homes = list(
        Household.objects.filter(grid__code__startswith=STREET[0])
        .select_related("house", "grid")
        .order_by("grid__code", "code")
    )
    gridworker = User.objects.filter(username="gridworker").first()
    if not homes or gridworker is None:
        stdout.write("走访：演示户或网格员尚未载入，跳过。")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts = _load(homes, gridworker, random.Random(SEED))
    stdout.write(
        f"走访：{counts['households']} 户包联给 {counts['workers']} 人，第 {counts['round']} 轮"
        f"进行中，走访 {counts['visits']} 次（{time.perf_counter() - started:.1f} 秒）"
    )


def _assign(homes, gridworker, since: dt.date) -> tuple[User, dict]:
    from yiwang.grids.models import GridWorker

    own = GridWorker.objects.filter(user=gridworker).select_related("region__parent").first()
    home_grid = own.region.code if own else homes[0].grid.code
    community = OrgUnit.objects.filter(region_code=home_grid[:12]).first() or OrgUnit.objects.get(
        code=STREET[0]
    )
    zhuanyuan = _user("zhuanyuan", "周专员", community)
    street = OrgUnit.objects.get(code=STREET[0])
    mine = [h for h in homes if h.grid.code == home_grid]
    others = [h for h in homes if h.grid.code != home_grid]
    household_assign(actor=None, households=mine[:PER_WORKER], worker=zhuanyuan, since=since)
    household_assign(actor=None, households=mine[PER_WORKER:], worker=gridworker, since=since)
    owners = {h.pk: zhuanyuan for h in mine[:PER_WORKER]} | {
        h.pk: gridworker for h in mine[PER_WORKER:]
    }
    for i in range(0, len(others), PER_WORKER):
        worker = _user(f"zy-{i // PER_WORKER + 1:02d}", f"党群专员{i // PER_WORKER + 1}", street)
        chunk = others[i : i + PER_WORKER]
        household_assign(actor=None, households=chunk, worker=worker, since=since)
        owners |= {h.pk: worker for h in chunk}
    return zhuanyuan, owners


def _load(homes, gridworker, rng) -> dict:
    today = timezone.localdate()
    plan = VisitPlan.objects.create(
        start_date=rounds.add_months(today.replace(day=1), -4), cycle_months=2, completion_target=95
    )
    zhuanyuan, owners = _assign(homes, gridworker, plan.start_date)
    current = rounds.current_round(plan, today).number
    paper, live = [], []
    for number in range(1, current + 1):
        window = rounds.round_window(plan, number)
        span = max(1, (min(window.last_day, today) - window.start).days)
        for home in homes:
            if rng.random() >= SHARES.get(number, 0.9):
                continue
            day = window.start + dt.timedelta(days=rng.randrange(span))
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + rng.randrange(8))))
            row = {"household": home, "visitor": owners[home.pk], "met": "户主",
                   "visited_at": min(at, timezone.now()), "notes": rng.choice(NOTES)}  # fmt: skip
            is_live = number == current and owners[home.pk] == zhuanyuan and home.house
            (live if is_live else paper).append(row)
    visits_import_paper(actor=None, rows=paper)
    needs_left = list(NEEDS)
    for i, row in enumerate(live):
        house, far = row["household"].house, i == 3
        needs = []
        if i % 7 == 1 and needs_left:
            text, category = needs_left.pop()
            needs = [{"description": text, "category": category}]
        visit_record(
            actor=zhuanyuan,
            household=row["household"],
            visited_at=row["visited_at"],
            source="phone",
            lon=house.lon + (0.006 if far else rng.uniform(-0.0002, 0.0002)),
            lat=house.lat + rng.uniform(-0.0002, 0.0002),
            accuracy_m=rng.randint(5, 30),
            met=row["met"],
            notes=row["notes"],
            needs=needs,
        )
    visits = len(paper) + len(live)
    return {"households": len(homes), "workers": len(set(owners.values())), "round": current,
            "visits": visits}  # fmt: skip
