"""Every write of field work: one function per use case, one transaction, one audit event.

Visits (敲门聚心):
- `household_assign`: give households to a 包联 worker (党群专员 or 网格员).
- `visit_record`: a visit from the phone (GPS checked against the household's house) or from
  paper with its real date; each need found becomes a work order or a 上门办 application in
  the same transaction.

Patrols (巡查):
- `patrol_start`, `patrol_points_add` (GPS points in batches, resends are harmless),
  `patrol_report` (a work order found on the way, linked), `patrol_end`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from yiwang.accounts.models import Role, User
from yiwang.basedata.models import Household
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from yiwang.fieldwork import geo, rounds
from yiwang.fieldwork.errors import FieldworkErrorCode as Code
from yiwang.fieldwork.models import (
    HouseholdAssignment,
    Patrol,
    PatrolPoint,
    PatrolReport,
    Visit,
    VisitNeed,
)

FIELD_ROLES = {Role.GRID_WORKER, Role.PARTY_SPECIALIST}
ASSIGNER_ROLES = {Role.ADMIN, Role.LEADER, Role.DISPATCHER}
MAX_NEEDS = 10
PAPER_MAX_AGE = dt.timedelta(days=366)  # a paper log older than a year is a typo, not a visit
CLOCK_SKEW = dt.timedelta(minutes=5)  # a phone's clock may run a little ahead

# Patrol track rules (Traccar's filters, simplified): a fix after a silence longer than
# GAP_SECONDS starts a new segment (a lost signal is a gap, never a straight line); a jump
# faster than MAX_SPEED_MPS (126 km/h, impossible for a patrol on foot, bicycle or in town
# traffic) or a fix less accurate than MAX_ACCURACY_M is kept but flagged and left off the track.
GAP_SECONDS = 120
MAX_SPEED_MPS = 35.0
MAX_ACCURACY_M = 100.0
MAX_BATCH = 5000


def _user(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden("请先登录。")
    return actor


def _is_field_worker(user) -> bool:
    return user.is_superuser or user.has_role(*FIELD_ROLES, Role.ADMIN)


# --- household assignment (户包联) ----------------------------------------------------------


@transaction.atomic
def household_assign(*, actor, households, worker, since: dt.date | None = None) -> int:
    """Give `households` (ids or rows) to `worker` for visiting; replaces earlier 包联 workers.
    `since`: the day the 包联 began (default today; an older roster brought in from paper keeps
    its real date, which decides whether a missed round counts as overdue).

    Who: 管理员, 街道领导, 指挥中心坐席 within the households they can see (None = the system).
    Returns the number of households assigned."""
    if actor is not None:
        user = _user(actor)
        if not user.has_role(*ASSIGNER_ROLES):
            raise Forbidden("只有管理员、街道领导或指挥中心可以分配包联户。")
    if not isinstance(worker, User):
        worker = User.objects.filter(pk=worker).first()
    if worker is None or not worker.has_role(*FIELD_ROLES):
        raise ValidationFailed(
            "包联人员须是党群专员或网格员。",
            code=Code.NOT_ASSIGNABLE,
            fields={"worker": ["须是党群专员或网格员"]},
        )
    ids = [getattr(h, "pk", h) for h in households]
    qs = Household.objects.all() if actor is None else Household.objects.visible_to(actor)
    rows = list(qs.filter(pk__in=ids).values_list("pk", "grid__code"))
    if len(rows) != len(set(ids)):
        raise NotFound("部分住户不存在或不在您的管辖范围内。", fields={"households": ["未找到"]})
    today = timezone.localdate()
    if since is not None and (not isinstance(since, dt.date) or since > today):
        raise ValidationFailed("包联日期不能晚于今天。", fields={"since": ["不能是将来"]})
    existing = dict(
        HouseholdAssignment.objects.filter(household_id__in=ids).values_list("household_id", "pk")
    )
    HouseholdAssignment.objects.filter(pk__in=existing.values()).update(
        worker=worker, version=F("version") + 1, updated_at=timezone.now()
    )
    HouseholdAssignment.objects.bulk_create(
        [
            HouseholdAssignment(
                household_id=pk, worker=worker, region_code=code, assigned_on=since or today
            )
            for pk, code in rows
            if pk not in existing
        ],
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        action="fieldwork.household.assign",
        target=worker,
        after={"worker": worker.pk, "households": len(rows), "reassigned": len(existing)},
    )
    return len(rows)


# --- visits (敲门聚心) ----------------------------------------------------------------------


def _household_for_visit(actor, household) -> Household:
    pk = getattr(household, "pk", household)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ValidationFailed("住户编号必须是整数。", fields={"household": ["必须是整数"]})
    visible = Household.objects.visible_to(actor).filter(pk=pk)
    mine = Household.objects.filter(pk=pk, visit_assignment__worker=actor)
    row = (visible | mine).select_related("house", "grid").first()
    if row is None:
        raise NotFound("住户不存在或不在您的包联范围内。", fields={"household": ["未找到"]})
    return row


def _visit_time(visited_at, source, now) -> tuple[dt.datetime, str]:
    if visited_at in (None, ""):
        return now, source or Visit.Source.PHONE
    at = geo.moment(visited_at, field="visited_at", label="走访时间")
    if at > now + CLOCK_SKEW:
        raise ValidationFailed("走访时间不能晚于现在。", fields={"visited_at": ["不能是将来"]})
    if at < now - PAPER_MAX_AGE:
        raise ValidationFailed(
            "走访时间早于一年前，请核对日期。", fields={"visited_at": ["超过一年"]}
        )
    return at, source or (Visit.Source.PAPER if now - at > dt.timedelta(hours=2) else "phone")


def _location_check(visit: Visit, household: Household, plan) -> None:
    """Distance from the household's house; a fix far away is flagged, not refused (the
    household may have been met elsewhere), with the distance shown."""
    house = household.house
    if visit.lon is None:
        if visit.source == Visit.Source.PHONE:
            visit.location_flag = "未获取定位"
        return
    if house is None or house.lon is None or house.lat is None:
        return
    distance = geo.distance_m(visit.lon, visit.lat, house.lon, house.lat)
    visit.distance_m = round(distance, 1)
    slack = visit.accuracy_m or 0
    if distance - slack > plan.far_threshold_m:
        visit.location_flag = f"定位点距住户约 {distance:.0f} 米（超过 {plan.far_threshold_m} 米）"


def _clean_needs(needs) -> list[dict]:
    if needs in (None, ""):
        return []
    if not isinstance(needs, list):
        raise ValidationFailed("needs 必须是列表。", fields={"needs": ["必须是列表"]})
    if len(needs) > MAX_NEEDS:
        raise ValidationFailed(
            f"一次走访最多登记 {MAX_NEEDS} 条诉求。", fields={"needs": [f"最多 {MAX_NEEDS} 条"]}
        )
    out = []
    for i, need in enumerate(needs):
        if isinstance(need, str):
            need = {"description": need}
        if not isinstance(need, dict):
            raise ValidationFailed("诉求格式不正确。", fields={f"needs[{i}]": ["须为对象"]})
        description = geo.text(
            need.get("description"),
            field=f"needs[{i}].description",
            label="诉求内容",
            max_length=500,
            required=True,
        )
        category = geo.text(
            need.get("category"), field=f"needs[{i}].category", label="事项分类", max_length=20
        )
        service = geo.text(
            need.get("service"), field=f"needs[{i}].service", label="上门办事项", max_length=40
        )
        if service and category:
            raise ValidationFailed(
                "一条诉求只能生成工单（事项分类）或上门办申请（服务事项）之一。",
                fields={f"needs[{i}].service": ["与事项分类二选一"]},
            )
        person = need.get("person")
        if person not in (None, "") and (isinstance(person, bool) or not str(person).isdigit()):
            raise ValidationFailed(
                "申请人编号须为整数。", fields={f"needs[{i}].person": ["须为整数"]}
            )
        out.append({"description": description, "category": category, "service": service,
                    "person": int(person) if person not in (None, "") else None})  # fmt: skip
    return out


def _applicant_of(household: Household, person_id: int | None, index: int):
    """The applicant of a 上门办 need: the member named, else the household's head (户主),
    else its eldest member. Only a member of this household can be named."""
    members = household.members.all()
    if person_id is not None:
        row = members.filter(pk=person_id).first()
        if row is None:
            raise ValidationFailed(
                f"第 {index + 1} 条诉求：申请人不是本户成员。",
                fields={f"needs[{index}].person": ["不是本户成员"]},
            )
        return row
    row = members.filter(relation="head").first() or members.order_by("birth_date").first()
    if row is None:
        raise ValidationFailed(
            f"第 {index + 1} 条诉求：本户在人口库中没有成员，无法代为申报。",
            fields={f"needs[{index}].service": ["本户无登记人员"]},
        )
    return row


def _check_applicant_visible(actor, person, index: int) -> None:
    """Opening an application reads the applicant's registry row: a 包联 worker outside the
    community's 人口库 scope gets a clear refusal instead of "not found"."""
    from yiwang.basedata.models import Person

    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise Forbidden(
            f"第 {index + 1} 条诉求：申请人不在您可查看的人口库范围内，请由社区或综窗代为申报。",
            fields={f"needs[{index}].service": ["无权查看申请人"]},
        )


