"""Emergencies (应急处置): raise an incident with a level and a type, tell the first link of
its chain (grid worker → community → department head → leader); when nobody in the chain
acknowledges within the level's window, the worker tells the next link (逐级上报).

Levels and types follow 突发事件应对法 (2024 修订): 第二条 names the four types
(自然灾害、事故灾难、公共卫生事件、社会安全事件), 第三条 the four grades (特别重大、重大、
较大、一般); its 预警级别 article (第四十二条 in the 2007 text; the 2024 number is to be
verified) marks 一至四级 red, orange, yellow, blue, 一级 highest.
The chain and each link's window (`ack_minutes`) are local
configuration (EscalationPolicy), snapshotted per incident as Grafana OnCall does.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.accounts.scope import data_scope
from yiwang.command.models import (
    DEFAULT_ACK_MINUTES,
    DEFAULT_CHAIN,
    ChainLink,
    ContingencyPlan,
    EscalationPolicy,
    Incident,
    IncidentEvent,
    IncidentLevel,
    IncidentType,
)
from yiwang.command.services.common import DESK_ROLES, text
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yiwang.grids.geometry import geometry_from_text, metres_per_degree
from yiwang.grids.locate import check_lon_lat, locate
from yiwang.grids.models import GridWorker, Region
from yiwang.notifications import recipients
from yiwang.notifications.services import notify

S = Incident.Status
RAISE_ROLES = (*DESK_ROLES, Role.GRID_WORKER)
TYPE_BY_LABEL = {label: value for value, label in IncidentType.choices}


def _level(value) -> str:
    if value in (None, ""):
        raise ValidationFailed(
            "请选择事件级别：红色（一级）、橙色（二级）、黄色（三级）或蓝色（四级）。",
            fields={"level": ["必填"]},
        )
    if value not in IncidentLevel.values:
        raise ValidationFailed(
            "事件级别须为 red、orange、yellow 或 blue（红/橙/黄/蓝）。",
            fields={"level": [f"可选：{IncidentLevel.values}"]},
        )
    return value


def _type(value) -> str:
    if isinstance(value, str) and value in TYPE_BY_LABEL:
        return TYPE_BY_LABEL[value]
    if value not in IncidentType.values:
        raise ValidationFailed(
            "事件类型须为自然灾害、事故灾难、公共卫生事件或社会安全事件之一。",
            fields={"type": [f"可选：{IncidentType.values}"]},
        )
    return value


def _policy(level: str) -> tuple[int, list[str], int | None]:
    row = EscalationPolicy.objects.filter(level=level).first()
    if row is None:
        return DEFAULT_ACK_MINUTES[level], list(DEFAULT_CHAIN), None
    return row.ack_minutes, list(row.chain or DEFAULT_CHAIN), row.department_id


def _link_users(link: str, *, grid_id, region_code: str, department_id) -> list:
    if link == ChainLink.GRID_WORKER:
        workers = GridWorker.objects.filter(region_id=grid_id, is_active=True, user__isnull=False)
        return [w.user for w in workers.select_related("user")] if grid_id else []
    if link == ChainLink.COMMUNITY:
        return recipients.community_staff(region_code)
    if link == ChainLink.DEPARTMENT_HEAD:
        return recipients.department_heads(department_id)
    if link == ChainLink.LEADER:
        return recipients.street_users(region_code, Role.LEADER)
    return []


def _next_step(chain: list[dict], after: int) -> int | None:
    """The first link after `after` that has somebody to tell."""
    for index in range(after + 1, len(chain)):
        if chain[index]["user_ids"]:
            return index
    return None


def _next_code(now: dt.datetime) -> str:
    day = timezone.localdate(now)
    prefix = f"YJ{day:%Y%m%d}"
    count = Incident.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


def _tell(incident: Incident, step: int, *, actor, now, kind: str) -> None:
    link = incident.chain[step]
    users = recipients.active_users(link["user_ids"])
    level = incident.get_level_display()
    notify(
        recipients=users,
        kind="incident",
        title=f"【{level.split('（')[0]}应急】{incident.get_type_display()}：请立即确认",
        body=f"{incident.code} {incident.description[:150]}（{link['label']}，"
        f"{incident.ack_minutes} 分钟内未确认将上报上一级）",
        link=f"/command/incidents/{incident.pk}/",
        sms_text=True,
        actor=actor,
    )
    IncidentEvent.objects.create(
        incident=incident,
        at=now,
        kind=kind,
        step=step,
        actor_name=str(actor) if actor else "系统",
        user_ids=link["user_ids"],
        note=f"通知{link['label']}",
    )


@transaction.atomic
def incident_raise(
    *,
    actor,
    level,
    type,
    description,
    lon=None,
    lat=None,
    now=None,  # noqa: A002
) -> Incident:
    """Raise an emergency: locate it, fix its chain (the people of each link, now, without the
    raiser: who raised an alarm cannot also be the one who receives it), tell the first link
    that has somebody and start its acknowledgement window."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_role(*RAISE_ROLES)):
        raise Forbidden("只有网格员、指挥中心坐席或街道领导可以上报应急事件。")
    level, kind = _level(level), _type(type)
    description = text(
        description, field="description", label="情况描述", required=True, max_length=4000
    )
    x, y = check_lon_lat(lon, lat)
    now = now or timezone.now()
    found = locate(x, y)
    grid = found.grid if found else None
    if grid is not None:
        region_code = grid.code
    else:
        region_code = (data_scope(actor).region_prefixes or ("",))[0]
    ack_minutes, links, department_id = _policy(level)
    chain = []
    for link in links:
        users = _link_users(
            link,
            grid_id=grid.pk if grid else None,
            region_code=region_code,
            department_id=department_id,
        )
        chain.append(
            {
                "link": link,
                "label": ChainLink(link).label,
                "user_ids": [u.pk for u in users if u.pk != actor.pk],
            }
        )
    first = _next_step(chain, -1)
    incident = Incident.objects.create(
        code=_next_code(now),
        level=level,
        type=kind,
        description=description,
        lon=x,
        lat=y,
        grid=grid,
        region_code=region_code,
        chain=chain,
        step=first or 0,
        ack_minutes=ack_minutes,
        ack_due_at=now + dt.timedelta(minutes=ack_minutes) if first is not None else None,
        exhausted=first is None,
        reported_by=actor,
    )
    IncidentEvent.objects.create(
        incident=incident, at=now, kind="raised", actor_name=str(actor), note=description[:200]
    )
    audit_record(
        actor=actor,
        action="incident.raise",
        target=incident,
        after={"level": level, "type": kind, "region_code": region_code, "chain": chain},
    )
    if first is not None:
        _tell(incident, first, actor=actor, now=now, kind="notified")
    return incident


