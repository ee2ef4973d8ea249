"""Finishing an order: 办结, 现场处置 (小事不出格), 核查结案."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import OrgUnit
from yiwang.core.audit import acting_user
from yiwang.core.errors import (
    Forbidden,
    ValidationFailed,
    check_version,
)
from yiwang.core.workdays import workdays_between
from yiwang.workorders import intake
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import (
    AssistTask,
    WorkOrder,
    WorkOrderPhoto,
)
from yiwang.workorders.services.common import (
    Action,
    S,
    _cancel_assist_tasks,
    _close_pending_extensions,
    _evidence,
    _is_grid_worker_of,
    _lock_order,
    _record,
    _require,
    _require_dispatcher,
    _require_primary_staff,
    _require_state,
    _resolve_category,
    _save,
    _store_photos,
    _text,
    find_rule,
    notify_order,
)


@transaction.atomic
def work_order_verify(*, actor, order, version, note: str = "") -> WorkOrder:
    """核查结案: the command centre accepts the handling → archived. Open 吹哨 sub-tasks are
    closed; the working days from report to archive are stored for the KPIs."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_dispatcher(actor, "核查结案")
    check_version(order, version)
    _require_state(order, order.mark_archived, "核查结案")
    note = _text(note, field="note", label="核查意见", required=False)
    closed = _cancel_assist_tasks(order, now=now, reason="主办结案时关闭")
    order.mark_archived()
    order.archived_at = now
    order.archived_workdays = round(workdays_between(order.reported_at, now), 3)
    _save(order, ["archived_at", "archived_workdays"], now)
    _record(
        order,
        actor=actor,
        action=Action.VERIFY,
        from_state=S.COMPLETED,
        note=note or "核查通过，结案归档",
        data={"archived_workdays": order.archived_workdays, "closed_assist_tasks": closed},
        at=now,
    )
    notify_order(  # 结案 → the reporter, with the link to rate
        order,
        recipients=[order.reporter],
        kind="archived",
        title=f"您反映的问题已办结（{order.code}），请评价",
        actor=actor,
    )
    order.warnings = []
    return order


@transaction.atomic
def work_order_complete(
    *, actor, order, version, note: str, photos=(), no_photo_reason: str = ""
) -> WorkOrder:
    """处置完成 with a note and evidence photos: handling → completed (waiting for 核查).
    Without a photo the handler writes why (the dispatcher sees it before 核查结案). Allowed
    while 吹哨 sub-tasks are open, with a warning (recorded in the event); a pending extension
    request is closed with the order."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require_primary_staff(actor, order, "办结")
    check_version(order, version)
    _require_state(order, order.mark_completed, "办结")
    note = _text(note, field="note", label="处置情况", required=True)
    photos, order.no_photo_reason = _evidence(photos, no_photo_reason)
    closed_extensions = _close_pending_extensions(order, now=now)
    open_tasks = list(
        order.assist_tasks.filter(status__in=AssistTask.ACTIVE).values_list(
            "department__name", flat=True
        )
    )
    order.mark_completed()
    order.completed_at = now
    order.completed_on_time = order.deadline is None or now <= order.deadline
    order.resolved_in_grid = bool(
        order.primary_department and order.primary_department.kind == OrgUnit.Kind.COMMUNITY
    )
    _save(order, ["completed_at", "completed_on_time", "resolved_in_grid", "no_photo_reason"], now)
    event = _record(
        order,
        actor=actor,
        action=Action.COMPLETE,
        from_state=S.HANDLING,
        note=note,
        data={
            "on_time": order.completed_on_time,
            "open_assist_tasks": open_tasks,
            "no_photo_reason": order.no_photo_reason,
            "closed_extension_requests": closed_extensions,
        },
        at=now,
    )
    _store_photos(order, photos, kind=WorkOrderPhoto.Kind.EVIDENCE, actor=actor, event=event)
    order.warnings = (
        [f"协办部门尚未完成：{'、'.join(open_tasks)}（结案时将自动关闭）"] if open_tasks else []
    )
    if not photos:
        order.warnings.append(f"未上传处置照片（原因：{order.no_photo_reason}）。")
    if closed_extensions:
        order.warnings.append("待审批的延期申请已随办结关闭。")
    return order


@transaction.atomic
def work_order_resolve_on_spot(
    *, actor, order, version, note: str, photos=(), category=None, no_photo_reason: str = ""
) -> WorkOrder:
    """现场处置 (小事不出格): the grid worker of the order's grid resolves it on the spot when
    the responsibility rule allows → completed (waiting for 核查). Counts for 现场处置率 and
    网格内解决率."""
    now = timezone.now()
    order = _lock_order(actor, order)
    _require(_is_grid_worker_of(actor, order), "只有该网格的网格员可以现场处置。")
    check_version(order, version)
    _require_state(order, order.mark_resolved_on_spot, "现场处置")
    note = _text(note, field="note", label="处置情况", required=True)
    cat = _resolve_category(category) if category not in (None, "") else order.category
    if cat is None:
        raise ValidationFailed("请选择事项分类。", fields={"category": ["必填"]})
    rule = find_rule(cat, order.region_code)
    if rule is None or not rule.on_spot_allowed:
        raise Forbidden(
            f"按权责清单，“{cat.name}”不允许网格员现场处置。", code=Code.ON_SPOT_NOT_ALLOWED
        )
    photos, order.no_photo_reason = _evidence(photos, no_photo_reason)
    from_state = order.status
    _cancel_assist_tasks(order, now=now, reason="网格员现场处置")
    if cat.pk != order.category_id:
        order.category = cat
        order.category_source = WorkOrder.CategorySource.REPORTER
        intake.category_corrected(actor=actor, order=order, category=cat)
    order.rule = rule
    order.mark_resolved_on_spot()
    order.handler = acting_user(actor)
    order.completed_at = now
    order.completed_on_time = order.deadline is None or now <= order.deadline
    order.resolved_on_spot = True
    order.resolved_in_grid = True
    order.triage_reason = ""
    _save(
        order,
        ["category", "category_source", "rule", "handler", "completed_at", "completed_on_time",
         "resolved_on_spot", "resolved_in_grid", "triage_reason", "no_photo_reason"],
        now,
    )  # fmt: skip
    event = _record(
        order,
        actor=actor,
        action=Action.RESOLVE_ON_SPOT,
        from_state=from_state,
        note=note,
        data={
            "rule": rule.pk,
            "rule_version": rule.version,
            "no_photo_reason": order.no_photo_reason,
        },
        at=now,
    )
    _store_photos(order, photos, kind=WorkOrderPhoto.Kind.EVIDENCE, actor=actor, event=event)
    order.warnings = [] if photos else [f"未上传处置照片（原因：{order.no_photo_reason}）。"]
    return order