def _open_application(actor, visit: Visit, household: Household, need: dict, index: int):
    """上门办: the specialist opens the application on the resident's behalf at the door
    (approvals' one entry for it); missing materials wait for the window's 一次性告知."""
    from yiwang.approvals.services import application_open_on_behalf

    person = _applicant_of(household, need["person"], index)
    _check_applicant_visible(actor, person, index)
    try:
        return application_open_on_behalf(
            actor=actor,
            service_code=need["service"],
            applicant_person_id=person.pk,
            channel="home",
            source_note=f"入户走访 #{visit.pk}：{need['description']}"[:200],
        )
    except ServiceError as exc:
        fields = {f"needs[{index}].{k}": v for k, v in exc.fields.items()}
        raise type(exc)(f"第 {index + 1} 条诉求：{exc.message}", code=exc.code, fields=fields)


def _open_order(actor, visit: Visit, household: Household, need: dict, index: int):
    from yiwang.workorders.services import work_order_create

    house = household.house
    lon, lat = (house.lon, house.lat) if house and house.lon is not None else (visit.lon, visit.lat)
    try:
        return work_order_create(
            actor=actor,
            description=f"【敲门聚心】{need['description']}",
            lon=lon,
            lat=lat,
            address=household.address or (house.address if house else ""),
            category=need["category"] or None,
        )
    except ServiceError as exc:
        fields = {f"needs[{index}].{k}": v for k, v in exc.fields.items()}
        raise type(exc)(f"第 {index + 1} 条诉求：{exc.message}", code=exc.code, fields=fields)


