"""Writes of the dispatcher's console (指挥调度台): 12345 phone intake, batch actions, the audited
phone search and export. Every change of a work order goes through the work-order services
(`yiwang.workorders.services`): this module never writes a work order itself.

- `console_hotline_file`: 12345 来电登记 — the caller's name and phone, the text and the place,
  filed through the normal intake (`work_order_create`, channel `hotline_12345`).
- `console_batch`: one action on several orders, each through its own service call and so its
  own transaction; a stale, refused or missing order is reported and the others go through.
- `console_phone_search`: exact search by a caller's phone, for roles that may read phones,
  with a purpose, audited (the phone itself never enters the log), limited per hour.
- `console_export_record`: the audit row of an .xlsx export of the order list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role, User
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import (
    Forbidden,
    NotFound,
    ServiceError,
    TooManyRequests,
    ValidationFailed,
)
from yiwang.core.validators import check_phone, normalize_phone
from yiwang.workorders import services as wo
from yiwang.workorders.models import WorkOrder

PHONE_SEARCH_ACTION = "command.console.phone_search"
EXPORT_ACTION = "command.console.export"
BATCH_MAX = 100
BATCH_ACTIONS = {"dispatch": "派遣", "merge": "合并为重复", "supervise": "督办"}


def _require_desk(actor, what: str) -> User:
    user = acting_user(actor)
    if user is None or not wo._is_dispatcher(user):
        raise Forbidden(f"只有指挥中心坐席可以{what}。")
    return user


# --- 12345 phone intake -----------------------------------------------------------------------


def _registered_resident(phone: str) -> User | None:
    """The one registered resident with this phone (keyed hash), or None: a caller who has an
    account becomes the reporter, follows the order and may rate it."""
    users = list(
        User.objects.filter(phone=phone, is_active=True, memberships__role=Role.RESIDENT)
        .distinct()
        .order_by("pk")[:2]
    )
    return users[0] if len(users) == 1 else None


def console_hotline_file(
    *,
    actor,
    caller_name: str,
    caller_phone: str,
    description: str,
    address: str = "",
    lon=None,
    lat=None,
    category=None,
    priority: str | None = None,
    idempotency_key: str = "",
) -> WorkOrder:
    """12345 来电登记: file a caller's report through the normal intake with channel
    `hotline_12345` (numbering, grid, classifier, duplicates, automatic dispatch as for any
    report). The caller's phone is required (回访) and stored encrypted with the order."""
    _require_desk(actor, "登记12345来电")
    name = " ".join((caller_name or "").split())
    if len(name) > 50:
        raise ValidationFailed("来电人姓名过长（最多50字）。", fields={"caller_name": ["过长"]})
    phone = normalize_phone(caller_phone or "")
    if not phone:
        raise ValidationFailed("请填写来电号码。", fields={"caller_phone": ["必填"]})
    problem = check_phone(phone)
    if problem:
        raise ValidationFailed(problem, fields={"caller_phone": ["格式不正确"]})
    return wo.work_order_create(
        actor=actor,
        description=description,
        lon=lon,
        lat=lat,
        address=address or "",
        category=category or None,
        priority=priority or None,
        channel=WorkOrder.Channel.HOTLINE,
        reporter=_registered_resident(phone),
        reporter_name=name,
        reporter_phone=phone,
        idempotency_key=idempotency_key,
    )


# --- batch actions ----------------------------------------------------------------------------


@dataclass
class BatchResult:
    order_id: int
    code: str
    ok: bool
    message: str

    def as_dict(self) -> dict:
        return {"id": self.order_id, "code": self.code, "ok": self.ok, "message": self.message}


def _batch_call(action: str, *, actor, order: int, version: int, params: dict):
    if action == "dispatch":
        return wo.work_order_dispatch(
            actor=actor,
            order=order,
            version=version,
            department=params.get("department"),
            category=params.get("category") or None,
            note=params.get("note", ""),
        )
    if action == "merge":
        return wo.work_order_merge(
            actor=actor,
            order=order,
            version=version,
            into=params["into"],
            note=params.get("note", ""),
        )
    return wo.work_order_supervise(
        actor=actor, order=order, version=version, note=params.get("note", "")
    )


