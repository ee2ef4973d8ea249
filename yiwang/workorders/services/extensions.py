"""延期: request and decision, and deadlines counted again once a year's holidays are entered."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import acting_user
from yiwang.core.errors import (
    Conflict,
    ValidationFailed,
    check_version,
)
from yiwang.core.workdays import (
    deadline_for,
    deadline_with_basis,
    is_provisional,
)
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import (
    ExtensionRequest,
    WorkOrder,
)
from yiwang.workorders.services.common import (
    Action,
    S,
    _lock_order,
    _parse_datetime,
    _record,
    _require_dispatcher,
    _require_primary_staff,
    _require_state,
    _resolve_limit,
    _save,
    _text,
    _yellow_at,
    compute_deadline,
)


@transaction.atomic
def work_order_extend_decide(
    *, actor, order, version, approve: bool, note: str = "", new_deadline=None
) -> WorkOrder:
    """延期审批: the dispatcher approves (new deadline: the requested one, or `new_deadline`)
    or refuses the pending extension request."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "审批延期")
    check_version(order, version)
    _require_state(order, order.mark_extend_decided, "审批延期")
    request = (
        order.extensions.select_for_update().filter(status=ExtensionRequest.Status.PENDING).first()
    )
    if request is None:
        raise Conflict("该工单没有待审批的延期申请。", code=Code.NO_PENDING_EXTENSION)
    if not isinstance(approve, bool):
        raise ValidationFailed("请选择同意或不同意。", fields={"approve": ["必须是 true 或 false"]})
    note = _text(note, field="note", label="审批意见", required=not approve)
    request.decided_by = acting_user(actor)
    request.decided_at = now
    request.decision_note = note
    order.mark_extend_decided()
    data = {"request": request.pk}
    if approve:
        deadline = (
            _parse_datetime(new_deadline, field="new_deadline")
            if new_deadline not in (None, "")
            else request.proposed_deadline
        )
        if order.deadline and deadline <= order.deadline:
            raise ValidationFailed(
                "新时限必须晚于原时限。", fields={"new_deadline": ["须晚于原时限"]}
            )
        request.status = ExtensionRequest.Status.APPROVED
        request.new_deadline = deadline
        order.deadline = deadline
        unit = order.rule.limit_unit if order.rule_id else request.unit
        order.yellow_at = _yellow_at(order.reported_at, deadline, unit)
        order.deadline_provisional = order.deadline_provisional or is_provisional(
            request.old_deadline or order.reported_at, deadline, request.unit
        )
        order.sla_level = order.sla_at(now) or ""
        order.extension_count += 1
        data.update(old_deadline=request.old_deadline, new_deadline=deadline)
        _save(
            order,
            ["deadline", "yellow_at", "deadline_provisional", "sla_level", "extension_count"],
            now,
        )
        action = Action.EXTEND_APPROVE
    else:
        request.status = ExtensionRequest.Status.REFUSED
        _save(order, [], now)
        action = Action.EXTEND_REFUSE
    request.save()
    _record(
        order,
        actor=actor,
        action=action,
        from_state=order.status,
        note=note or ("同意延期" if approve else "不同意延期"),
        data={k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in data.items()},
        at=now,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_extend_request(*, actor, order, version, value, unit: str, reason: str) -> WorkOrder:
    """延期申请 by the primary department, before the deadline; one pending request at a time."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "申请延期")
    check_version(order, version)
    _require_state(order, order.mark_extend_requested, "申请延期")
    reason = _text(reason, field="reason", label="延期理由", required=True)
    value, unit = _resolve_limit(value, unit, field="value")
    if order.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise Conflict("已有待审批的延期申请。", code=Code.EXTENSION_PENDING)
    if order.deadline is None:
        raise Conflict("该工单没有处置时限，无需延期。", code=Code.INVALID_STATE)
    if now > order.deadline:
        raise Conflict(
            "已超过处置时限，不能再申请延期（延期须在到期前申请）。", code=Code.DEADLINE_PASSED
        )
    proposed = deadline_for(order.deadline, value, unit)
    request = ExtensionRequest.objects.create(
        order=order,
        requested_by=acting_user(actor),
        requested_at=now,
        reason=reason,
        value=value,
        unit=unit,
        old_deadline=order.deadline,
        proposed_deadline=proposed,
    )
    order.mark_extend_requested()
    _save(order, [], now)
    _record(
        order,
        actor=actor,
        action=Action.EXTEND_REQUEST,
        from_state=order.status,
        note=reason,
        data={
            "request": request.pk,
            "value": value,
            "unit": unit,
            "proposed_deadline": proposed.isoformat(),
        },
        at=now,
    )
    order.warnings = []
    return order


def _official_deadline(order: WorkOrder) -> tuple[dt.datetime, dt.datetime, bool] | None:
    """The order's deadline counted again from its report time: the limit it was dispatched
    with, then each approved extension (a date the dispatcher typed stays as typed)."""
    value, unit = order.limit_value, order.limit_unit
    if value is None and order.rule_id:
        value, unit = order.rule.limit_for(order.priority), order.rule.limit_unit
    if value is None:
        return None
    deadline, _yellow, provisional = compute_deadline(order.reported_at, value, unit)
    approved = order.extensions.filter(status=ExtensionRequest.Status.APPROVED)
    for ext in approved.order_by("decided_at", "pk"):
        if ext.new_deadline and ext.new_deadline != ext.proposed_deadline:
            deadline = ext.new_deadline
            continue
        deadline, extended_provisional = deadline_with_basis(deadline, ext.value, ext.unit)
        provisional |= extended_provisional
    return deadline, _yellow_at(order.reported_at, deadline, unit), provisional


@transaction.atomic
def work_order_deadlines_recompute(*, actor=None, years=()) -> int:
    """重算预估时限: once a year's official holidays are entered, every open order whose deadline
    was provisional is counted again on the official calendar. Returns how many changed."""
    now = timezone.now()
    orders = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("rule")
        .filter(deadline_provisional=True, status__in=[S.DISPATCHED, S.HANDLING])
    )
    changed = 0
    for order in orders:
        counted = _official_deadline(order)
        if counted is None:
            continue
        old = order.deadline
        order.deadline, order.yellow_at, order.deadline_provisional = counted
        order.sla_level = order.sla_at(now) or order.sla_level
        _save(order, ["deadline", "yellow_at", "deadline_provisional", "sla_level"], now)
        _record(
            order,
            actor=actor or "系统",
            action=Action.DEADLINE_RECOMPUTE,
            from_state=order.status,
            note=f"{'、'.join(str(y) for y in years)}年放假安排已录入，时限按正式安排重算",
            data={
                "old_deadline": old.isoformat() if old else None,
                "new_deadline": order.deadline.isoformat(),
                "provisional": order.deadline_provisional,
            },
            at=now,
        )
        changed += 1
    return changed