@transaction.atomic
def visit_record(
    *,
    actor,
    household,
    lon=None,
    lat=None,
    accuracy_m=None,
    met: str = "",
    notes: str = "",
    needs=None,
    visited_at=None,
    source: str | None = None,
) -> Visit:
    """Record a visit (入户走访). `visited_at` absent = now, from the phone; a past time is a
    paper visit entered later with its real date. Each need opens, linked, a work order (工单:
    `{"description", "category"?}`) or a 上门办 application (`{"description", "service":
    <事项编码>, "person"?: <household member>}`, applicant the 户主 by default); if any need
    is refused, nothing is saved."""
    user = _user(actor)
    if not _is_field_worker(user):
        raise Forbidden("只有党群专员或网格员可以登记走访。")
    if source not in (None, "", *Visit.Source.values):
        raise ValidationFailed("来源无效。", fields={"source": ["应为 phone 或 paper"]})
    row = _household_for_visit(user, household)
    now = timezone.now()
    at, source = _visit_time(visited_at, source, now)
    plan = rounds.plan_or_default()
    lon, lat = geo.point(lon, lat, required=False)
    visit = Visit(
        household=row,
        visitor=user,
        recorded_by=user,
        region_code=row.grid.code,
        visited_at=at,
        round_number=rounds.round_number(plan, timezone.localdate(at)),
        source=source,
        lon=lon,
        lat=lat,
        accuracy_m=geo.number(
            accuracy_m, field="accuracy_m", label="定位精度", low=0, high=100000, required=False
        ),
        met=geo.text(met, field="met", label="见到的人", max_length=200),
        notes=geo.text(notes, field="notes", label="走访记录", max_length=4000),
    )
    _location_check(visit, row, plan)
    cleaned = _clean_needs(needs)
    visit.save()
    for i, need in enumerate(cleaned):
        if need["service"]:
            opened = {"application": _open_application(user, visit, row, need, i)}
        else:
            opened = {"work_order": _open_order(user, visit, row, need, i)}
        VisitNeed.objects.create(
            visit=visit,
            description=need["description"],
            category=need["category"],
            service_code=need["service"],
            **opened,
        )
    day = timezone.localdate(at)
    # A paper visit entered later may be older than the last one: keep the latest date.
    HouseholdAssignment.objects.filter(household=row).update(
        last_visit_on=Greatest(Coalesce(F("last_visit_on"), Value(day)), Value(day)),
        visit_count=F("visit_count") + 1,
    )
    audit_record(
        actor=user,
        action="fieldwork.visit.record",
        target=visit,
        after={
            "household": row.pk,
            "visited_at": at,
            "source": source,
            "distance_m": visit.distance_m,
            "location_flag": visit.location_flag,
            "needs": len(cleaned),
        },
    )
    return visit


