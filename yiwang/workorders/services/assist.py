"""吹哨报到: cooperating departments summoned to an order, and their sub-tasks."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from yiwang.core.audit import acting_user
from yiwang.core.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
    check_version,
)
from yiwang.notifications import recipients as notify_to
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import (
    AssistTask,
    WorkOrder,
    WorkOrderPhoto,
)
from yiwang.workorders.services.common import (
    Action,
    _create_assist_tasks,
    _is_staff_of,
    _lock_order,
    _record,
    _require,
    _require_primary_staff,
    _require_state,
    _resolve_department,
    _save,
    _store_photos,
    _text,
    notify_order,
    validate_photos,
)


@transaction.atomic
def work_order_assist(*, actor, order, version, departments, note: str) -> WorkOrder:
    """吹哨: the primary department summons cooperating departments; each gets its own
    sub-task (AssistTask) to report in (报到) and complete."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "吹哨（请求协办）")
    check_version(order, version)
    _require_state(order, order.mark_assist, "吹哨（请求协办）")
    note = _text(note, field="note", label="协办事由", required=True)
    if not departments:
        raise ValidationFailed("请选择协办部门。", fields={"departments": ["必填"]})
    units = []
    for value in departments:
        unit = _resolve_department(value, field="departments")
        if unit.pk == order.primary_department_id:
            raise ValidationFailed(
                "协办部门不能是主办部门。", fields={"departments": ["不能是主办部门"]}
            )
        if unit.pk not in {u.pk for u in units}:
            units.append(unit)
    busy = set(
        order.assist_tasks.filter(status__in=AssistTask.ACTIVE, department__in=units).values_list(
            "department__name", flat=True
        )
    )
    if busy:
        raise Conflict(
            f"{'、'.join(sorted(busy))}已有未完成的协办任务。",
            code=Code.ASSIST_DUPLICATE,
            fields={"departments": sorted(busy)},
        )
    order.mark_assist()
    _save(order, [], now)
    tasks = _create_assist_tasks(
        order, units, source=AssistTask.Source.WHISTLE, actor=actor, note=note
    )
    _record(
        order,
        actor=actor,
        action=Action.ASSIST,
        from_state=order.status,
        note=note,
        data={"departments": [u.pk for u in units], "tasks": [t.pk for t in tasks]},
        at=now,
    )
    notify_order(  # 吹哨 → the summoned departments
        order,
        recipients=[u for unit in units for u in notify_to.department_staff(unit.pk)],
        kind="assist",
        title=f"吹哨报到：工单 {order.code} 请求协办",
        body=note[:200],
        actor=actor,
    )
    order.warnings = []
    return order


def _lock_task(actor, task) -> AssistTask:
    pk = getattr(task, "pk", task)
    qs = AssistTask.objects.select_for_update(of=("self",)).select_related("order", "department")
    if actor is not None:
        qs = qs.filter(order__in=WorkOrder.objects.visible_to(actor).values("pk"))
    try:
        return qs.get(pk=pk)
    except (AssistTask.DoesNotExist, ValueError, TypeError):
        raise NotFound("协办任务不存在或无权查看。")


def _task_conflict(task: AssistTask, what: str) -> Conflict:
    return Conflict(
        f"协办任务当前状态为“{task.get_status_display()}”，不能{what}。",
        code=Code.INVALID_STATE,
        fields={"status": [task.status]},
    )


@transaction.atomic
def assist_task_accept(*, actor, task, version, note: str = "") -> AssistTask:
    """报到: the cooperating department takes up its sub-task."""
    now = timezone.now()
    task = _lock_task(actor, task)
    _require(_is_staff_of(actor, task.department_id), "只有协办部门的工作人员可以报到。")
    check_version(task, version)
    if not can_proceed(task.mark_accepted):
        raise _task_conflict(task, "报到")
    if task.order.status not in WorkOrder.OPEN_STATES:
        raise _task_conflict(task, "报到（工单已办结）")
    note = _text(note, field="note", label="报到说明", required=False)
    task.mark_accepted()
    task.accepted_by, task.accepted_at, task.updated_at = acting_user(actor), now, now
    task.bump_version(fields=["status", "accepted_by", "accepted_at", "updated_at"])
    task._update_initial_state()
    _record(
        task.order,
        actor=actor,
        action=Action.ASSIST_ACCEPT,
        from_state=task.order.status,
        note=note or f"{task.department.name}报到",
        data={"task": task.pk, "department": task.department_id},
        at=now,
    )
    return task


@transaction.atomic
def assist_task_complete(*, actor, task, version, note: str, photos=()) -> AssistTask:
    """协办完成 with a note (and photos)."""
    now = timezone.now()
    task = _lock_task(actor, task)
    _require(_is_staff_of(actor, task.department_id), "只有协办部门的工作人员可以完成协办。")
    check_version(task, version)
    if not can_proceed(task.mark_done):
        raise _task_conflict(task, "完成")
    note = _text(note, field="note", label="协办结果", required=True)
    photos = validate_photos(photos)
    task.mark_done()
    task.completed_by, task.completed_at, task.result_note, task.updated_at = (
        acting_user(actor),
        now,
        note,
        now,
    )
    task.bump_version(
        fields=["status", "completed_by", "completed_at", "result_note", "updated_at"]
    )
    task._update_initial_state()
    event = _record(
        task.order,
        actor=actor,
        action=Action.ASSIST_COMPLETE,
        from_state=task.order.status,
        note=note,
        data={"task": task.pk, "department": task.department_id},
        at=now,
    )
    _store_photos(task.order, photos, kind=WorkOrderPhoto.Kind.EVIDENCE, actor=actor, event=event)
    return task
