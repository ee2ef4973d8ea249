"""The SLA sweep (run by `yiwang sla-sweep`): green → yellow → red, each order on its own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yiwang.notifications import recipients as notify_to
from yiwang.notifications.services import notify
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services.common import Action, _record


def _sweep_mark(pk: int, status: str, old: str, new: str, now: dt.datetime) -> bool:
    """Move one order to a new colour only if it is still in the state we read (compare-and-set,
    healthchecks' sendalerts style); record the event. False when someone else moved it."""
    red = new == WorkOrder.Sla.RED
    updates = {"sla_level": new, "updated_at": now}
    if red:
        updates.update(supervised=True, supervised_at=now, supervise_count=F("supervise_count") + 1)
    with transaction.atomic():
        moved = WorkOrder.objects.filter(pk=pk, status=status, sla_level=old).update(**updates)
        if not moved:
            return False
        order = WorkOrder.objects.get(pk=pk)
        deadline = f"{timezone.localtime(order.deadline):%Y-%m-%d %H:%M}"
        _record(
            order,
            actor=None,
            action=Action.SLA_OVERDUE if red else Action.SLA_WARNING,
            from_state=status,
            note=(
                f"已超过处置时限（{deadline}），系统督办"
                if red
                else f"已用时限的 80%，请在 {deadline} 前办结"
            ),
            data={"from": old, "to": new, "deadline": order.deadline.isoformat()},
            at=now,
        )
        if red:  # 超期 → the department head
            notify(
                recipients=notify_to.department_heads(order.primary_department_id),
                kind="overdue",
                title=f"工单 {order.code} 已超期，系统督办",
                body=f"处置时限 {deadline}。{order.description[:80]}",
                link=f"/wo/{order.pk}/",
                sms_text=True,
            )
    return True


def work_order_sla_sweep(*, now: dt.datetime | None = None) -> dict:
    """Mark the orders whose SLA colour got worse since the last sweep (green → yellow → red)
    and record a warning (预警) or a supervision (超期督办) event for each. Idempotent: the
    colour is stored on the order, so a second run finds nothing to do. Each order moves in
    its own short transaction, guarded by `UPDATE … WHERE status = old AND sla_level = old`."""
    now = now or timezone.now()
    counts = {"red": 0, "yellow": 0, "skipped": 0}
    clock = list(WorkOrder.CLOCK_STATES)
    red = (
        WorkOrder.objects.filter(status__in=clock, deadline__lt=now)
        .exclude(sla_level=WorkOrder.Sla.RED)
        .values_list("pk", "status", "sla_level")
    )
    for pk, status, old in list(red):
        counts["red" if _sweep_mark(pk, status, old, WorkOrder.Sla.RED, now) else "skipped"] += 1
    yellow = WorkOrder.objects.filter(
        status__in=clock,
        yellow_at__lte=now,
        deadline__gte=now,
        sla_level__in=["", WorkOrder.Sla.GREEN],
    ).values_list("pk", "status", "sla_level")
    for pk, status, old in list(yellow):
        ok = _sweep_mark(pk, status, old, WorkOrder.Sla.YELLOW, now)
        counts["yellow" if ok else "skipped"] += 1
    return counts
