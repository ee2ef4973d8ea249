"""Intake (上报): `work_order_create` — validate, locate, classify, number and route."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.core.audit import acting_user, audit_record, snapshot
from yiwang.core.errors import (
    Conflict,
    Forbidden,
    ValidationFailed,
)
from yiwang.core.statements import insert_row, insert_rows
from yiwang.core.validators import check_phone
from yiwang.core.workdays import CalendarUndefined
from yiwang.notifications import recipients as notify_to
from yiwang.notifications.services import notify
from yiwang.workorders import intake
from yiwang.workorders.codes import next_order_code
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.hooks import channel_refusal
from yiwang.workorders.models import (
    DESCRIPTION_MAX,
    AssistTask,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)
from yiwang.workorders.services.common import (
    AUDIT_FIELDS,
    REPORTED_AT_SKEW,
    STAFF_ROLES,
    Action,
    S,
    _actor_name,
    _apply_dispatch,
    _clear_deadline,
    _create_assist_tasks,
    _parse_coordinate,
    _parse_datetime,
    _resolve_category,
    _store_photos,
    _text,
    find_rule,
    logger,
    validate_photos,
)

_UNSET = object()


def _allowed_channels(actor) -> set[str]:
    everything = set(WorkOrder.Channel.values)
    if actor is None:
        return everything
    user = acting_user(actor)
    if user is None:
        return {WorkOrder.Channel.RESIDENT}
    if user.is_superuser:
        return everything
    roles = user.roles()
    if roles & {Role.DISPATCHER, Role.ADMIN, Role.WINDOW_CLERK, Role.LEADER}:
        return everything
    # 企业诉求: who speaks for a firm is the economy app's to say (its channel guard, hooks.py).
    allowed = {WorkOrder.Channel.RESIDENT, WorkOrder.Channel.ENTERPRISE}
    if roles & {Role.GRID_WORKER, Role.PARTY_SPECIALIST}:
        allowed |= {WorkOrder.Channel.GRID_WORKER, WorkOrder.Channel.PATROL}
    if roles & STAFF_ROLES:
        allowed |= {WorkOrder.Channel.PATROL, WorkOrder.Channel.STAFF}
    return allowed


def _check_channel_guard(actor, channel: str) -> None:
    """The channel's owner may refuse the user (hooks.py); the system is never asked."""
    if actor is None:
        return
    refusal = channel_refusal(channel, acting_user(actor))
    if refusal:
        raise Forbidden(refusal, code=Code.CHANNEL_FORBIDDEN, fields={"channel": [refusal]})


def _default_channel(actor) -> str:
    if actor is None:
        return WorkOrder.Channel.STAFF
    user = acting_user(actor)
    if user is None:
        return WorkOrder.Channel.RESIDENT
    roles = user.roles()
    if roles & {Role.GRID_WORKER, Role.PARTY_SPECIALIST}:
        return WorkOrder.Channel.GRID_WORKER
    if user.is_superuser or roles - {Role.RESIDENT}:
        return WorkOrder.Channel.STAFF
    return WorkOrder.Channel.RESIDENT


def _may_backdate(actor, channel: str) -> bool:
    """`reported_at` is accepted for channels that bring history (12345, staff entry) and for
    the system and administrators."""
    if channel in (WorkOrder.Channel.HOTLINE, WorkOrder.Channel.STAFF):
        return channel in _allowed_channels(actor)
    user = acting_user(actor)
    return actor is None or (user is not None and (user.is_superuser or user.has_role(Role.ADMIN)))


def _default_region_code() -> str:
    """Where an order that fell in no region belongs: the street, when there is only one."""
    from yiwang.grids.models import Region

    streets = list(
        Region.objects.filter(level=Region.Level.STREET, is_active=True).values_list(
            "code", flat=True
        )[:2]
    )
    return streets[0] if len(streets) == 1 else ""


