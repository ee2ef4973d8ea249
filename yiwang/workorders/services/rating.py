"""评价 by the reporter (an unsatisfied rating reopens the order once)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import acting_user
from yiwang.core.errors import (
    Conflict,
    ValidationFailed,
    check_version,
)
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services.access import _require_rater
from yiwang.workorders.services.common import (
    REOPEN_FIELDS,
    Action,
    S,
    _clear_deadline,
    _lock_order,
    _record,
    _reopen_fields,
    _require_state,
    _save,
    _text,
)


@transaction.atomic
def work_order_rate(
    *, actor, order, version, satisfaction: str, comment: str = "", reopen: bool = True
) -> WorkOrder:
    """评价 by the reporter once the order is handled (completed or archived). An unsatisfied
    rating reopens the order once (to handling, or to triage when no department holds it);
    a later unsatisfied rating is only recorded. One rating per completion."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_rater(acting_user(actor), order)
    check_version(order, version)
    _require_state(order, order.mark_rated, "评价")
    if satisfaction not in WorkOrder.Satisfaction.values:
        raise ValidationFailed(
            "满意度无效。",
            fields={"satisfaction": ["可选：satisfied, basically_satisfied, unsatisfied"]},
        )
    comment = _text(comment, field="comment", label="评价意见", required=False, max_length=1000)
    if order.rated_at and order.completed_at and order.rated_at >= order.completed_at:
        raise Conflict("您已评价过本次办理结果。", code=Code.ALREADY_RATED)
    from_state = order.status
    target = from_state
    reopened = False
    if satisfaction == WorkOrder.Satisfaction.UNSATISFIED and reopen and not order.rating_reopened:
        target = S.HANDLING if order.primary_department_id else S.TRIAGE
        reopened = True
    order.satisfaction = satisfaction
    order.rating_comment = comment
    order.rated_at = now
    fields = ["satisfaction", "rating_comment", "rated_at"]
    if reopened:
        _reopen_fields(order)
        order.rating_reopened = True
        if target == S.TRIAGE:
            _clear_deadline(order)
            order.sla_level = ""
            order.triage_reason = "unsatisfied"
        fields += REOPEN_FIELDS
    order.mark_rated(target)
    _save(order, fields, now)
    _record(
        order,
        actor=actor,
        action=Action.RATE,
        from_state=from_state,
        note=comment,
        data={"satisfaction": satisfaction, "reopened": reopened},
        at=now,
    )
    order.warnings = ["评价为不满意，工单已重新办理。"] if reopened else []
    return order