@transaction.atomic
def visits_import_paper(*, actor, rows) -> int:
    """Bring in a paper visit log (纸质走访台账) in one go: `rows` of {"household", "visitor",
    "visited_at", "notes"?, "met"?}. Each visitor must be the household's 包联 worker; any bad
    row refuses the whole log with its line number. Needs found on paper are entered one by one
    through `visit_record`. One audit event for the log. `actor` None = the system (imports)."""
    if actor is not None and not _user(actor).has_role(*ASSIGNER_ROLES):
        raise Forbidden("只有管理员、街道领导或指挥中心可以导入纸质走访台账。")
    now, plan = timezone.now(), rounds.plan_or_default()
    wanted = {getattr(r.get("household"), "pk", r.get("household")) for r in rows}
    owners = dict(
        HouseholdAssignment.objects.filter(household_id__in=wanted).values_list(
            "household_id", "worker_id"
        )
    )
    regions = dict(Household.objects.filter(pk__in=wanted).values_list("pk", "grid__code"))
    visits, latest = [], {}
    for i, row in enumerate(rows):
        household = getattr(row.get("household"), "pk", row.get("household"))
        visitor = getattr(row.get("visitor"), "pk", row.get("visitor"))
        if household not in owners or owners[household] != visitor:
            raise ValidationFailed(
                f"第 {i + 1} 行：住户不存在或走访人不是其包联人员。",
                fields={f"rows[{i}]": ["不符"]},
            )
        at, _ = _visit_time(row.get("visited_at"), Visit.Source.PAPER, now)
        day = timezone.localdate(at)
        visits.append(
            Visit(household_id=household, visitor_id=visitor, recorded_by=acting_user(actor),
                  region_code=regions[household], visited_at=at, source=Visit.Source.PAPER,
                  round_number=rounds.round_number(plan, day),
                  notes=geo.text(row.get("notes"), field=f"rows[{i}].notes", label="走访记录",
                                 max_length=4000),
                  met=geo.text(row.get("met"), field=f"rows[{i}].met", label="见到的人",
                               max_length=200))
        )  # fmt: skip
        latest[household] = max(latest.get(household, day), day)
    Visit.objects.bulk_create(visits, batch_size=2000)
    assignments = list(HouseholdAssignment.objects.filter(household_id__in=latest))
    counts = defaultdict(int)
    for visit in visits:
        counts[visit.household_id] += 1
    for a in assignments:
        day = latest[a.household_id]
        a.last_visit_on = max(a.last_visit_on, day) if a.last_visit_on else day
        a.visit_count += counts[a.household_id]
    HouseholdAssignment.objects.bulk_update(
        assignments, ["last_visit_on", "visit_count"], batch_size=2000
    )
    audit_record(
        actor=actor,
        action="fieldwork.visit.import_paper",
        target_type="fieldwork.visit",
        after={"visits": len(visits), "households": len(latest)},
    )
    return len(visits)