def work_order_create(
    *,
    actor,
    description: str,
    lon=None,
    lat=None,
    address: str = "",
    category=None,
    channel: str | None = None,
    priority: str | None = None,
    reported_at=None,
    photos=(),
    reporter=_UNSET,
    reporter_name: str = "",
    reporter_phone: str = "",
    external_id: str = "",
    idempotency_key: str = "",
    category_source: str | None = None,
    location_required: bool = True,
) -> WorkOrder:
    """Intake (上报): validate, locate the grid, classify, number, route — one transaction.

    - `actor`: the user reporting (resident, grid worker, staff) or None for the system
      (imports, integrations); `reporter` defaults to the actor (None = anonymous, with optional
      `reporter_name` / `reporter_phone`, stored encrypted).
    - `lon`/`lat` (WGS-84) and/or `address` are required (imports of calls that gave no
      place pass `location_required=False`: the order waits in triage).
    - `category`: a small-class code or a Category (optional: the triage classifier may
      supply it, see intake.py).
    - `reported_at` only for history-bearing channels (hotline_12345, staff) and the system:
      the deadline counts from it.
    - `idempotency_key`: a retry with the same (reporter, channel, key) returns the first order
      with `order.replayed = True` and writes nothing.
    - Routing: a point inside a grid + a category with a current rule → `dispatched` (deadline
      from the rule, cooperating sub-tasks from the rule); otherwise → `triage` with
      `triage_reason` (no_category, no_grid, no_rule, calendar_undefined).

    Returns the order with `replayed` (bool) and `warnings` (list of str) attributes.
    """
    now = timezone.now()
    channel = channel or _default_channel(actor)
    if channel not in WorkOrder.Channel.values:
        raise ValidationFailed(f"未知的渠道：{channel}。", fields={"channel": ["渠道无效"]})
    if channel not in _allowed_channels(actor):
        raise Forbidden(f"您不能以“{WorkOrder.Channel(channel).label}”渠道上报。")
    _check_channel_guard(actor, channel)
    reporter_user = acting_user(actor) if reporter is _UNSET else acting_user(reporter)

    key = _text(
        idempotency_key, field="idempotency_key", label="幂等键", required=False, max_length=200
    )
    composite_key = (
        f"{reporter_user.pk if reporter_user else 'anon'}:{channel}:{key}" if key else ""
    )
    if composite_key:
        existing = WorkOrder.objects.filter(idempotency_key=composite_key).first()
        if existing is not None:
            existing.replayed, existing.warnings = True, []
            return existing

    description = _text(
        description,
        field="description",
        label="问题描述",
        required=True,
        max_length=DESCRIPTION_MAX,
    )
    address = _text(address, field="address", label="地址", required=False, max_length=256)
    lon = _parse_coordinate(lon, field="lon", label="经度", low=-180, high=180)
    lat = _parse_coordinate(lat, field="lat", label="纬度", low=-90, high=90)
    if (lon is None) != (lat is None):
        missing = "lat" if lat is None else "lon"
        raise ValidationFailed("经度和纬度须同时提供。", fields={missing: ["必填"]})
    if lon is None and not address and location_required:
        raise ValidationFailed(
            "请提供问题位置：经纬度或地址。", fields={"lon": ["必填"], "lat": ["必填"]}
        )
    category_obj = _resolve_category(category)
    priority = priority or WorkOrder.Priority.NORMAL
    if priority not in WorkOrder.Priority.values:
        raise ValidationFailed("紧急程度无效。", fields={"priority": ["可选：normal, urgent"]})
    if reported_at not in (None, ""):
        if not _may_backdate(actor, channel):
            raise ValidationFailed(
                "只有12345热线等历史导入渠道可以指定上报时间。",
                fields={"reported_at": ["该渠道不能指定上报时间"]},
            )
        reported = _parse_datetime(reported_at, field="reported_at")
        if reported > now + REPORTED_AT_SKEW:
            raise ValidationFailed(
                "上报时间不能晚于当前时间。", fields={"reported_at": ["不能是将来的时间"]}
            )
    else:
        reported = now
    reporter_name = _text(
        reporter_name, field="reporter_name", label="姓名", required=False, max_length=50
    )
    reporter_phone = _text(
        reporter_phone, field="reporter_phone", label="电话", required=False, max_length=20
    )
    if reporter_phone:
        problem = check_phone(reporter_phone)
        if problem:
            raise ValidationFailed(problem, fields={"reporter_phone": [problem]})
    external_id = _text(
        external_id, field="external_id", label="外部编号", required=False, max_length=100
    )
    photos = validate_photos(photos)

    # Where and what (outside the transaction: read-only work).
    located = None
    if lon is not None:
        from yiwang.workorders.locating import locate_point

        located = locate_point(lon, lat)
    outside = lon is not None and bool(outside_street_message(located))
    if outside and not _keeps_outside_point(channel, reported_at):
        refuse_outside_street(located)
    grid = located.grid if located else None
    region_code = located.region_code if located else ""
    if not region_code:
        region_code = _default_region_code()
    suggestion = None
    if category_obj is not None:
        source = category_source or (
            WorkOrder.CategorySource.IMPORT if actor is None else WorkOrder.CategorySource.REPORTER
        )
    else:
        suggestion = intake.suggest_category(description)
        category_obj = suggestion.category
        source = WorkOrder.CategorySource.AUTO if category_obj else ""
    duplicates = intake.find_duplicates(
        description=description, lon=lon, lat=lat, reported_at=reported
    )

    try:
        with transaction.atomic():
            order = _create(
                actor=actor,
                now=now,
                reported=reported,
                channel=channel,
                reporter_user=reporter_user,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                description=description,
                address=address,
                lon=lon,
                lat=lat,
                grid=grid,
                region_code=region_code,
                category=category_obj,
                category_source=source,
                suggestion=suggestion,
                priority=priority,
                external_id=external_id,
                composite_key=composite_key,
                photos=photos,
                outside=outside,
            )
            intake.flag_duplicates(order, duplicates)
    except IntegrityError:
        if composite_key:
            existing = WorkOrder.objects.filter(idempotency_key=composite_key).first()
            if existing is not None:
                existing.replayed, existing.warnings = True, []
                return existing
        if (
            external_id
            and WorkOrder.objects.filter(channel=channel, external_id=external_id).exists()
        ):
            raise Conflict(
                f"外部编号 {external_id} 已导入。",
                code=Code.DUPLICATE_EXTERNAL_ID,
                fields={"external_id": ["已存在"]},
            )
        raise
    order.replayed = False
    return order


