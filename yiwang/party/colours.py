"""四色网格: the measured facts of each grid for a month, and the admin's rules over them.

Facts (per grid, for the month [m0, m1)):
- visit_coverage: households 包联 in the grid that were visited in the visit round in progress
  at the month's end, up to that end (fieldwork), over the households 包联 then;
- orders_reported / orders_solved: work orders reported in / archived (结案) in the month;
- overdue_share: of the orders reported in the month that have a deadline, those finished late
  or still open past their deadline (at the month's end, or now for the running month);
- satisfaction: of the orders rated in the month, those 满意 or 基本满意 (None without ratings);
- patrols / patrol_km: patrols started in the grid in the month, and their distance.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from yiwang.party.models import FACTS, OPERATORS

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq}  # fmt: skip


def check_conditions(conditions) -> list[dict]:
    """Raise ValueError (Chinese) unless `conditions` is a list of {fact, op, value}."""
    if not isinstance(conditions, list):
        raise ValueError("条件必须是列表。")
    for i, c in enumerate(conditions, 1):
        if not isinstance(c, dict) or set(c) != {"fact", "op", "value"}:
            raise ValueError(f"第 {i} 个条件须包含且仅包含 fact、op、value。")
        if c["fact"] not in FACTS:
            raise ValueError(f"第 {i} 个条件：未知的事实“{c['fact']}”，可用：{'、'.join(FACTS)}。")
        if c["op"] not in OPERATORS:
            raise ValueError(f"第 {i} 个条件：未知的比较符“{c['op']}”。")
        if isinstance(c["value"], bool) or not isinstance(c["value"], int | float):
            raise ValueError(f"第 {i} 个条件：value 必须是数字。")
    return conditions


def matches(conditions: list[dict], facts: dict) -> bool:
    """All conditions hold; a condition on a missing fact (None) does not hold."""
    for c in conditions:
        value = facts.get(c["fact"])
        if value is None or not _OPS[c["op"]](value, c["value"]):
            return False
    return True


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            dt.datetime.combine(nxt, dt.time.min, tzinfo=tz))  # fmt: skip


def _ratio(part, whole):
    return round(part / whole, 4) if whole else None


def _visit_facts(grid_codes, m1: dt.datetime) -> dict:
    from yiwang.fieldwork import rounds
    from yiwang.fieldwork.models import HouseholdAssignment, Visit

    plan = rounds.plan_or_default()
    last_day = (m1 - dt.timedelta(days=1)).date()
    window = rounds.current_round(plan, last_day)
    start = dt.datetime.combine(window.start, dt.time.min, tzinfo=m1.tzinfo)
    seen = Exists(
        Visit.objects.filter(
            household_id=OuterRef("household_id"), visited_at__gte=start, visited_at__lt=m1
        )
    )
    rows = (
        HouseholdAssignment.objects.filter(region_code__in=grid_codes, assigned_on__lt=m1.date())
        .annotate(seen=seen)
        .values("region_code")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(seen=True)))
    )
    return {r["region_code"]: _ratio(r["visited"], r["total"]) for r in rows}


def _order_facts(grid_ids, m0, m1) -> dict:
    from yiwang.workorders.models import WorkOrder

    cutoff = min(m1, timezone.now())
    late = Q(completed_on_time=False) | Q(completed_at__isnull=True, deadline__lt=cutoff)
    out = defaultdict(dict)
    reported = (
        WorkOrder.objects.filter(grid_id__in=grid_ids, reported_at__gte=m0, reported_at__lt=m1)
        .values("grid_id")
        .annotate(
            n=Count("pk"),
            timed=Count("pk", filter=Q(deadline__isnull=False)),
            late=Count("pk", filter=Q(deadline__isnull=False) & late),
        )
    )
    for r in reported:
        out[r["grid_id"]] |= {
            "orders_reported": r["n"],
            "overdue_share": _ratio(r["late"], r["timed"]),
        }
    solved = (
        WorkOrder.objects.filter(grid_id__in=grid_ids, archived_at__gte=m0, archived_at__lt=m1)
        .values("grid_id")
        .annotate(n=Count("pk"))
    )
    for r in solved:
        out[r["grid_id"]]["orders_solved"] = r["n"]
    good = Q(satisfaction__in=["satisfied", "basically_satisfied"])
    rated = (
        WorkOrder.objects.filter(grid_id__in=grid_ids, rated_at__gte=m0, rated_at__lt=m1)
        .exclude(satisfaction="")
        .values("grid_id")
        .annotate(n=Count("pk"), good=Count("pk", filter=good))
    )
    for r in rated:
        out[r["grid_id"]]["satisfaction"] = _ratio(r["good"], r["n"])
    return out


def _patrol_facts(grid_ids, m0, m1) -> dict:
    from yiwang.fieldwork.models import Patrol

    rows = (
        Patrol.objects.filter(grid_id__in=grid_ids, started_at__gte=m0, started_at__lt=m1)
        .values("grid_id")
        .annotate(n=Count("pk"), metres=Sum("distance_m"))
    )
    return {r["grid_id"]: (r["n"], round((r["metres"] or 0) / 1000, 2)) for r in rows}


def grid_facts(grids, month: dt.date) -> dict[int, dict]:
    """{grid id: facts} for the month, for every grid given (missing counts are 0)."""
    m0, m1 = month_bounds(month)
    ids = [g.pk for g in grids]
    visits = _visit_facts([g.code for g in grids], m1)
    orders = _order_facts(ids, m0, m1)
    patrols = _patrol_facts(ids, m0, m1)
    out = {}
    for g in grids:
        o = orders.get(g.pk, {})
        n, km = patrols.get(g.pk, (0, 0.0))
        out[g.pk] = {
            "visit_coverage": visits.get(g.code),
            "orders_reported": o.get("orders_reported", 0),
            "orders_solved": o.get("orders_solved", 0),
            "overdue_share": o.get("overdue_share"),
            "satisfaction": o.get("satisfaction"),
            "patrols": n,
            "patrol_km": km,
        }
    return out


def pick(rules, facts: dict):
    """The first rule (by priority) whose conditions all hold, or None."""
    for rule in rules:
        if matches(rule.conditions, facts):
            return rule
    return None