def console_batch(*, actor, action: str, items: list[tuple[int, int]], params: dict) -> list:
    """批量操作: `action` (dispatch | merge | supervise) on each (order id, version) of `items`.

    Deliberately not one transaction: each order goes through its own service call, which is
    its own transaction with its own timeline event and audit row, so one stale (409), refused
    (403/400) or missing (404) order is reported in its result and the others go through.
    `params`: dispatch → `department` (id; without it the rule's), `category` (code), `note`;
    merge → `into` (the master order's id); supervise → `note` (required)."""
    user = _require_desk(actor, "批量操作工单")
    if action not in BATCH_ACTIONS:
        raise ValidationFailed("未知的批量操作。", fields={"action": ["无效"]})
    if not items:
        raise ValidationFailed("请先勾选要操作的工单。", fields={"orders": ["未选择工单"]})
    if len(items) > BATCH_MAX:
        raise ValidationFailed(
            f"一次最多操作 {BATCH_MAX} 件工单。", fields={"orders": ["数量过多"]}
        )
    if action == "merge":
        params = {**params, "into": _master(user, params.get("into"))}
    if action == "supervise" and not (params.get("note") or "").strip():
        raise ValidationFailed("批量督办须填写督办意见。", fields={"note": ["必填"]})
    codes = dict(
        WorkOrder.objects.visible_to(user)
        .filter(pk__in=[pk for pk, _ in items])
        .values_list("pk", "code")
    )
    results = []
    for pk, version in items:
        code = codes.get(pk, f"#{pk}")
        if pk not in codes:
            results.append(BatchResult(pk, code, False, "工单不存在或无权查看。"))
            continue
        try:
            order = _batch_call(action, actor=actor, order=pk, version=version, params=params)
        except ServiceError as exc:
            results.append(BatchResult(pk, code, False, exc.message))
        else:
            message = f"{BATCH_ACTIONS[action]}成功"
            if action == "dispatch" and order.primary_department_id:
                message = f"已派遣至{order.primary_department.name}"
            results.append(BatchResult(pk, code, True, message))
    return results


def _master(user, text) -> int:
    """合并: the master order typed as a code (or an id) the user can see."""
    text = str(text or "").strip()
    if not text:
        raise ValidationFailed("请填写要并入的主工单编号。", fields={"into": ["必填"]})
    visible = WorkOrder.objects.visible_to(user)
    found = visible.filter(code=text.upper()).values_list("pk", flat=True).first()
    if found is None and text.isdigit() and len(text) < 12:
        found = visible.filter(pk=int(text)).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationFailed(
            f"要并入的工单 {text[:30]} 不存在。", fields={"into": ["工单不存在"]}
        )
    return found


# --- the audited phone search and export ------------------------------------------------------


def _check_quota(user) -> None:
    """At most YIWANG_PII_SEARCHES_PER_HOUR phone searches per user and hour, counted in the
    audit log (the limit holds across processes and machines)."""
    from yiwang.core.models import AuditEvent

    limit = settings.YIWANG_PII_SEARCHES_PER_HOUR
    since = timezone.now() - dt.timedelta(hours=1)
    used = AuditEvent.objects.filter(actor=user, action=PHONE_SEARCH_ACTION, at__gte=since).count()
    if used >= limit:
        raise TooManyRequests(f"按电话查找过于频繁（每小时最多 {limit} 次），请稍后再试。")


@transaction.atomic
def console_phone_search(*, actor, phone: str, purpose: str) -> list[WorkOrder]:
    """按来电号码查找: the orders of a caller, by exact phone (see
    `page_selectors.orders_by_phone`), for the dispatcher who may read reporters' phones
    (回访), with a purpose (至少2个字), audited with the number of orders found, never the phone."""
    from yiwang.command.page_selectors import orders_by_phone

    user = _require_desk(actor, "按电话号码查找工单")
    purpose = " ".join((purpose or "").split())
    if len(purpose) < 2:
        raise ValidationFailed("按电话查找须填写用途（至少2个字）。", fields={"purpose": ["必填"]})
    if len(purpose) > 200:
        raise ValidationFailed("用途过长（最多200字）。", fields={"purpose": ["过长"]})
    phone = normalize_phone(phone or "")
    if not phone or check_phone(phone):
        raise ValidationFailed("电话号码格式不正确。", fields={"phone": ["格式不正确"]})
    _check_quota(user)
    found = orders_by_phone(user=user, phone=phone)
    audit_record(
        actor=actor,
        action=PHONE_SEARCH_ACTION,
        target_type="workorders.workorder",
        target_id=",".join(str(o.pk) for o in found)[:200] or "-",
        after={"field": "phone", "found": len(found)},
        note=purpose,
    )
    return found


@transaction.atomic
def console_export_record(*, actor, filters: dict, count: int) -> None:
    """The audit row of an order-list export (.xlsx, personal data masked)."""
    if acting_user(actor) is None:
        raise NotFound("未登录。")
    audit_record(
        actor=actor,
        action=EXPORT_ACTION,
        target_type="workorders.workorder",
        after={"filters": {k: str(v) for k, v in filters.items() if v}, "rows": count},
    )
