"""Reads of the dispatcher's console (指挥调度台, /command/console/), each scoped to the user.

Every query that returns work orders starts from `WorkOrder.objects.visible_to(user)`. The
console reads the pillars below it directly (command reads every pillar): the work-order queues,
智能分拣's suggestions, 疑似重复 flags and 热点预警 from triage.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from yiwang.core.validators import normalize_phone
from yiwang.triage.selectors import duplicate_flags_for, flagged_orders, hotspot_list
from yiwang.workorders.filters import sla_q
from yiwang.workorders.models import (
    Category,
    ExtensionRequest,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderSupporter,
)

S = WorkOrder.Status
LIST_LIMIT = 200
PAGE_SIZE = 50
EXPORT_LIMIT = 20_000

BOARD_TABS = {
    "triage": "待分拣",
    "duplicates": "疑似重复",
    "overdue": "超期/预警",
    "verify": "待核查",
    "extension": "延期审批",
    "supervised": "督办中",
    "all": "全部工单",
}


def supporter_count():
    """我也遇到: the number of residents who joined an order, as a subquery (no row doubling)."""
    counted = (
        WorkOrderSupporter.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _orders(user):
    return (
        WorkOrder.objects.visible_to(user)
        .select_related("category", "primary_department", "grid")
        .annotate(supporter_count=supporter_count())
    )


def _queues(user, now) -> dict:
    visible = _orders(user)
    return {
        "triage": visible.filter(status=S.TRIAGE).order_by("reported_at", "id"),
        "duplicates": visible.filter(pk__in=flagged_orders(user=user).values("pk")).order_by(
            "reported_at", "id"
        ),
        "overdue": visible.filter(
            sla_q(WorkOrder.Sla.RED, now) | sla_q(WorkOrder.Sla.YELLOW, now),
            status__in=WorkOrder.CLOCK_STATES,
        ).order_by("deadline", "id"),
        "verify": visible.filter(status=S.COMPLETED).order_by("completed_at", "id"),
        "extension": visible.filter(
            status__in=WorkOrder.CLOCK_STATES,
            pk__in=ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).values(
                "order_id"
            ),
        )
        .prefetch_related("extensions")
        .order_by("deadline", "id"),
        "supervised": visible.filter(supervised=True, status__in=WorkOrder.OPEN_STATES).order_by(
            "deadline", "id"
        ),
    }


def dispatch_board(*, user, tab: str) -> dict:
    """The command centre's queues (集成指挥中心), each scoped to the user, with their counts.
    `tab="all"` has no queue here: the view lists `console_orders` instead."""
    now = timezone.now()
    queues = _queues(user, now)
    tab = tab if tab in BOARD_TABS else "triage"
    counts = {name: qs.count() for name, qs in queues.items()}
    orders = []
    if tab in queues:
        qs = queues[tab]
        if tab == "triage":
            qs = qs.prefetch_related(_report_photos())
        orders = list(qs[:LIST_LIMIT])
    if tab == "extension":
        for order in orders:
            order.pending_extension = next(
                (e for e in order.extensions.all() if e.status == ExtensionRequest.Status.PENDING),
                None,
            )
    return {"tab": tab, "orders": orders, "counts": counts}


def _report_photos():
    return Prefetch(
        "photos",
        queryset=WorkOrderPhoto.objects.filter(kind=WorkOrderPhoto.Kind.REPORT).order_by("pk"),
        to_attr="report_photos",
    )


def triage_aids(*, user, orders) -> None:
    """智能分拣 help for the triage queue, set on each order: `suggestions` — the classifier's
    guesses kept in its report event, as (Category, probability), best first — and
    `open_duplicates` — its open 疑似重复 flags. Three queries for the whole page."""
    orders = list(orders)
    if not orders:
        return
    guesses = {
        order_id: (data or {}).get("suggestions") or []
        for order_id, data in WorkOrderEvent.objects.filter(
            order__in=[o.pk for o in orders], action=WorkOrderEvent.Action.REPORT
        ).values_list("order_id", "data")
    }
    codes = {code for pairs in guesses.values() for code, _ in pairs}
    by_code = {
        c.code: c
        for c in Category.objects.filter(code__in=codes, is_active=True, parent__isnull=False)
    }
    flags = duplicate_flags_for(user=user, orders=orders)
    for order in orders:
        order.suggestions = [
            (by_code[code], prob) for code, prob in guesses.get(order.pk, []) if code in by_code
        ][:3]
        order.open_duplicates = flags.get(order.pk, [])


def hotspot_warnings(*, user) -> list[dict]:
    """Today's 热点预警 over what the user may see."""
    return hotspot_list(user=user, day=timezone.localdate())


