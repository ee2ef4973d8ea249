"""The command centre's actions: 派遣, 返工, 督办, 合并."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.core.audit import acting_user
from yiwang.core.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
    check_version,
)
from yiwang.core.workdays import TimeUnit
from yiwang.notifications import recipients as notify_to
from yiwang.workorders import intake
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import (
    AssistTask,
    WorkOrder,
    WorkOrderEvent,
)
from yiwang.workorders.services.common import (
    DISPATCH_FIELDS,
    REOPEN_FIELDS,
    Action,
    S,
    _actor_name,
    _apply_dispatch,
    _cancel_assist_tasks,
    _create_assist_tasks,
    _is_dispatcher,
    _lock_order,
    _record,
    _reopen_fields,
    _require,
    _require_dispatcher,
    _require_state,
    _resolve_category,
    _resolve_department,
    _resolve_limit,
    _save,
    _set_deadline,
    _text,
    find_rule,
    notify_order,
)


@transaction.atomic
def work_order_dispatch(
    *,
    actor,
    order,
    version,
    category=None,
    department=None,
    grid=None,
    priority: str | None = None,
    limit_value=None,
    limit_unit: str | None = None,
    note: str = "",
) -> WorkOrder:
    """派遣 by the dispatcher (from triage, or re-dispatch before acceptance).

    The category (or the order's own) and the order's region select the current rule; the
    department defaults to the rule's primary department and may be overridden; without a rule,
    `department`, `limit_value` and `limit_unit` are required. The deadline counts from
    `reported_at` on the official calendar; the rule's cooperating departments get sub-tasks.
    """
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "派遣工单")
    check_version(order, version)
    _require_state(order, order.mark_dispatched, "派遣")
    note = _text(note, field="note", label="派遣说明", required=False)
    cat = _resolve_category(category) if category not in (None, "") else order.category
    if cat is None:
        raise ValidationFailed("请先选择事项分类。", fields={"category": ["必填"]})
    if cat.pk != order.category_id:
        order.category = cat
        order.category_source = WorkOrder.CategorySource.DISPATCHER
        intake.category_corrected(actor=actor, order=order, category=cat)
    if grid not in (None, ""):
        from yiwang.grids.models import Region

        region = (
            grid
            if isinstance(grid, Region)
            else Region.objects.filter(level=Region.Level.GRID, code=str(grid).strip()).first()
        )
        if region is None:
            raise ValidationFailed(f"未知的网格：{grid}。", fields={"grid": ["网格不存在"]})
        order.grid, order.region_code = region, region.code
    if priority not in (None, ""):
        if priority not in WorkOrder.Priority.values:
            raise ValidationFailed("紧急程度无效。", fields={"priority": ["可选：normal, urgent"]})
        order.priority = priority
    rule = find_rule(cat, order.region_code)
    dept = _resolve_department(department) if department not in (None, "") else None
    if dept is None:
        if rule is None:
            raise ValidationFailed(
                "权责清单中没有该分类的规则，请指定主办部门和处置时限。",
                code=Code.NO_RULE,
                fields={"department": ["必填"], "limit_value": ["必填"]},
            )
        dept = rule.primary_department
    if limit_value not in (None, ""):
        limit = _resolve_limit(limit_value, limit_unit or TimeUnit.WORK_DAYS)
    elif rule is not None:
        limit = (rule.limit_for(order.priority), rule.limit_unit)
    else:
        raise ValidationFailed(
            "权责清单中没有该分类的规则，请指定处置时限。",
            code=Code.NO_RULE,
            fields={"limit_value": ["必填"]},
        )
    from_state = order.status
    if from_state == S.DISPATCHED:
        _cancel_assist_tasks(order, now=now, reason="重新派遣")
    _apply_dispatch(order, rule=rule, department=dept, limit=limit, now=now)
    order.mark_dispatched()
    _save(order, DISPATCH_FIELDS, now)
    tasks = []
    if rule is not None:
        tasks = _create_assist_tasks(
            order,
            rule.cooperating_departments.all(),
            source=AssistTask.Source.RULE,
            actor=actor,
            note="权责清单协办",
        )
    _record(
        order,
        actor=actor,
        action=Action.DISPATCH,
        from_state=from_state,
        note=note or f"派遣至{dept.name}",
        data={
            "auto": False,
            "rule": rule.pk if rule else None,
            "rule_version": rule.version if rule else None,
            "department": dept.pk,
            "limit": list(limit),
            "deadline": order.deadline.isoformat(),
            "assist_departments": [t.department_id for t in tasks],
        },
        at=now,
    )
    notify_order(  # 派遣 → the staff of the primary and the cooperating departments
        order,
        recipients=[
            u
            for unit_id in [dept.pk, *(t.department_id for t in tasks)]
            for u in notify_to.department_staff(unit_id)
        ],
        kind="dispatch",
        title=f"新派工单 {order.code}，请签收",
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_reopen(*, actor, order, version, reason: str, department=None) -> WorkOrder:
    """返工: completed or archived back to handling, with a reason. An order that no
    department holds (resolved on the spot from triage) needs `department`."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "返工")
    check_version(order, version)
    _require_state(order, order.mark_reopened, "返工")
    reason = _text(reason, field="reason", label="返工原因", required=True)
    from_state = order.status
    if department not in (None, ""):
        order.primary_department = _resolve_department(department)
    if order.primary_department_id is None:
        raise ValidationFailed(
            "该工单没有主办部门，返工时请指定主办部门。", fields={"department": ["必填"]}
        )
    if order.deadline is None:
        rule = find_rule(order.category, order.region_code)
        if rule is not None:
            _set_deadline(order, rule.limit_for(order.priority), rule.limit_unit)
    _reopen_fields(order)
    order.mark_reopened(S.HANDLING)
    _save(order, REOPEN_FIELDS, now)
    _record(
        order,
        actor=actor,
        action=Action.REOPEN,
        from_state=from_state,
        note=reason,
        data={"department": order.primary_department_id, "reopen_count": order.reopen_count},
        at=now,
    )
    notify_order(  # 返工 → the handler (or, without one, the department's staff)
        order,
        recipients=[order.handler]
        if order.handler_id
        else notify_to.department_staff(order.primary_department_id),
        kind="reopen",
        title=f"工单 {order.code} 返工：{reason[:40]}",
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_supervise(*, actor, order, version, note: str) -> WorkOrder:
    """督办: a note and the supervised flag on an open order (dispatcher or street leader)."""
    now = timezone.now()
    order = _lock_order(actor, order)
    user = acting_user(actor)
    _require(
        _is_dispatcher(actor) or (user is not None and user.has_role(Role.LEADER)),
        "只有指挥中心坐席或街道领导可以督办。",
    )
    check_version(order, version)
    _require_state(order, order.mark_supervised, "督办")
    note = _text(note, field="note", label="督办意见", required=True)
    order.mark_supervised()
    order.supervised = True
    order.supervised_at = now
    order.supervise_count += 1
    _save(order, ["supervised", "supervised_at", "supervise_count"], now)
    _record(
        order,
        actor=actor,
        action=Action.SUPERVISE,
        from_state=order.status,
        note=note,
        data={"supervise_count": order.supervise_count},
        at=now,
    )
    notify_order(  # 督办 → the department head
        order,
        recipients=notify_to.department_heads(order.primary_department_id),
        kind="supervise",
        title=f"督办：工单 {order.code}",
        body=note[:200],
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_merge(*, actor, order, version, into, note: str = "") -> WorkOrder:
    """合并: an open duplicate joins another open order (the master). The duplicate's reporter
    (and followers) follow the master: they see it and its progress."""
    now = timezone.now()
    into_pk = getattr(into, "pk", into)
    order_pk = getattr(order, "pk", order)
    if str(into_pk) == str(order_pk):
        raise ValidationFailed("不能合并到自身。", fields={"into": ["不能是同一工单"]})
    # Lock both rows in primary-key order so two opposite merges cannot deadlock.
    locked = {}
    for pk in sorted([order_pk, into_pk], key=lambda v: int(v) if str(v).isdigit() else 0):
        try:
            locked[pk] = _lock_order(actor, pk)
        except NotFound:
            if pk == into_pk:
                raise ValidationFailed("要并入的工单不存在。", fields={"into": ["工单不存在"]})
            raise
    order, master = locked[order_pk], locked[into_pk]
    _require_dispatcher(actor, "合并工单")
    check_version(order, version)
    _require_state(order, order.mark_merged, "合并")
    if master.status not in WorkOrder.OPEN_STATES:
        raise Conflict(
            f"要并入的工单 {master.code} 已“{master.get_status_display()}”，只能并入未办结的工单。",
            code=Code.INVALID_STATE,
            fields={"into": [master.status]},
        )
    note = _text(note, field="note", label="合并说明", required=False)
    from_state = order.status
    _cancel_assist_tasks(order, now=now, reason="工单已合并")
    followers = set(order.followers.values_list("pk", flat=True))
    if order.reporter_id:
        followers.add(order.reporter_id)
    followers.discard(master.reporter_id)
    if followers:
        master.followers.add(*followers)
    order.mark_merged()
    order.merged_into = master
    _save(order, ["merged_into"], now)
    intake.duplicates_merged(actor=actor, order=order, into=master)
    _record(
        order,
        actor=actor,
        action=Action.MERGE,
        from_state=from_state,
        note=note or f"与 {master.code} 重复，已合并",
        data={"into": master.pk, "into_code": master.code},
        at=now,
    )
    WorkOrderEvent.objects.create(
        order=master,
        at=now,
        actor=acting_user(actor),
        actor_name=_actor_name(actor),
        action=Action.MERGED_IN,
        from_state=master.status,
        to_state=master.status,
        note=f"重复工单 {order.code} 并入",
        data={"merged": order.pk, "merged_code": order.code, "followers": sorted(followers)},
    )
    order.warnings = []
    return order
