"""Who may rate an order and read its reporter's phone (回访), and the audited reveal."""

from __future__ import annotations

from django.db import transaction

from yiwang.accounts.models import Role
from yiwang.accounts.scope import data_scope
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import NotFound
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services.common import (
    _is_dispatcher,
    _is_staff_of,
    _lock_order,
    _require,
    _text,
)

# Roles that work the loop: their rating would be a self-assessment (一网 rates the government
# from the resident's side).
WORKING_ROLES = frozenset(Role) - {Role.RESIDENT}


def may_rate(user, order: WorkOrder) -> bool:
    """Whether `user` may rate `order`: its reporter — the resident who reported, or on whose
    behalf a grid worker reported (代为上报) — and never someone who works the loop: a grid
    worker who reported for themselves, the handler, the one who resolved it on the spot."""
    if user is None or order.reporter_id != user.pk:
        return False
    if order.handler_id == user.pk:
        return False
    return not (data_scope(user).roles & WORKING_ROLES)


def works_the_loop(user) -> bool:
    """Whether `user` works in the loop (any role but resident): residents see an order as a
    resident needs it, without the government's internal detail."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(data_scope(user).roles & WORKING_ROLES)


def may_reveal_reporter(user, order: WorkOrder) -> bool:
    """回访: the dispatcher and the handling department may read the reporter's phone."""
    return _is_dispatcher(user) or _is_staff_of(user, order.primary_department_id)


@transaction.atomic
def work_order_reporter_reveal(*, actor, order, purpose: str) -> str:
    """The reporter's phone in clear (查看明文) for a stated purpose, audited."""
    order = _lock_order(actor, order)
    user = acting_user(actor)
    _require(may_reveal_reporter(user, order), "只有指挥中心坐席和主办部门可以查看上报人电话。")
    purpose = _text(purpose, field="purpose", label="查看用途", required=True, max_length=200)
    phone = reporter_phone(order)
    if not phone:
        raise NotFound("该工单没有登记上报人电话。")
    audit_record(
        actor=actor,
        action="workorder.reporter_reveal",
        target=order,
        after={"field": "reporter_phone"},
        note=purpose,
    )
    return phone


def reporter_phone(order: WorkOrder) -> str:
    """The phone to call back: the one given with the report, else the reporter's account's."""
    if order.reporter_phone:
        return order.reporter_phone
    return (order.reporter.phone or "") if order.reporter_id else ""


def _require_rater(user, order: WorkOrder) -> None:
    _require(
        may_rate(user, order),
        "只有上报问题的居民（或被代为上报的居民）可以评价；网格员和工作人员不能评价自己上报或处置的工单。",
    )