def map_points(orders) -> list[dict]:
    """The orders of a queue that have a point, for the console's small map."""
    return [
        {"code": o.code, "lon": o.lon, "lat": o.lat, "status": o.get_status_display()}
        for o in orders
        if o.lon is not None and o.lat is not None
    ]


# --- all orders: search and filters -----------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def search_q(text: str) -> Q:
    """编号、描述或地址: an order code matches exactly (any case), otherwise words in the
    description or address (every word must match)."""
    text = " ".join((text or "").split())[:100]
    if not text:
        return Q()
    found = Q(code=text.upper())
    words = Q()
    for word in text.split(" ")[:5]:
        words &= Q(description__icontains=word) | Q(address__icontains=word)
    return found | words


def console_orders(*, user, filters: dict):
    """全部工单: every order the user may see, filtered (the console's filter form's
    cleaned data), newest first, with the supporter count."""
    qs = _orders(user)
    f = filters
    if f.get("q"):
        qs = qs.filter(search_q(f["q"]))
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("category"):
        qs = qs.filter(Q(category__code=f["category"]) | Q(category__parent__code=f["category"]))
    if f.get("department"):
        qs = qs.filter(
            Q(primary_department_id=f["department"])
            | Q(assist_tasks__department_id=f["department"])
        ).distinct()
    region = f.get("grid") or f.get("community")
    if region:
        qs = qs.filter(region_code__startswith=region)
    if f.get("channel"):
        qs = qs.filter(channel=f["channel"])
    if f.get("date_from"):
        qs = qs.filter(reported_at__gte=_day_start(f["date_from"]))
    if f.get("date_to"):
        qs = qs.filter(reported_at__lt=_day_start(f["date_to"] + dt.timedelta(days=1)))
    if f.get("overdue"):
        qs = qs.filter(sla_q(WorkOrder.Sla.RED, timezone.now()))
    if f.get("supported"):
        qs = qs.filter(pk__in=WorkOrderSupporter.objects.values("order_id"))
    return qs.order_by("-reported_at", "-id")


def orders_by_phone(*, user, phone: str) -> list[WorkOrder]:
    """Orders whose reporter, follower or given caller phone is exactly `phone`, over every
    order the user may see.

    Registered people (the reporter's or a follower's account) match through the keyed lookup
    hash of `core.pii` (`User.phone`); a phone typed with a report (12345 caller, 代为上报)
    through the order's own hash (`WorkOrder.reporter_phone_hash`), so no order is decrypted
    and no order is too old to be found."""
    phone = normalize_phone(phone)
    if not phone:
        return []
    visible = WorkOrder.objects.visible_to(user)
    by_account = set(
        visible.filter(Q(reporter__phone=phone) | Q(followers__phone=phone)).values_list(
            "pk", flat=True
        )
    )
    # The partial index wo_reporter_phone_hash covers rows whose hash is not empty.
    by_caller = set(
        visible.filter(reporter_phone=phone)
        .exclude(reporter_phone_hash="")
        .values_list("pk", flat=True)
    )
    ids = by_account | by_caller
    return list(_orders(user).filter(pk__in=ids).order_by("-reported_at", "-id")[:LIST_LIMIT])