# --- patrols (巡查) ------------------------------------------------------------------------


def _lock_patrol(actor, patrol) -> Patrol:
    pk = getattr(patrol, "pk", patrol)
    row = Patrol.objects.select_for_update().filter(pk=pk, worker=actor).first()
    if row is None:
        raise NotFound("巡查不存在。")
    return row


LATE_UPLOAD_MAX_AGE = dt.timedelta(days=8)  # a track kept on a phone is sent within a week


def _patrol_moment(at, *, field: str, label: str, now, not_before=None) -> dt.datetime:
    """A past moment of a patrol whose phone was offline the whole time (离线巡查补传): not in
    the future, not older than LATE_UPLOAD_MAX_AGE, not before `not_before`."""
    if at in (None, ""):
        return now
    moment = at if isinstance(at, dt.datetime) else geo.moment(at, field=field, label=label)
    if moment > now + CLOCK_SKEW or moment < now - LATE_UPLOAD_MAX_AGE:
        raise ValidationFailed(
            f"{label}须在最近 8 天内且不晚于现在。", fields={field: ["超出范围"]}
        )
    if not_before is not None and moment < not_before:
        raise ValidationFailed(f"{label}早于巡查开始或最后轨迹点。", fields={field: ["过早"]})
    return moment


@transaction.atomic
def patrol_start(*, actor, lon=None, lat=None, at=None) -> Patrol:
    """Start a patrol (开始巡查). The grid is the one the first fix lies in, else the worker's
    own grid. One patrol at a time: a second start while one runs is a 409. `at`: when the
    patrol began, for a phone that was offline from the start and uploads later (default now)."""
    from yiwang.grids.locate import locate
    from yiwang.grids.models import GridWorker, Region

    user = _user(actor)
    if not _is_field_worker(user):
        raise Forbidden("只有网格员或党群专员可以巡查。")
    if Patrol.objects.filter(worker=user, status=Patrol.Status.ACTIVE).exists():
        raise Conflict("您有一次巡查尚未结束，请先结束。", code=Code.PATROL_ACTIVE)
    lon, lat = geo.point(lon, lat, required=False)
    grid = None
    if lon is not None:
        found = locate(lon, lat)
        grid = Region.objects.filter(pk=found.grid.pk).first() if found else None
    if grid is None:
        own = GridWorker.objects.filter(user=user, is_active=True).select_related("region").first()
        grid = own.region if own else None
    patrol = Patrol.objects.create(
        worker=user,
        grid=grid,
        region_code=grid.code if grid else "",
        started_at=_patrol_moment(at, field="at", label="开始时间", now=timezone.now()),
    )
    audit_record(actor=user, action="fieldwork.patrol.start", target=patrol,
                 after={"grid": patrol.region_code})  # fmt: skip
    return patrol


@dataclass
class _Batch:
    rows: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    duplicates: int = 0
    accepted: int = 0


def _parse_points(points) -> list[tuple[int, dt.datetime, float, float, float | None]]:
    if not isinstance(points, list) or not points:
        raise ValidationFailed("points 必须是非空列表。", fields={"points": ["必须是非空列表"]})
    if len(points) > MAX_BATCH:
        raise ValidationFailed(
            f"每批最多 {MAX_BATCH} 个点。", fields={"points": [f"最多 {MAX_BATCH} 个"]}
        )
    parsed = []
    for i, p in enumerate(points):
        if not isinstance(p, dict):
            raise ValidationFailed("轨迹点须为对象。", fields={f"points[{i}]": ["须为对象"]})
        lon, lat = geo.point(p.get("lon"), p.get("lat"), required=True, prefix=f"points[{i}].")
        at = geo.moment(p.get("at"), field=f"points[{i}].at", label="定位时间")
        accuracy = geo.number(
            p.get("accuracy_m"), field=f"points[{i}].accuracy_m", label="精度",
            low=0, high=100000, required=False,
        )  # fmt: skip
        parsed.append((i, at, lon, lat, accuracy))
    return parsed


