"""Demo field work of 唯亭街道: the 敲门聚心 visit cycle under way. Idempotent, seeded.

- `zhuanyuan` (党群专员, password `yiwang-demo`) in the community of the demo grid worker,
  with the ~200 households of that grid nearest its first house; the grid's other
  households go to `gridworker`, every other grid's households to one 党群专员 per ~200
  households (`zy-01` …, same password).
- A two-month plan now in its third round: round 1 visited at 96 %, round 2 at 90 %, the
  current round at 40 % — so the lists show visited, due and overdue households. Two visits
  of zhuanyuan found needs that became work orders; one GPS fix was far from the house.
- A week of patrols (巡查) by `gridworker` and `gridworker2` (李网格, the neighbouring grid's
  专职网格员, same password): one a day each, tracks walked inside their own grids, one with a
  five-minute signal gap (断点), and today's patrols each with a problem reported on the way
  (巡查发现), so the weekly coverage and the "found by patrols" share have figures.
- One visit of zhuanyuan today whose need is answered at the door (上门办): the eldest member
  of one of zhuanyuan's households asks for the 高龄津贴 (尊老金), and the visit opens the
  application on their behalf (approvals' `application_open_on_behalf`, linked to the need).
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
from yiwang.fieldwork.models import Patrol, VisitPlan
from yiwang.fieldwork.services import (
    household_assign,
    patrol_end,
    patrol_points_add,
    patrol_report,
    patrol_start,
    visit_record,
    visits_import_paper,
)

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
    _load_visits(stdout)
    _load_home_service(stdout)
    if Patrol.objects.exists():
        stdout.write("巡查：演示数据已存在，跳过。")
        return
    started = time.perf_counter()
    with transaction.atomic():
        counts = _patrols(random.Random(SEED + 7))
    if counts:
        stdout.write(
            f"巡查：{counts['workers']} 名网格员近 7 天巡查 {counts['patrols']} 次、轨迹点 "
            f"{counts['points']} 个、断点 {counts['gaps']} 处、巡查发现 {counts['reports']} 件"
            f"（{time.perf_counter() - started:.1f} 秒）"
        )


def _load_visits(stdout) -> None:
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


# --- a need answered by 上门办 -------------------------------------------------------------

PENSION = "320576052-05-0404"  # 高龄津贴（尊老金）申领, offered 上门办 in the demo catalogue
HOME_NEED = "老人年满80周岁，行动不便，想申请高龄津贴（尊老金），请上门代办"


def _load_home_service(stdout, username: str = "zhuanyuan") -> None:
    """One visit of `username` today whose need becomes a 上门办 application on the eldest
    member's behalf, through `visit_record` like the visit form. Skipped when the demo already
    has one, or when the specialist, the catalogue or a household with members is missing."""
    from yiwang.core.pii import mask_name
    from yiwang.fieldwork.models import VisitNeed
    from yiwang.fieldwork.selectors import home_services

    if VisitNeed.objects.filter(application__isnull=False).exists():
        stdout.write("上门办走访：演示数据已存在，跳过。")
        return
    user = User.objects.filter(username=username).first()
    offered = dict(home_services(user=user)) if user else {}
    found = _elder_at_home(user) if offered else None
    if found is None:
        stdout.write("上门办走访：党群专员、办事目录或包联户尚未载入，跳过。")
        return
    household, person = found
    code = PENSION if PENSION in offered else next(iter(offered))
    house = household.house
    visit = visit_record(
        actor=user,
        household=household,
        source="phone",
        lon=house.lon,
        lat=house.lat,
        accuracy_m=8,
        met=person.name,
        notes="老人在家，子女不在身边；当场代为申报高龄津贴，缺少的材料由综窗一次性告知。",
        needs=[{"description": HOME_NEED, "service": code, "person": person.pk}],
    )
    app = visit.needs.get().application
    where = household.address or household.code
    stdout.write(
        f"上门办走访：{user.display_name or user.username} 走访 {where}，"
        f"为 {mask_name(person.name)} 上门代办“{offered[code]}”（办件 {app.number}）"
    )


def _elder_at_home(user):
    """(household, member): the eldest member the specialist may see of their households with
    a located house (the first households by code), or None."""
    from yiwang.basedata.models import Person
    from yiwang.fieldwork.models import HouseholdAssignment

    ids = (
        HouseholdAssignment.objects.filter(worker=user, household__house__lon__isnull=False)
        .order_by("household__code")
        .values_list("household_id", flat=True)[:PER_WORKER]
    )
    person = (
        Person.objects.visible_to(user)
        .filter(household_id__in=list(ids))
        .select_related("household__house")
        .order_by("birth_date", "pk")
        .first()
    )
    return (person.household, person) if person else None


# --- patrols (巡查) ------------------------------------------------------------------------

PATROL_DAYS = 7
STEP_SECONDS = 10
REPORTS = [("路边绿化带内有暴露垃圾，气味较大", "06010"),
           ("小区门口机动车乱停放，占用消防通道", "09009")]  # fmt: skip


def _patrollers(username: str = "gridworker") -> list[tuple[User, object]]:
    """(user, grid) of `gridworker` and of `gridworker2`, made the 专职网格员 of a grid next
    to gridworker's (same community when it has one)."""
    from yiwang.grids.models import GridWorker, Region
    from yiwang.grids.services import grid_worker_update

    own = GridWorker.objects.filter(user__username=username).select_related("region").first()
    if own is None or not own.region.geojson:
        return []
    pairs = [(own.user, own.region)]
    second = User.objects.filter(username="gridworker2").first()
    if second is None:
        second = User.objects.create_user(
            username="gridworker2", password=DEMO_PASSWORD, display_name="李网格"
        )
        unit = Membership.objects.filter(user=own.user, role=Role.GRID_WORKER).first().org_unit
        Membership.objects.create(user=second, org_unit=unit, role=Role.GRID_WORKER)
    neighbours = Region.objects.filter(level="grid", is_active=True).exclude(pk=own.region_id)
    grid = (
        neighbours.filter(parent_id=own.region.parent_id)
        .exclude(geojson="")
        .order_by("code")
        .first()
        or neighbours.exclude(geojson="").order_by("code").first()
    )
    if grid is None:
        return pairs
    worker = GridWorker.objects.filter(region=grid, is_active=True).first()
    if worker is not None and worker.user_id != second.pk:
        grid_worker_update(actor=None, worker=worker, user=second)
    return [*pairs, (second, grid)]


