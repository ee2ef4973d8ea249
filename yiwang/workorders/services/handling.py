"""The department's and reporter's actions on an open order: 签收, 退回, 撤销."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import acting_user
from yiwang.core.errors import check_version
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services.common import (
    DEADLINE_FIELDS,
    Action,
    S,
    _cancel_assist_tasks,
    _clear_deadline,
    _is_dispatcher,
    _lock_order,
    _record,
    _require,
    _require_primary_staff,
    _require_state,
    _save,
    _text,
)


@transaction.atomic
def work_order_accept(*, actor, order, version, note: str = "") -> WorkOrder:
    """签收 by a staff member of the primary department: dispatched → handling. Two people
    accepting at once: one wins, the other gets 409 (row lock + version compare-and-set)."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "签收")
    check_version(order, version)
    _require_state(order, order.mark_accepted, "签收")
    note = _text(note, field="note", label="签收说明", required=False)
    order.mark_accepted()
    order.accepted_at = now
    order.handler = acting_user(actor)
    _save(order, ["accepted_at", "handler"], now)
    _record(order, actor=actor, action=Action.ACCEPT, from_state=S.DISPATCHED, note=note, at=now)
    order.warnings = []
    return order


@transaction.atomic
def work_order_return(*, actor, order, version, reason: str) -> WorkOrder:
    """退回 with a reason (not this department's matter): back to triage for the dispatcher.
    The department's clock stops: deadline and department are cleared, sub-tasks closed."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "退回")
    check_version(order, version)
    _require_state(order, order.mark_returned, "退回")
    reason = _text(reason, field="reason", label="退回原因", required=True)
    from_state = order.status
    department = order.primary_department_id
    _cancel_assist_tasks(order, now=now, reason="主办部门退回")
    order.mark_returned()
    order.primary_department = None
    order.rule = None
    order.handler = None
    _clear_deadline(order)
    order.sla_level = ""
    order.triage_reason = "returned"
    order.return_count += 1
    _save(
        order,
        ["primary_department", "rule", "handler", *DEADLINE_FIELDS, "sla_level",
         "triage_reason", "return_count"],
        now,
    )  # fmt: skip
    _record(
        order,
        actor=actor,
        action=Action.RETURN,
        from_state=from_state,
        note=reason,
        data={"department": department},
        at=now,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_cancel(*, actor, order, version, reason: str = "") -> WorkOrder:
    """撤销 before dispatch, by the reporter or a dispatcher."""
    now = timezone.now()
    order = _lock_order(actor, order)
    user = acting_user(actor)
    _require(
        _is_dispatcher(actor) or (user is not None and order.reporter_id == user.pk),
        "只有上报人或指挥中心坐席可以撤销工单。",
    )
    check_version(order, version)
    _require_state(order, order.mark_cancelled, "撤销（已派遣的工单不能撤销）")
    reason = _text(reason, field="reason", label="撤销原因", required=False)
    from_state = order.status
    order.mark_cancelled()
    _save(order, [], now)
    _record(order, actor=actor, action=Action.CANCEL, from_state=from_state, note=reason, at=now)
    order.warnings = []
    return order