def incident_visible(*, user, incident: Incident) -> bool:
    if Incident.objects.visible_to(user).filter(pk=incident.pk).exists():
        return True
    return getattr(user, "pk", None) in incident.chain_user_ids()


def incident_get_for(*, user, id) -> Incident:  # noqa: A002
    try:
        incident = Incident.objects.get(pk=int(id))
    except (Incident.DoesNotExist, TypeError, ValueError):
        raise NotFound("应急事件不存在。")
    if not incident_visible(user=user, incident=incident):
        raise NotFound("应急事件不存在。")
    return incident


@transaction.atomic
def incident_ack(*, actor, id, note: str = "", now=None) -> Incident:  # noqa: A002
    """Someone of the chain acknowledges (确认接报); nobody else may."""
    incident = incident_get_for(user=actor, id=id)
    if actor.pk not in incident.chain_user_ids():
        raise Forbidden("您不在该事件的上报链中，不能确认接报。", code="not_in_chain")
    note = text(note, field="note", label="说明", required=False, max_length=500)
    now = now or timezone.now()
    moved = Incident.objects.filter(pk=incident.pk, status=S.ALARM).update(
        status=S.ACKNOWLEDGED,
        acknowledged_by=actor,
        acknowledged_at=now,
        version=F("version") + 1,
    )
    if not moved:
        raise Conflict("该事件已有人确认接报。", code="invalid_state")
    IncidentEvent.objects.create(
        incident=incident,
        at=now,
        kind="acknowledged",
        step=incident.step,
        actor_name=str(actor),
        user_ids=[actor.pk],
        note=note,
    )
    audit_record(
        actor=actor,
        action="incident.ack",
        target=incident,
        before={"status": S.ALARM},
        after={"status": S.ACKNOWLEDGED, "step": incident.step},
    )
    incident.refresh_from_db()
    return incident


@transaction.atomic
def incident_close(*, actor, id, note: str = "", now=None) -> Incident:  # noqa: A002
    """The command center ends an incident (应急响应结束)."""
    incident = incident_get_for(user=actor, id=id)
    if not actor.has_role(*DESK_ROLES):
        raise Forbidden("只有指挥中心坐席或街道领导可以结束应急事件。")
    note = text(note, field="note", label="说明", required=False, max_length=500)
    now = now or timezone.now()
    old = incident.status
    if (
        not Incident.objects.filter(pk=incident.pk)
        .exclude(status=S.CLOSED)
        .update(status=S.CLOSED, version=F("version") + 1)
    ):
        raise Conflict("该事件已结束。", code="invalid_state")
    IncidentEvent.objects.create(
        incident=incident,
        at=now,
        kind="closed",
        step=incident.step,
        actor_name=str(actor),
        note=note,
    )
    audit_record(
        actor=actor,
        action="incident.close",
        target=incident,
        before={"status": old},
        after={"status": S.CLOSED},
    )
    incident.refresh_from_db()
    return incident