@dataclass(frozen=True)
class IntakeRows:
    """What intake wrote beside the order row, as written (the caller may answer from it
    without reading the order back: `selectors.work_order_as_created`)."""

    events: list
    photos: list
    tasks: list


def _create(
    *,
    actor,
    now,
    reported,
    channel,
    reporter_user,
    reporter_name,
    reporter_phone,
    description,
    address,
    lon,
    lat,
    grid,
    region_code,
    category,
    category_source,
    suggestion,
    priority,
    external_id,
    composite_key,
    photos,
    outside=False,
) -> WorkOrder:
    if external_id and WorkOrder.objects.filter(channel=channel, external_id=external_id).exists():
        raise Conflict(
            f"外部编号 {external_id} 已导入。",
            code=Code.DUPLICATE_EXTERNAL_ID,
            fields={"external_id": ["已存在"]},
        )
    order = WorkOrder(
        code=next_order_code(timezone.localdate(reported)),
        channel=channel,
        reporter=reporter_user,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        description=description,
        address=address,
        lon=lon,
        lat=lat,
        grid=grid,
        region_code=region_code,
        category=category,
        category_source=category_source,
        category_confidence=suggestion.probability if suggestion else None,
        priority=priority,
        external_id=external_id,
        idempotency_key=composite_key,
        reported_at=reported,
    )
    order.warnings = []

    # Routing decided before the insert, so the row is written once.
    rule, reason = None, ""
    if outside:
        reason = "outside_street"
    elif category is None:
        reason = "no_category"
    elif grid is None:
        reason = "no_grid"
    else:
        rule = find_rule(category, region_code)
        if rule is None:
            reason = "no_rule"
    if rule is not None:
        try:
            _apply_dispatch(
                order,
                rule=rule,
                department=rule.primary_department,
                limit=(rule.limit_for(priority), rule.limit_unit),
                now=now,
            )
        except CalendarUndefined as exc:
            logger.error("intake: %s; order goes to triage", exc.message)
            order.primary_department = order.rule = order.dispatched_at = None
            _clear_deadline(order)
            order.sla_level = ""
            rule, reason = None, "calendar_undefined"
    if rule is not None:
        order.mark_dispatched()
    else:
        order.mark_triage()
        order.triage_reason = reason
    insert_row(order)

    report_data = {"channel": channel, "region_code": region_code}
    if suggestion is not None and suggestion.candidates:
        report_data["suggestions"] = suggestion.candidates
    if suggestion is not None and suggestion.error:
        report_data["classifier_error"] = suggestion.error
    name = _actor_name(actor)
    report_event = WorkOrderEvent(
        order=order,
        at=reported if reported < now else now,
        actor=acting_user(actor),
        actor_name=name,
        action=Action.REPORT,
        from_state="",
        to_state=S.SUBMITTED,
        note=description[:200],
        data=report_data,
    )
    tasks = []
    if rule is not None:
        cooperating = list(rule.cooperating_departments.all())
        tasks = _create_assist_tasks(
            order, cooperating, source=AssistTask.Source.RULE, actor=None, note="权责清单协办"
        )
        route_event = WorkOrderEvent(
            order=order,
            at=now,
            actor_name="系统",
            action=Action.DISPATCH,
            from_state=S.SUBMITTED,
            to_state=order.status,
            note=f"按权责清单自动派遣至{rule.primary_department.name}",
            data={
                "auto": True,
                "rule": rule.pk,
                "rule_version": rule.version,
                "department": rule.primary_department_id,
                "deadline": order.deadline.isoformat(),
                "assist_departments": [t.department_id for t in tasks],
            },
        )
    else:
        route_event = WorkOrderEvent(
            order=order,
            at=now,
            actor_name="系统",
            action=Action.TRIAGE,
            from_state=S.SUBMITTED,
            to_state=order.status,
            note=TRIAGE_REASONS.get(reason, reason),
            data={"reason": reason},
        )
    insert_rows([report_event, route_event])
    stored = []
    if photos:
        stored = _store_photos(
            order, photos, kind=WorkOrderPhoto.Kind.REPORT, actor=actor, event=report_event
        )
    order.intake_rows = IntakeRows(events=[report_event, route_event], photos=stored, tasks=tasks)
    # Intake is one use case: one audit row, whose `after` already shows the routing.
    audit_record(
        actor=actor,
        action="workorder.report",
        target=order,
        before=None,
        after=snapshot(order, AUDIT_FIELDS),
        note=f"{WorkOrder.Channel(channel).label}上报，{route_event.get_action_display()}",
    )
    if order.status == S.DISPATCHED:  # 自动派遣 → the department's staff
        notify(
            recipients=notify_to.department_staff(order.primary_department_id),
            kind="dispatch",
            title=f"新派工单 {order.code}，请签收",
            body=order.description[:100],
            link=f"/wo/{order.pk}/",
            sms_text=True,
        )
    return order


