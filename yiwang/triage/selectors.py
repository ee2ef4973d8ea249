"""Reads of 智能分拣, scoped to the asking user (`WorkOrder.objects.visible_to`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from yiwang.triage.hotspots import DEFAULT_ALPHA, DEFAULT_WINDOW, check_hotspot
from yiwang.triage.models import DuplicateFlag
from yiwang.workorders.models import WorkOrder

# What hotspots.py states for a steady (Poisson) series: false warnings on at most about
# `alpha` of its days; simulated with 28-day windows, 0.00002-0.0010 depending on the rate.
FALSE_ALARM_NOTE = (
    "对每个“网格×类别”，若其工单数平稳（泊松），某一天被误报为热点的概率约不超过 α"
    f"（默认 {DEFAULT_ALPHA}，即每千个“网格×类别×日”约一次误报）。"
)


def hotspot_list(
    *, user, day: dt.date, region: str = "", category: str = "", alpha: float = DEFAULT_ALPHA
) -> list[dict]:
    """热点预警 (分析研判): the (grid, category) pairs whose count of orders reported on `day`
    is abnormally high against the trailing 28 days (hotspots.check_hotspot: one-sided Poisson
    test at `alpha`, at least 3 orders), most significant first.

    Counts the orders the user may see that lie in a grid and have a category (cancelled ones
    left out, merged duplicates kept: many reports of one matter are a signal), by local day.
    `region` narrows to a grid, community or street code (prefix); `category` to a small class
    or a big class (its code). One GROUP BY query over the 29 days.
    """
    tz = timezone.get_current_timezone()
    first = day - dt.timedelta(days=DEFAULT_WINDOW)
    orders = WorkOrder.objects.visible_to(user).filter(
        reported_at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        reported_at__lt=dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        grid__isnull=False,
        category__isnull=False,
    )
    orders = orders.exclude(status=WorkOrder.Status.CANCELLED)
    if region:
        orders = orders.filter(region_code__startswith=region)
    if category:
        orders = orders.filter(Q(category__code=category) | Q(category__parent__code=category))
    rows = (
        orders.order_by()
        .annotate(day=TruncDate("reported_at", tzinfo=tz))
        .values("grid__code", "grid__name", "category__code", "category__name", "day")
        .annotate(n=Count("id"))
    )
    series: dict[tuple, list[int]] = defaultdict(lambda: [0] * (DEFAULT_WINDOW + 1))
    for row in rows:
        key = (row["grid__code"], row["grid__name"], row["category__code"], row["category__name"])
        series[key][(row["day"] - first).days] = row["n"]
    warnings = []
    for (grid, grid_name, code, name), counts in series.items():
        result = check_hotspot(counts[-1], counts[:-1], alpha=alpha)
        if result.is_warning:
            warnings.append(
                {
                    "grid": grid,
                    "grid_name": grid_name,
                    "category": code,
                    "category_name": name,
                    "date": day.isoformat(),
                    "observed": result.observed,
                    "expected": round(result.expected, 3),
                    "p_value": result.p_value,
                    "alpha": result.alpha,
                }
            )
    warnings.sort(key=lambda w: (w["p_value"], -w["observed"], w["grid"], w["category"]))
    return warnings


def _open_flags(user):
    """Open 疑似重复 flags whose candidate is still open and visible to the user."""
    return DuplicateFlag.objects.filter(
        status=DuplicateFlag.Status.OPEN,
        candidate__status__in=WorkOrder.OPEN_STATES,
        candidate__in=WorkOrder.objects.visible_to(user).values("pk"),
    )


def flagged_orders(*, user):
    """The open orders visible to the user that have an open flag (:func:`_open_flags`): the
    dispatcher's 疑似重复 queue, whatever the order's state (an order dispatched automatically
    may be a duplicate too)."""
    return WorkOrder.objects.visible_to(user).filter(
        status__in=WorkOrder.OPEN_STATES, pk__in=_open_flags(user).values("order_id")
    )


def duplicate_flags_for(*, user, orders) -> dict[int, list[DuplicateFlag]]:
    """Open flags (:func:`_open_flags`) of the given orders, best first, by order id (one
    query)."""
    flags = (
        _open_flags(user)
        .filter(order__in=[o.pk for o in orders])
        .select_related("candidate")
        .order_by("-similarity", "distance_m")
    )
    out: dict[int, list[DuplicateFlag]] = defaultdict(list)
    for flag in flags:
        out[flag.order_id].append(flag)
    return dict(out)


def duplicate_links(order, user) -> list:
    """The order page's 疑似重复 hint (filled into `workorders.links` by TriageConfig.ready):
    the best open flag of an open order, for the dispatcher who decides it (合并 or 非重复 on
    the console); nobody else sees the machine's guess."""
    from django.urls import reverse

    from yiwang.workorders.links import OrderLink
    from yiwang.workorders.services import _is_dispatcher

    if order.status not in WorkOrder.OPEN_STATES or not getattr(user, "is_authenticated", False):
        return []
    if not _is_dispatcher(user):
        return []
    flags = duplicate_flags_for(user=user, orders=[order]).get(order.pk, [])
    if not flags:
        return []
    best, more = flags[0], len(flags) - 1
    label = (
        f"疑似重复：{best.candidate.code}（{best.candidate.get_status_display()}），"
        f"相似度 {round(best.similarity * 100)}%"
    )
    if best.distance_m is not None:
        label += f"，相距 {round(best.distance_m)} 米"
    if more:
        label += f"（另有 {more} 件）"
    return [
        OrderLink(
            badge="疑似重复",
            label=label,
            url=reverse("workorders:detail", args=[best.candidate_id]),
        )
    ]