def _existing_times(patrol: Patrol, parsed) -> set:
    """Fixes already stored (a batch resent after the network dropped)."""
    if patrol.last_at is None:
        return set()
    old = [at for _, at, *_ in parsed if at <= patrol.last_at]
    if not old:
        return set()
    return set(
        PatrolPoint.objects.filter(patrol=patrol, at__in=old).values_list("at", "lon", "lat")
    )


def _place_point(patrol: Patrol, batch: _Batch, item, known: set, now) -> None:
    index, at, lon, lat, accuracy = item
    if (at, lon, lat) in known:
        batch.duplicates += 1
        return
    flag, reason = "", ""
    if at < patrol.started_at - CLOCK_SKEW or at > now + CLOCK_SKEW:
        flag, reason = PatrolPoint.Flag.OUT_OF_TIME, "时间不在本次巡查时段内"
    elif patrol.last_at is not None and at <= patrol.last_at:
        flag, reason = PatrolPoint.Flag.OUT_OF_ORDER, "时间早于已收到的轨迹点"
    elif accuracy is not None and accuracy > MAX_ACCURACY_M:
        flag, reason = PatrolPoint.Flag.INACCURATE, f"定位精度 {accuracy:.0f} 米，过低"
    elif patrol.last_at is not None:
        seconds = (at - patrol.last_at).total_seconds()
        step = geo.distance_m(patrol.last_lon, patrol.last_lat, lon, lat)
        if seconds > GAP_SECONDS:
            patrol.gaps.append(
                {"from": patrol.last_at.isoformat(), "to": at.isoformat(), "seconds": int(seconds)}
            )
            patrol.segment += 1
        elif step / seconds > MAX_SPEED_MPS:
            flag, reason = (
                PatrolPoint.Flag.TOO_FAST,
                f"速度 {step / seconds * 3.6:.0f} 公里/小时，不可能",
            )
        else:
            patrol.distance_m += step
    if flag:
        patrol.flagged_count += 1
        batch.rejected.append({"index": index, "reason": flag, "message": reason})
    else:
        patrol.last_at, patrol.last_lon, patrol.last_lat = at, lon, lat
        patrol.point_count += 1
        batch.accepted += 1
    known.add((at, lon, lat))
    batch.rows.append((patrol.pk, at, lon, lat, accuracy, patrol.segment, flag))


POINT_COLUMNS = ("patrol_id", "at", "lon", "lat", "accuracy_m", "segment", "flag")


INSERT_CHUNK = 500  # rows per INSERT (7 parameters each: well under every backend's limit)


def _insert_points(rows: list[tuple]) -> None:
    """Multi-row INSERTs for the whole batch (no model instances: thousands a second)."""
    if not rows:
        return
    connection = connections[router.db_for_write(PatrolPoint)]
    qn = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(
        qn(PatrolPoint._meta.db_table), ", ".join(qn(c) for c in POINT_COLUMNS)
    )
    one = "({})".format(", ".join(["%s"] * len(POINT_COLUMNS)))
    if connection.vendor == "postgresql":  # COPY: the bulk path of PostgreSQL (psycopg 3)
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            qn(PatrolPoint._meta.db_table), ", ".join(qn(c) for c in POINT_COLUMNS)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    at_field = PatrolPoint._meta.get_field("at")
    with connection.cursor() as cursor:
        for i in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[i : i + INSERT_CHUNK]
            params = []
            for pk, at, lon, lat, acc, seg, flag in chunk:
                params += [pk, at_field.get_db_prep_save(at, connection), lon, lat, acc, seg, flag]
            cursor.execute(head + ", ".join([one] * len(chunk)), params)