def _escalate_one(pk: int, now: dt.datetime) -> str:
    with transaction.atomic():
        incident = Incident.objects.get(pk=pk)
        if incident.status != S.ALARM or incident.exhausted or not incident.ack_due_at:
            return "skipped"
        if incident.ack_due_at > now:
            return "skipped"
        step = _next_step(incident.chain, incident.step)
        changes = (
            {"exhausted": True, "ack_due_at": None}
            if step is None
            else {"step": step, "ack_due_at": now + dt.timedelta(minutes=incident.ack_minutes)}
        )
        moved = Incident.objects.filter(
            pk=pk, status=S.ALARM, step=incident.step, version=incident.version
        ).update(version=incident.version + 1, **changes)
        if not moved:
            return "skipped"  # acknowledged or moved by another process meanwhile
        audit_record(
            actor=None,
            action="incident.escalate",
            target=incident,
            before={"step": incident.step},
            after=changes,
        )
        if step is None:
            IncidentEvent.objects.create(
                incident=incident,
                at=now,
                kind="exhausted",
                step=incident.step,
                actor_name="系统",
                note="已上报至最后一环，仍无人确认",
            )
            return "exhausted"
        incident.step = step
        _tell(incident, step, actor=None, now=now, kind="escalated")
        return "escalated"


def incident_escalation_sweep(*, now: dt.datetime | None = None) -> dict:
    """The worker's job: every unacknowledged incident past its window climbs one link.
    Compare-and-set on (status, step, version), so a concurrent ack or a second worker wins
    cleanly."""
    now = now or timezone.now()
    due = Incident.objects.filter(status=S.ALARM, exhausted=False, ack_due_at__lte=now).values_list(
        "pk", flat=True
    )
    counts: dict[str, int] = {}
    for pk in list(due):
        outcome = _escalate_one(pk, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def grids_near(*, lon: float, lat: float, radius_m: float) -> list[Region]:
    """Active grids whose polygon comes within `radius_m` of the point (local equirectangular
    metres; a bounding-box query first)."""
    from shapely import affinity
    from shapely.geometry import Point

    m_lon, m_lat = metres_per_degree(lat)
    d_lon, d_lat = radius_m / m_lon, radius_m / m_lat
    in_box = Q(
        min_lon__lte=lon + d_lon,
        max_lon__gte=lon - d_lon,
        min_lat__lte=lat + d_lat,
        max_lat__gte=lat - d_lat,
    )
    candidates = Region.objects.filter(
        in_box | Q(min_lon__isnull=True), level=Region.Level.GRID, is_active=True
    )
    origin = Point(0, 0)
    near = []
    for grid in candidates.order_by("code"):
        geom = geometry_from_text(grid.geojson)
        if geom is None:
            continue
        local = affinity.affine_transform(geom, [m_lon, 0, 0, m_lat, -lon * m_lon, -lat * m_lat])
        if local.distance(origin) <= radius_m:
            near.append(grid)
    return near


@transaction.atomic
def incident_apply_plan(*, actor, id, plan, now=None):  # noqa: A002
    """Apply a 预案 to an incident: one task to every grid around its point."""
    from yiwang.command.services.broadcast import task_create

    if not actor.has_role(*DESK_ROLES):
        raise Forbidden("只有指挥中心坐席或街道领导可以启动预案。")
    incident = incident_get_for(user=actor, id=id)
    if incident.status == S.CLOSED:
        raise Conflict("该事件已结束，不能再启动预案。", code="invalid_state")
    try:
        plan = ContingencyPlan.objects.get(pk=int(plan), is_active=True)
    except (ContingencyPlan.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed("预案不存在或未启用。", fields={"plan": ["未知预案"]})
    if plan.incident_type and plan.incident_type != incident.type:
        raise ValidationFailed(
            f"预案“{plan.name}”不适用于{incident.get_type_display()}。",
            fields={"plan": ["类型不符"]},
        )
    if incident.lon is None or incident.lat is None:
        raise ValidationFailed("事件没有位置，无法确定周边网格。", fields={"plan": ["事件无位置"]})
    grids = grids_near(lon=incident.lon, lat=incident.lat, radius_m=plan.radius_m)
    if incident.grid_id and incident.grid_id not in {g.pk for g in grids}:
        grids.insert(0, incident.grid)
    now = now or timezone.now()
    task = task_create(
        actor=actor,
        title=f"{plan.task_title}（{incident.code}）",
        instructions=plan.instructions,
        grids=[g.code for g in grids],
        due=now + dt.timedelta(hours=plan.due_hours),
        report_fields=plan.report_fields,
        incident=incident,
        now=now,
    )
    IncidentEvent.objects.create(
        incident=incident,
        at=now,
        kind="plan",
        step=incident.step,
        actor_name=str(actor),
        note=f"启动预案“{plan.name}”，任务下发 {len(grids)} 个网格",
    )
    return task
