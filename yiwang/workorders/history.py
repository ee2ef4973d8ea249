"""历史工单导入: load orders that were handled and archived elsewhere (another system, a
spreadsheet, the demo's history) in one go, for the KPIs, hotspots and the triage classifier's
training data. One transaction and ONE audit row for the batch, instead of the per-order
service path (which would write a timeline of six steps for each order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import ValidationFailed
from yiwang.core.workdays import CalendarUndefined, workdays_between
from yiwang.workorders.codes import allot_order_codes
from yiwang.workorders.models import (
    DESCRIPTION_MAX,
    Category,
    WorkOrder,
    WorkOrderEvent,
)

S = WorkOrder.Status


@dataclass(frozen=True)
class HistoryRecord:
    """One archived order: what was reported, where, when, and when it was closed."""

    description: str
    category: str  # small-class code
    reported_at: dt.datetime
    archived_at: dt.datetime
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    channel: str = WorkOrder.Channel.GRID_WORKER
    external_id: str = ""


def _check(i: int, r: HistoryRecord, categories: dict, now: dt.datetime) -> None:
    row = f"第 {i + 1} 条"
    if not (r.description or "").strip() or len(r.description) > DESCRIPTION_MAX:
        raise ValidationFailed(f"{row}：问题描述为空或超过 {DESCRIPTION_MAX} 字。")
    if r.category not in categories:
        raise ValidationFailed(f"{row}：未知或已停用的事项小类 {r.category}。")
    if not r.reported_at <= r.archived_at <= now:
        raise ValidationFailed(f"{row}：须满足 上报时间 ≤ 结案时间 ≤ 当前时间。")
    if r.channel not in WorkOrder.Channel.values:
        raise ValidationFailed(f"{row}：未知的渠道 {r.channel}。")


@transaction.atomic
def work_order_history_import(*, actor, records: list[HistoryRecord], note: str = "") -> int:
    """Create archived orders from `records` (all or none; ValidationFailed names the first
    bad record). Each gets its grid from its point, its department and rule from the current
    responsibility list, a code of its report day, and a two-event timeline (report, archive).
    Returns the number of orders created."""
    from yiwang.workorders.locating import locate_point
    from yiwang.workorders.services import find_rule

    now = timezone.now()
    categories = {c.code: c for c in Category.objects.filter(is_active=True, parent__isnull=False)}
    for i, record in enumerate(records):
        _check(i, record, categories, now)
    by_day: dict[dt.date, list[HistoryRecord]] = {}
    for record in sorted(records, key=lambda r: r.reported_at):
        by_day.setdefault(timezone.localdate(record.reported_at), []).append(record)
    orders, located = [], {}
    for day, day_records in by_day.items():
        for record, code in zip(day_records, allot_order_codes(day, len(day_records)), strict=True):
            point = (record.lon, record.lat)
            if record.lon is not None and point not in located:
                located[point] = locate_point(record.lon, record.lat)
            place = located.get(point)
            region_code = place.region_code if place else ""
            category = categories[record.category]
            rule = find_rule(category, region_code)
            try:
                workdays = round(workdays_between(record.reported_at, record.archived_at), 3)
            except CalendarUndefined:
                workdays = None
            orders.append(
                WorkOrder(
                    code=code,
                    channel=record.channel,
                    external_id=record.external_id,
                    description=record.description.strip(),
                    address=record.address,
                    lon=record.lon,
                    lat=record.lat,
                    grid=place.grid if place else None,
                    region_code=region_code,
                    category=category,
                    category_source=WorkOrder.CategorySource.IMPORT,
                    primary_department=rule.primary_department if rule else None,
                    rule=rule,
                    status=S.ARCHIVED,
                    reported_at=record.reported_at,
                    dispatched_at=record.reported_at,
                    completed_at=record.archived_at,
                    archived_at=record.archived_at,
                    archived_workdays=workdays,
                )
            )
    WorkOrder.objects.bulk_create(orders, batch_size=500)
    events = []
    for order in orders:
        events.append(
            WorkOrderEvent(
                order=order,
                at=order.reported_at,
                actor_name="历史导入",
                action=WorkOrderEvent.Action.REPORT,
                to_state=S.SUBMITTED,
                note=order.description[:200],
                data={"history": True},
            )
        )
        events.append(
            WorkOrderEvent(
                order=order,
                at=order.archived_at,
                actor_name="历史导入",
                action=WorkOrderEvent.Action.VERIFY,
                from_state=S.SUBMITTED,
                to_state=S.ARCHIVED,
                note="历史工单，已结案",
            )
        )
    WorkOrderEvent.objects.bulk_create(events, batch_size=1000)
    audit_record(
        actor=actor,
        action="workorder.history_import",
        target_type="workorders.workorder",
        after={
            "count": len(orders),
            "first": orders[0].code if orders else None,
            "last": orders[-1].code if orders else None,
        },
        note=note or f"导入历史工单 {len(orders)} 条",
    )
    return len(orders)