@transaction.atomic
def patrol_points_add(*, actor, patrol, points) -> dict:
    """Add a batch of GPS fixes `[{"lon","lat","at","accuracy_m"}]` to an active patrol.

    The batch is taken in time order. Fixes already stored are skipped (resending a batch after
    the network dropped changes nothing); fixes out of time order, at impossible speed, too
    inaccurate or outside the patrol's time are stored flagged (nothing lost) but left off the
    track, and come back in `rejected` with the reason. A malformed batch changes nothing."""
    user = _user(actor)
    row = _lock_patrol(user, patrol)  # not the worker's patrol: 404 before the batch is read
    parsed = _parse_points(points)
    if row.status != Patrol.Status.ACTIVE:
        raise Conflict("巡查已结束，不能再上传轨迹。", code=Code.PATROL_ENDED)
    parsed.sort(key=lambda item: (item[1], item[0]))
    batch, known, now = _Batch(), _existing_times(row, parsed), timezone.now()
    for item in parsed:
        _place_point(row, batch, item, known, now)
    _insert_points(batch.rows)
    Patrol.objects.filter(pk=row.pk).update(
        distance_m=row.distance_m, point_count=row.point_count, flagged_count=row.flagged_count,
        segment=row.segment, gaps=row.gaps, last_at=row.last_at, last_lon=row.last_lon,
        last_lat=row.last_lat, version=F("version") + 1, updated_at=now,
    )  # fmt: skip
    result = {
        "accepted": batch.accepted,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "distance_m": round(row.distance_m, 1),
        "gaps": len(row.gaps),
    }
    audit_record(
        actor=user,
        action="fieldwork.patrol.points",
        target_type="fieldwork.patrol",
        target_id=str(row.pk),
        after={k: v for k, v in result.items() if k != "rejected"}
        | {"flagged": len(batch.rejected)},
    )
    return result


@transaction.atomic
def patrol_report(
    *, actor, patrol, description: str, lon=None, lat=None, category=None, address: str = ""
):
    """Report a problem found during the patrol (巡查发现): a work order with the patrol
    channel, linked to the patrol."""
    from yiwang.workorders.services import work_order_create

    user = _user(actor)
    row = _lock_patrol(user, patrol)
    if row.status != Patrol.Status.ACTIVE:
        raise Conflict("巡查已结束，请直接在“网格上报”中上报。", code=Code.PATROL_ENDED)
    if lon in (None, "") and row.last_lon is not None:
        lon, lat = row.last_lon, row.last_lat
    order = work_order_create(
        actor=user,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        category=category or None,
        channel="patrol",
    )
    PatrolReport.objects.create(patrol=row, work_order=order)
    audit_record(actor=user, action="fieldwork.patrol.report", target=row,
                 after={"work_order": order.pk})  # fmt: skip
    return order


@transaction.atomic
def patrol_end(*, actor, patrol, at=None) -> Patrol:
    """End the patrol (结束巡查): duration from start to the end (now, or `at` for a track
    uploaded later, never before its last fix), distance of the track, gaps."""
    user = _user(actor)
    row = _lock_patrol(user, patrol)
    if row.status != Patrol.Status.ACTIVE:
        raise Conflict("巡查已经结束。", code=Code.PATROL_ENDED)
    now = _patrol_moment(at, field="at", label="结束时间", now=timezone.now(),
                         not_before=row.last_at or row.started_at)  # fmt: skip
    row.status, row.ended_at = Patrol.Status.ENDED, now
    row.duration_s = max(0, int((now - row.started_at).total_seconds()))
    row.bump_version(fields=["status", "ended_at", "duration_s"])
    audit_record(
        actor=user,
        action="fieldwork.patrol.end",
        target=row,
        after={"distance_m": round(row.distance_m, 1), "duration_s": row.duration_s,
               "points": row.point_count, "gaps": len(row.gaps)},
    )  # fmt: skip
    return row


def visible_households_q(user) -> Q:
    """Households a user may visit: those visible by data scope or assigned to them."""
    return Q(pk__in=Household.objects.visible_to(user).values("pk")) | Q(
        visit_assignment__worker=user
    )