def _walk(geom, rng, start_at: dt.datetime, minutes: int, gap_at: int | None) -> list[dict]:
    """A walk inside `geom` at ~1.1 m/s, one fix every STEP_SECONDS; it turns when the next
    step would leave the grid. `gap_at`: the index where five minutes of fixes are lost."""
    import math

    from shapely.geometry import Point

    x0, y0, x1, y1 = geom.bounds
    for _ in range(200):
        here = (rng.uniform(x0, x1), rng.uniform(y0, y1))
        if geom.contains(Point(here)):
            break
    else:
        here = geom.representative_point().coords[0]
    heading, points, at = rng.uniform(0, 2 * math.pi), [], start_at
    step = 11 / 111_000  # ~11 m in degrees of latitude, ~1.1 m/s
    for i in range(minutes * 60 // STEP_SECONDS):
        if gap_at is not None and gap_at <= i < gap_at + 30:  # 300 s without a fix
            at += dt.timedelta(seconds=STEP_SECONDS)
            continue
        for _turn in range(12):
            nxt = (here[0] + step * math.cos(heading) / math.cos(math.radians(here[1])),
                   here[1] + step * math.sin(heading))  # fmt: skip
            if geom.contains(Point(nxt)):
                break
            heading += rng.uniform(0.8, 2.4)
        else:
            nxt = here
        heading += rng.uniform(-0.25, 0.25)
        here = nxt
        points.append({"lon": round(here[0], 6), "lat": round(here[1], 6),
                       "at": at.isoformat(), "accuracy_m": rng.randint(4, 15)})  # fmt: skip
        at += dt.timedelta(seconds=STEP_SECONDS)
    return points


def _patrols(rng, username: str = "gridworker") -> dict:
    from shapely.geometry import shape

    from yiwang.grids.geometry import load_json

    pairs = _patrollers(username)
    if not pairs:
        return {}
    now = timezone.localtime()
    counts = {"workers": len(pairs), "patrols": 0, "points": 0, "gaps": 0, "reports": 0}
    reports = list(REPORTS)
    for w, (user, grid) in enumerate(pairs):
        geom = shape(load_json(grid.geojson))
        for days_back in range(PATROL_DAYS - 1, -1, -1):
            minutes = rng.randint(30, 45)
            if days_back:
                day = (now - dt.timedelta(days=days_back)).date()
                start = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + w, 0)))
            else:
                start = now - dt.timedelta(minutes=minutes + 5)
            gap = 60 if (w, days_back) == (0, 2) else None
            points = _walk(geom, rng, start, minutes, gap)
            first = points[0]
            patrol = patrol_start(actor=user, lon=first["lon"], lat=first["lat"], at=start)
            for i in range(0, len(points), 60):  # batches of ten minutes, as the phone sends
                patrol_points_add(actor=user, patrol=patrol, points=points[i : i + 60])
            if not days_back and reports:
                text, category = reports.pop(0)
                patrol_report(actor=user, patrol=patrol, description=text, category=category)
                counts["reports"] += 1
            end = None if not days_back else start + dt.timedelta(minutes=minutes, seconds=30)
            ended = patrol_end(actor=user, patrol=patrol, at=end)
            counts["patrols"] += 1
            counts["points"] += ended.point_count
            counts["gaps"] += len(ended.gaps)
    return counts
