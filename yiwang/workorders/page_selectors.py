"""Reads that the HTML pages need and `selectors.py` does not offer (yet).

Kept apart so the domain's selectors stay the domain helper's; each query that returns work
orders starts from `WorkOrder.objects.visible_to(user)`, like every selector. Candidates to move
into `selectors.py`: `grid_orders`, `department_inbox`, `resident_by_phone`. The dispatcher's
queues moved with the console to `yiwang.command.page_selectors`.
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import OrgUnit, Role, User
from yiwang.accounts.scope import data_scope
from yiwang.workorders.filters import sla_q
from yiwang.workorders.models import (
    AssistTask,
    Category,
    WorkOrder,
    WorkOrderEvent,
)

S = WorkOrder.Status
LIST_LIMIT = 200

GRID_TABS = {
    "open": ("待处置", [S.TRIAGE, S.DISPATCHED, S.HANDLING]),
    "done": ("已办结", [S.COMPLETED, S.ARCHIVED]),
    "all": ("全部", None),
}


def _orders(user):
    return WorkOrder.objects.visible_to(user).select_related(
        "category", "primary_department", "grid"
    )


def my_orders(*, user):
    """Orders the user reported or follows (merged duplicates of theirs), newest first."""
    return (
        _orders(user)
        .filter(Q(reporter_id=user.pk) | Q(followers__id=user.pk))
        .distinct()
        .order_by("-reported_at", "-id")[:LIST_LIMIT]
    )


def grid_orders(*, user, tab: str = "open"):
    """Orders located in the grids where the user works (网格员), by tab."""
    codes = data_scope(user).grid_codes
    if not codes:
        return WorkOrder.objects.none()
    in_grids = Q(pk__in=[])
    for code in codes:
        in_grids |= Q(region_code__startswith=code)
    qs = _orders(user).filter(in_grids)
    statuses = GRID_TABS.get(tab, GRID_TABS["open"])[1]
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("-reported_at", "-id")[:LIST_LIMIT]


def staff_department_ids(user) -> list[int]:
    """Departments (or communities) where the user handles orders (职能部门人员、执法队员)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        user.memberships.filter(
            role__in=[Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER]
        ).values_list("org_unit_id", flat=True)
    )


def department_inbox(*, user, sla: str = "") -> dict:
    """A department's desk: orders it holds as 主办 (dispatched or handling, earliest deadline
    first), its active 协办 sub-tasks, and what it finished that waits for 核查."""
    departments = staff_department_ids(user)
    visible = _orders(user)
    primary = visible.filter(
        primary_department_id__in=departments, status__in=WorkOrder.CLOCK_STATES
    )
    if sla in WorkOrder.Sla.values:
        primary = primary.filter(sla_q(sla, timezone.now()))
    assist = (
        AssistTask.objects.filter(
            department_id__in=departments,
            status__in=AssistTask.ACTIVE,
            order__in=WorkOrder.objects.visible_to(user).values("pk"),
        )
        .select_related("order", "order__category", "order__primary_department", "department")
        .order_by("order__deadline", "id")
    )
    waiting = visible.filter(primary_department_id__in=departments, status=S.COMPLETED)
    return {
        "departments": list(OrgUnit.objects.filter(pk__in=departments).order_by("code")),
        "primary": list(primary.order_by("deadline", "id")[:LIST_LIMIT]),
        "assist": list(assist[:LIST_LIMIT]),
        "waiting": list(waiting.order_by("-completed_at")[:50]),
    }


def handling_units():
    """Departments and communities that may handle orders (派遣、吹哨、返工 choices)."""
    return OrgUnit.objects.filter(
        is_active=True, kind__in=[OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.COMMUNITY]
    ).order_by("kind", "code")


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Small classes grouped by big class, local extensions (本地扩展: 车库住人 …) first."""
    cats = list(
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )
    groups: dict[int, tuple[Category, list]] = {}
    for cat in cats:
        if cat.parent_id is None:
            groups.setdefault(cat.pk, (cat, []))
    for cat in cats:
        if cat.parent_id is not None and cat.parent_id in groups:
            groups[cat.parent_id][1].append((cat.code, f"{cat.name}（{cat.code}）"))
    ordered = sorted(groups.values(), key=lambda g: (not g[0].is_local_extension, g[0].sort_order))
    return [(big.name, smalls) for big, smalls in ordered if smalls]


def resident_by_phone(phone: str):
    """The registered resident with this phone, when exactly one: a grid worker reporting on a
    resident's behalf (代为上报) makes that resident the reporter, so they follow and rate it."""
    phone = (phone or "").strip()
    if not phone:
        return None
    users = list(
        User.objects.filter(
            phone=phone, is_active=True, memberships__role=Role.RESIDENT
        ).distinct()[:2]
    )
    return users[0] if len(users) == 1 else None


def map_layers(*, user, order: WorkOrder | None = None) -> list[dict]:
    """GeoJSON features drawn under the map (offline: no tiles needed).

    For an order: its grid. Otherwise the street outlines (public boundaries) and the grids the
    user works in (网格员). Each feature: {"name", "level", "geometry"}.
    """
    from yiwang.grids.models import Region

    regions = []
    if order is not None:
        if order.grid_id and order.grid.geojson:
            regions = [order.grid]
    else:
        regions = list(Region.objects.filter(level=Region.Level.STREET, is_active=True)[:5])
        codes = data_scope(user).grid_codes
        if codes:
            regions += list(Region.objects.filter(code__in=codes, is_active=True))
    features = []
    for region in regions:
        try:
            geometry = json.loads(region.geojson) if region.geojson else None
        except ValueError:
            geometry = None
        if geometry:
            features.append({"name": region.name, "level": region.level, "geometry": geometry})
    return features


def rework_reasons(order_ids) -> dict[int, str]:
    """返工: for each order sent back to its department, the reason of the latest return (the
    dispatcher's 返工 note, or the resident's unsatisfied rating that reopened it)."""

    Action = WorkOrderEvent.Action
    events = (
        WorkOrderEvent.objects.filter(order_id__in=list(order_ids))
        .filter(Q(action=Action.REOPEN) | Q(action=Action.RATE, data__reopened=True))
        .order_by("order_id", "-at", "-pk")
        .values_list("order_id", "action", "note")
    )
    reasons: dict[int, str] = {}
    for order_id, action, note in events:
        if order_id not in reasons:
            prefix = "居民不满意：" if action == Action.RATE else ""
            reasons[order_id] = prefix + (note or "（未写明原因）")
    return reasons