TRIAGE_REASONS = {
    "no_category": "未选择分类且智能分拣无把握，转人工分拣",
    "no_grid": "位置不在任何网格内（或只有地址），转人工分拣",
    "no_rule": "权责清单中没有该分类在此区域的规则，转人工分拣",
    "calendar_undefined": "节假日安排未录入，无法计算时限，转人工分拣",
    "returned": "部门退回",
    "outside_street": "位置不在本街道范围内（12345 历史来电照常导入），请核实位置或退回 12345",
}


def _keeps_outside_point(channel: str, reported_at) -> bool:
    """Whether a point outside the street is kept (flagged for manual triage) instead of refused.

    Every interactive channel is refused at once (居民、网格员、巡查、工作人员、企业诉求, the API
    and Open311, and a 12345 call the desk registers live): the person is there to correct the
    point or be told to call 12345, and nothing is filed. Only a *past* 12345 call — channel
    hotline_12345 with the call's own `reported_at`, as the .xlsx import files them — is kept:
    the call happened and was handed to the street, so dropping the row would lose a citizen's
    request and break the import's one-row-one-order count. It waits in triage with the reason
    `outside_street`, for the dispatcher to check the point or hand it back to 12345."""
    return channel == WorkOrder.Channel.HOTLINE and reported_at not in (None, "")


def outside_street_message(located) -> str:
    """The Chinese refusal for a point outside every street of the platform, or "" when it is
    inside one (or no street outline is stored, so the platform cannot tell)."""
    if located is not None and located.region is not None:
        return ""
    from yiwang.grids.models import Region

    streets = list(
        Region.objects.filter(level=Region.Level.STREET, is_active=True)
        .exclude(geojson="")
        .values_list("name", flat=True)[:3]
    )
    if not streets:
        return ""
    where = streets[0] if len(streets) == 1 else "本平台所辖街道"
    return (
        f"该位置不在{where}范围内，本平台只受理{where}的问题。请在地图上重新点选问题位置"
        "（可点“定位到我”），其他地区的问题请拨打 12345 热线。"
    )


def refuse_outside_street(located) -> None:
    """Refuse a point outside every street (400, code `outside_street`), the same answer for
    every interactive channel (see `_keeps_outside_point`)."""
    message = outside_street_message(located)
    if message:
        raise ValidationFailed(
            message, code=Code.OUTSIDE_STREET, fields={"lon": [message], "lat": [message]}
        )
