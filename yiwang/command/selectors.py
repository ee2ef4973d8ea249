"""Every read of the command center: the screen's figures, the map layers, the analysis, task
progress and the assessment. Work-order figures reuse `workorders.selectors` (the KPI
definitions live there once) and every count starts from the user's territory (`kpi_scope_q`).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Substr
from django.utils import timezone

from yiwang.accounts.models import OrgUnit
from yiwang.accounts.scope import DataScope, data_scope
from yiwang.command import figures
from yiwang.command.models import (
    ASSESSMENT_FACTS,
    DEFAULT_WEIGHTS,
    AssessmentScheme,
    Incident,
    Task,
    TaskAssignment,
)
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.months import month_bounds, month_start
from yiwang.grids.models import CODE_LENGTHS, GridWorker, Region
from yiwang.workorders.models import Category, WorkOrder
from yiwang.workorders.selectors import kpi_scope_q, prefix_range_q, work_order_kpis

S = WorkOrder.Status
REGION_RE = re.compile(r"^\d{1,40}$")
TREND_WEEKS = 8
FEED_SIZE = 8


def parse_region(value) -> str:
    value = (value or "").strip()
    if value and not REGION_RE.match(value):
        raise ValidationFailed("区域编码须为数字。", fields={"region": ["须为数字编码"]})
    return value


def parse_period(date_from, date_to, *, today: dt.date | None = None):
    """from/to as dates (inclusive); default: the 1st of this month to today."""
    from django.utils.dateparse import parse_date

    today = today or timezone.localdate()
    out = []
    for name, value, default in (
        ("from", date_from, today.replace(day=1)),
        ("to", date_to, today),
    ):
        if value in (None, ""):
            out.append(default)
            continue
        try:
            day = parse_date(str(value))
        except ValueError:
            day = None
        if day is None:
            raise ValidationFailed(
                f"日期 {name} 格式不正确（如 2026-12-01）。", fields={name: ["日期格式 YYYY-MM-DD"]}
            )
        out.append(day)
    if out[1] < out[0]:
        raise ValidationFailed("结束日期不能早于开始日期。", fields={"to": ["须不早于 from"]})
    if (out[1] - out[0]).days > 366 * 3:
        raise ValidationFailed("统计区间最长三年。", fields={"to": ["区间过长"]})
    return out[0], out[1]


def _bounds(date_from: dt.date, date_to: dt.date):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _orders(user, region: str = ""):
    qs = WorkOrder.objects.order_by()
    scope = kpi_scope_q(user)
    if scope is not None:
        qs = qs.filter(scope)
    if region:
        qs = qs.filter(prefix_range_q("region_code", [region]))
    return qs


def _rate(n: int, d: int):
    return round(n / d, 4) if d else None


# --- the screen's figures ---------------------------------------------------------------------


def intake_today(*, user, region: str = "", now=None, base=None) -> dict:
    now = now or timezone.now()
    start, end = _bounds(timezone.localdate(now), timezone.localdate(now))
    counts = dict.fromkeys(WorkOrder.Channel.values, 0)
    rows = (
        (base if base is not None else _orders(user, region))
        .filter(reported_at__gte=start, reported_at__lt=end)
        .values_list("channel")
        .annotate(n=Count("*"))
    )
    for channel, n in rows:
        counts[channel] = n
    return {
        "total": sum(counts.values()),
        "by_channel": counts,
        "labels": dict(WorkOrder.Channel.choices),
    }


def approvals_kpis(*, user, date_from, date_to) -> dict | None:
    """办结率 and 平均用时 of the approvals pillar, when it is installed."""
    from django.apps import apps

    if not apps.is_installed("yiwang.approvals"):
        return None
    from yiwang.approvals.selectors import approval_kpis

    figures = approval_kpis(user=user, filters={"from": str(date_from), "to": str(date_to)})
    return {
        "completion_rate": figures.get("completion_rate"),
        "on_time_rate": figures.get("on_time_rate"),
        "avg_workdays_to_decision": figures.get("avg_workdays_to_decision"),
    }


def _territory(user, region: str, prefixes):
    """The orders of the user's KPI territory within `region`; when that territory is whole
    communities (`prefixes`), written with LIKE so SQLite takes the date or status index."""
    if prefixes is None:
        return _orders(user, region)
    return WorkOrder.objects.order_by().filter(figures.like_q(prefixes))


def enforcement_on_time_rate(*, user, date_from, date_to) -> float | None:
    """执法按期率: of the statutory step deadlines of the cases opened in the period that are
    decided (met, late or overdue), the share met in time — the enforcement module's own
    `case_kpis` summed over its steps; None without such deadlines or without the module."""
    from django.apps import apps

    if not apps.is_installed("yiwang.enforcement"):
        return None
    from yiwang.enforcement.selectors import case_kpis

    steps = case_kpis(user=user, date_from=date_from, date_to=date_to)["on_time"].values()
    met = sum(s["met"] for s in steps)
    decided = sum(s["met"] + s["late"] + s["overdue"] for s in steps)
    return _rate(met, decided)


def overview(*, user, region: str = "", date_from, date_to, now=None) -> dict:
    """Everything the screen (大屏) shows in one call. Over a territory of whole communities the
    period's figures come from the worker's daily figures plus today counted live
    (`figures`); a grid's or a department's are counted live."""
    now = now or timezone.now()
    region = parse_region(region)
    prefixes = figures.stored_prefixes(user, region)
    base = _territory(user, region, prefixes)
    start, end = _bounds(date_from, date_to)
    summary = open_summary(base, now)
    if prefixes is None:
        wo = work_order_kpis(
            user=user, date_from=date_from, date_to=date_to, region=region, now=now
        )
        trends = weekly_trends(user=user, region=region, date_to=date_to)
        top = top_categories(user=user, region=region, start=start, end=end)
    else:
        live: dict = {}  # today, counted once for the three
        wo = figures.kpis(
            prefixes, date_from, date_to, now, overdue_open=summary["overdue"], cache=live
        )
        trends = figures.weekly(prefixes, trend_weeks(date_to), date_to, now, cache=live)
        top = _category_names(figures.top_categories(prefixes, date_from, date_to, now, cache=live))
    approvals = approvals_kpis(user=user, date_from=date_from, date_to=date_to)
    return {
        "region": region,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "generated_at": now.isoformat(),
        "open": summary["open"],
        "overdue": summary["overdue"],
        "archived": wo["archived"],
        "intake_today": intake_today(user=user, region=region, now=now, base=base),
        "kpis": {
            "completion_rate": wo["completion_rate"],
            "on_time_rate": wo["on_time_rate"],
            "avg_workdays_to_archive": wo["avg_workdays_to_archive"],
            "on_spot_rate": wo["on_spot_rate"],
            "in_grid_rate": wo["in_grid_rate"],
            "satisfaction_rate": wo["satisfaction_rate"],
            "patrol_share": _rate(wo["patrol_reported"], wo["reported"]),
            "approvals_completion_rate": approvals and approvals["completion_rate"],
            "approvals_avg_workdays": approvals and approvals["avg_workdays_to_decision"],
            "enforcement_on_time_rate": enforcement_on_time_rate(
                user=user, date_from=date_from, date_to=date_to
            ),
            "workorders": wo,
        },
        "trends": trends,
        "top_categories": top,
        "feed": feed(user=user, region=region, now=now, base=base, summary=summary),
        "incidents": [incident_row(i) for i in incidents_open(user=user)],
        "tasks": [task_progress(t) for t in tasks_recent(user=user, now=now)],
    }


def trend_weeks(date_to: dt.date) -> list[dt.date]:
    last_monday = date_to - dt.timedelta(days=date_to.weekday())
    return [last_monday - dt.timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]


def _category_names(rows) -> list[dict]:
    names = dict(Category.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "name"))
    return [{"category": names.get(pk, ""), "count": n} for pk, n in rows]


def weekly_trends(*, user, region: str, date_to: dt.date) -> dict:
    """Reported and archived per week (Monday-based) for the 8 weeks ending with `date_to`."""
    weeks = trend_weeks(date_to)
    start, end = _bounds(weeks[0], date_to)
    base = _orders(user, region)
    tz = timezone.get_current_timezone()
    edges = [dt.datetime.combine(w, dt.time.min, tzinfo=tz) for w in weeks] + [end]
    series = {}
    # One pass per series with a conditional count per week (a per-row date function would
    # be evaluated in Python on SQLite: far slower over a street's eight weeks).
    for name, field, extra in (
        ("reported", "reported_at", Q()),
        ("archived", "archived_at", Q(status=S.ARCHIVED)),
    ):
        counts = base.filter(extra, **{f"{field}__gte": start, f"{field}__lt": end}).aggregate(
            **{
                f"w{i}": Count("pk", filter=Q(**{f"{field}__gte": lo, f"{field}__lt": hi}))
                for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False))
            }
        )
        series[name] = [counts[f"w{i}"] for i in range(len(weeks))]
    return {"weeks": [w.isoformat() for w in weeks], **series}


def top_categories(*, user, region: str, start, end, limit: int = 8) -> list[dict]:
    rows = list(
        _orders(user, region)
        .filter(reported_at__gte=start, reported_at__lt=end, category__isnull=False)
        .values_list("category_id")
        .annotate(n=Count("*"))
        .order_by("-n")[:limit]
    )
    return _category_names(rows)


def _order_item(order: WorkOrder, kind: str, at) -> dict:
    return {
        "kind": kind,
        "id": order.pk,
        "code": order.code,
        "title": (order.category.name if order.category_id else "") or order.description[:30],
        "text": order.description[:60],
        "at": at.isoformat() if at else None,
        "link": f"/wo/{order.pk}/",
    }


def open_summary(base, now) -> dict:
    """Open and overdue counts and the feed's overdue and urgent picks. Counted in one query;
    the overdue picks read each open status's oldest deadlines by the (status, deadline)
    index and stop at the first few; urgent orders are looked for only when there are any
    (ordering all open orders by report time made SQLite walk the whole year backwards)."""
    opened = base.filter(status__in=WorkOrder.OPEN_STATES)
    counts = opened.aggregate(
        n=Count("*"),
        late=Count("pk", filter=Q(deadline__lt=now)),
        urgent=Count("pk", filter=Q(priority=WorkOrder.Priority.URGENT)),
    )
    late = []
    for status in WorkOrder.OPEN_STATES:
        late += (
            base.filter(status=status, deadline__lt=now)
            .order_by("deadline", "pk")
            .values_list("deadline", "pk")[:FEED_SIZE]
        )
    urgent = []
    if counts["urgent"]:
        urgent = list(
            opened.filter(priority=WorkOrder.Priority.URGENT).values_list("reported_at", "pk")
        )
    late.sort()
    urgent.sort(reverse=True)
    return {
        "open": counts["n"],
        "overdue": counts["late"],
        "overdue_ids": [pk for _, pk in late[:FEED_SIZE]],
        "urgent_ids": [pk for _, pk in urgent[:FEED_SIZE]],
    }


def feed(*, user, region: str = "", now=None, base=None, summary=None) -> list[dict]:
    """New (last 24 h), urgent (open, 紧急) and overdue (open past deadline) orders."""
    now = now or timezone.now()
    base = base if base is not None else _orders(user, region)
    summary = summary or open_summary(base, now)
    picked = WorkOrder.objects.select_related("category").in_bulk(
        summary["overdue_ids"] + summary["urgent_ids"]
    )
    items = [
        _order_item(picked[pk], "overdue", picked[pk].deadline)
        for pk in summary["overdue_ids"]
        if pk in picked
    ]
    items += [
        _order_item(picked[pk], "urgent", picked[pk].reported_at)
        for pk in summary["urgent_ids"]
        if pk in picked
    ]
    base = base.select_related("category")
    since = now - dt.timedelta(hours=24)
    for order in base.filter(reported_at__gte=since).order_by("-reported_at")[:FEED_SIZE]:
        items.append(_order_item(order, "new", order.reported_at))
    seen, unique = set(), []
    for item in items:  # an order shows once, under its most pressing kind
        if item["id"] not in seen:
            seen.add(item["id"])
            unique.append(item)
    return unique


# --- the map: street → community → grid → order -----------------------------------------------


def map_layer(*, user, parent: str = "", now=None, hotspots: bool = False) -> dict:
    """The children of `parent` (default: the user's street(s)) as a GeoJSON FeatureCollection,
    each with its open orders, overdue orders and overdue share (and, with `hotspots`, today's
    热点预警 in it). A grid's children are its open orders (points)."""
    now = now or timezone.now()
    parent = parse_region(parent)
    regions = Region.objects.visible_to(user).filter(is_active=True)
    if parent:
        node = regions.filter(code=parent).first()
        if node is None:
            raise NotFound("区域不存在或无权查看。")
        if node.level == Region.Level.GRID:
            return {
                "type": "FeatureCollection",
                "parent": _region_info(node),
                "level": "order",
                "features": region_orders(user=user, code=node.code, now=now),
            }
        children = regions.filter(parent=node)
    else:
        node = None
        children = regions.filter(level=Region.Level.STREET)
    children = list(children.order_by("code"))
    level = children[0].level if children else ""
    counts = _open_counts(
        user, [c.code for c in children], CODE_LENGTHS.get(level, 15), now, parent
    )
    hotspots = _hotspot_grids(user, parent, now) if hotspots else []
    features = []
    for child in children:
        opened, overdue = counts.get(child.code, (0, 0))
        warned = [w for w in hotspots if w["grid"].startswith(child.code)]
        try:
            geometry = json.loads(child.geojson) if child.geojson else None
        except ValueError:
            geometry = None
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": child.code,
                    "name": child.name,
                    "level": child.level,
                    "open": opened,
                    "overdue": overdue,
                    "overdue_share": _rate(overdue, opened),
                    "hotspots": len(warned),
                    "hotspot_names": sorted({w["category_name"] for w in warned})[:5],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "parent": _region_info(node),
        "level": level,
        "features": features,
    }


def _hotspot_grids(user, region: str, now) -> list[dict]:
    """Today's 热点预警 (triage: a grid × category count abnormally high against its last 28
    days), when the triage pillar is installed."""
    from django.apps import apps

    if not apps.is_installed("yiwang.triage"):
        return []
    from yiwang.triage.selectors import hotspot_list

    return hotspot_list(user=user, day=timezone.localdate(now), region=region)


def _region_info(node) -> dict | None:
    if node is None:
        return None
    return {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "parent": node.parent.code if node.parent_id else None,
    }


def _open_counts(user, codes: list[str], length: int, now, parent: str = "") -> dict:
    """{region code: (open, overdue)} for regions of one level, in one grouped query. Over a
    regional territory the parent's open orders are read by the status index (LIKE on the
    region: the range form makes SQLite walk the region index over the whole street)."""
    if not codes:
        return {}
    prefixes = figures.territory_prefixes(user, parent)
    if prefixes is None:
        base = _orders(user).filter(prefix_range_q("region_code", codes))
    else:
        base = WorkOrder.objects.order_by().filter(figures.like_q(prefixes))
    rows = (
        base.filter(status__in=WorkOrder.OPEN_STATES)
        .annotate(key=Substr("region_code", 1, length))
        .values_list("key")
        .annotate(n=Count("*"), late=Count("pk", filter=Q(deadline__lt=now)))
    )
    return {key: (n, late) for key, n, late in rows}


def region_orders(*, user, code: str, now=None, limit: int = 500) -> list[dict]:
    """The open orders of a grid as GeoJSON points (the last step of the drill-down)."""
    now = now or timezone.now()
    qs = (
        WorkOrder.objects.visible_to(user)
        .filter(prefix_range_q("region_code", [code]), status__in=WorkOrder.OPEN_STATES)
        .select_related("category")
        .order_by("deadline")[:limit]
    )
    out = []
    for order in qs:
        point = (
            {"type": "Point", "coordinates": [order.lon, order.lat]}
            if order.lon is not None and order.lat is not None
            else None
        )
        out.append(
            {
                "type": "Feature",
                "geometry": point,
                "properties": {
                    "id": order.pk,
                    "code": order.code,
                    "category": order.category.name if order.category_id else "",
                    "description": order.description[:80],
                    "status": order.get_status_display(),
                    "sla": order.sla_at(now),
                    "link": f"/wo/{order.pk}/",
                },
            }
        )
    return out


# --- the map's thematic layers: 四色网格 (party) and 亩均效益 classes (economy) ------------------

COLOUR_LABELS = {"red": "红", "yellow": "黄", "blue": "蓝", "green": "绿"}
FIRM_CLASSES = {"A": "A类", "B": "B类", "C": "C类", "D": "D类", "T": "T类（不评价）"}


def _geometry(text: str):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def colour_layer(*, user, region: str = "", month=None) -> dict:
    """The 四色网格 of one month: every grid under `region` (default: the user's territory)
    as a polygon with the colour party stored for it and the facts behind the colour. Grids
    without a stored colour come back with `colour` None (not computed yet)."""
    from yiwang.party.models import FACTS, GridColour

    region = parse_region(region)
    first = month_start(month)
    grids = Region.objects.visible_to(user).filter(level=Region.Level.GRID, is_active=True)
    colours = GridColour.objects.visible_to(user).filter(month=first)
    if region:
        grids = grids.filter(code__startswith=region)
        colours = colours.filter(region_code__startswith=region)
    stored = {c.grid_id: c for c in colours}
    features, tally = [], dict.fromkeys(COLOUR_LABELS, 0)
    for grid in grids.order_by("code"):
        row = stored.get(grid.pk)
        facts = []
        if row is not None:
            tally[row.colour] = tally.get(row.colour, 0) + 1
            facts = [
                {"key": k, "label": label, "value": row.facts.get(k)}
                for k, label in FACTS.items()
                if k in row.facts
            ]
        features.append(
            {
                "type": "Feature",
                "geometry": _geometry(grid.geojson),
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "colour": row.colour if row else None,
                    "colour_display": COLOUR_LABELS.get(row.colour, "") if row else "",
                    "label": row.label if row else "",
                    "facts": facts,
                    "computed_at": row.computed_at.isoformat() if row else None,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "layer": "colour",
        "month": first.strftime("%Y-%m"),
        "region": region,
        "counts": tally,
        "uncoloured": sum(1 for f in features if f["properties"]["colour"] is None),
        "features": features,
    }


def firm_class_layer(*, user, region: str = "") -> dict:
    """The 亩均效益 class of each firm the user may see, from economy's latest current
    evaluation (the newest year's run that is in force), as points coloured A/B/C/D/T."""
    from yiwang.economy.models import EvaluationResult, EvaluationRun, FirmProfile

    region = parse_region(region)
    run = EvaluationRun.objects.filter(is_current=True).order_by("-year", "-id").first()
    if run is None:
        return {"type": "FeatureCollection", "layer": "firms", "year": None, "region": region,
                "counts": dict.fromkeys(FIRM_CLASSES, 0), "without_point": 0,
                "features": []}  # fmt: skip
    firms = FirmProfile.objects.visible_to(user)
    if region:
        firms = firms.filter(grid__code__startswith=region)
    results = (
        EvaluationResult.objects.filter(run=run, firm__in=firms.values("pk"))
        .select_related("firm__entity", "firm__grid")
        .order_by("klass", "rank", "firm_id")
    )
    features, counts, without_point = [], dict.fromkeys(FIRM_CLASSES, 0), 0
    for result in results:
        counts[result.klass] = counts.get(result.klass, 0) + 1
        entity = result.firm.entity
        if entity.lon is None or entity.lat is None:
            without_point += 1
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entity.lon, entity.lat]},
                "properties": {
                    "firm": result.firm_id,
                    "name": entity.name,
                    "class": result.klass,
                    "score": result.score,
                    "rank": result.rank,
                    "grid": result.firm.grid.code,
                    "link": f"/economy/firms/{result.firm_id}/",
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "layer": "firms",
        "year": run.year,
        "region": region,
        "counts": counts,
        "without_point": without_point,
        "features": features,
    }


# --- analysis (分析研判) ------------------------------------------------------------------------

METRICS = {
    "reported": "上报数",
    "archived": "结案数",
    "overdue": "超期数",
    "completion_rate": "办结率",
    "on_time_rate": "按期办结率",
    "satisfaction_rate": "满意率",
    "avg_workdays": "平均结案用时（工作日）",
}
DIMENSIONS = {
    "community": "社区",
    "grid": "网格",
    "department": "部门",
    "category": "事项分类",
    "channel": "来源渠道",
}


def _dimension_key(by: str):
    if by == "community":
        return Substr("region_code", 1, 12)
    if by == "grid":
        return Substr("region_code", 1, 15)
    field = {"department": "primary_department_id", "category": "category_id", "channel": "channel"}
    return F(field[by])


def _metric_rows(base, metric: str, by: str, start, end, now) -> dict:
    """{key: (value, numerator, denominator)} of one metric grouped by one dimension."""
    key = _dimension_key(by)
    grouped = lambda qs: qs.annotate(key=key).values_list("key")  # noqa: E731
    between = lambda f: {f"{f}__gte": start, f"{f}__lt": end}  # noqa: E731
    if metric == "reported":
        rows = grouped(base.filter(**between("reported_at"))).annotate(n=Count("*"))
        return {k: (n, n, None) for k, n in rows}
    if metric == "archived":
        rows = grouped(base.filter(status=S.ARCHIVED, **between("archived_at"))).annotate(
            n=Count("*")
        )
        return {k: (n, n, None) for k, n in rows}
    if metric == "avg_workdays":
        rows = grouped(base.filter(status=S.ARCHIVED, **between("archived_at"))).annotate(
            avg=Avg("archived_workdays"), n=Count("*")
        )
        return {k: (round(a, 2) if a is not None else None, None, n) for k, a, n in rows}
    if metric == "satisfaction_rate":
        good = [WorkOrder.Satisfaction.SATISFIED, WorkOrder.Satisfaction.BASICALLY_SATISFIED]
        rows = grouped(base.exclude(satisfaction="").filter(**between("rated_at"))).annotate(
            n=Count("*"), ok=Count("pk", filter=Q(satisfaction__in=good))
        )
        return {k: (_rate(ok, n), ok, n) for k, n, ok in rows}
    due = base.exclude(status__in=[S.MERGED, S.CANCELLED]).filter(**between("deadline"))
    late = Q(completed_on_time=False) | Q(status__in=WorkOrder.OPEN_STATES, deadline__lt=now)
    rows = grouped(due).annotate(
        n=Count("*"),
        closed=Count("pk", filter=Q(status=S.ARCHIVED)),
        on_time=Count("pk", filter=Q(status=S.ARCHIVED, completed_on_time=True)),
        late=Count("pk", filter=late),
    )
    out = {}
    for k, n, closed, on_time, late_n in rows:
        if metric == "overdue":
            out[k] = (late_n, late_n, n)
        elif metric == "completion_rate":
            out[k] = (_rate(closed, n), closed, n)
        else:
            out[k] = (_rate(on_time, n), on_time, n)
    return out


def _labels(by: str, keys) -> dict:
    keys = [k for k in keys if k not in (None, "")]
    if by in ("community", "grid"):
        return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))
    if by == "department":
        return dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "category":
        return dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(WorkOrder.Channel.choices)


def analysis(
    *,
    user,
    metric: str,
    by: str,
    date_from,
    date_to,
    region: str = "",
    compare_from=None,
    compare_to=None,
    now=None,
) -> dict:
    """One KPI broken down by community, grid, department, category or channel, optionally
    beside the same figure for a second period (`compare_from`/`compare_to`)."""
    if metric not in METRICS:
        raise ValidationFailed(
            f"指标 metric 须为 {'、'.join(METRICS)} 之一。", fields={"metric": list(METRICS)}
        )
    if by not in DIMENSIONS:
        raise ValidationFailed(
            f"维度 by 须为 {'、'.join(DIMENSIONS)} 之一。", fields={"by": list(DIMENSIONS)}
        )
    now = now or timezone.now()
    region = parse_region(region)
    base = _orders(user, region)
    current = _metric_rows(base, metric, by, *_bounds(date_from, date_to), now)
    previous = {}
    if compare_from and compare_to:
        previous = _metric_rows(base, metric, by, *_bounds(compare_from, compare_to), now)
    labels = _labels(by, set(current) | set(previous))
    rows = []
    for key in sorted(set(current) | set(previous), key=lambda k: str(k)):
        value, numerator, denominator = current.get(key, (None, None, None))
        prev = previous.get(key, (None, None, None))[0]
        row = {
            "key": key if key not in (None, "") else "",
            "label": labels.get(key) or ("（未定）" if key in (None, "") else str(key)),
            "value": value if value is not None or metric.endswith(("rate", "workdays")) else 0,
            "numerator": numerator,
            "denominator": denominator,
        }
        if previous or (compare_from and compare_to):
            row["previous"] = prev
            row["change"] = (
                round(value - prev, 4) if value is not None and prev is not None else None
            )
        rows.append(row)
    rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0)))
    return {
        "metric": metric,
        "metric_label": METRICS[metric],
        "by": by,
        "by_label": DIMENSIONS[by],
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "compare_from": compare_from.isoformat() if compare_from else None,
        "compare_to": compare_to.isoformat() if compare_to else None,
        "region": region,
        "rows": rows,
    }


# --- tasks and incidents ----------------------------------------------------------------------


def task_list(*, user):
    return Task.objects.visible_to(user).distinct().order_by("-created_at", "-id")


def tasks_recent(*, user, now=None, limit: int = 10):
    now = now or timezone.now()
    return task_list(user=user).filter(due__gte=now - dt.timedelta(days=7))[:limit]


def task_get(*, user, id) -> Task:  # noqa: A002
    try:
        return task_list(user=user).get(pk=int(id))
    except (Task.DoesNotExist, TypeError, ValueError):
        raise NotFound("任务不存在或无权查看。")


def task_progress(task: Task) -> dict:
    """Expected / confirmed / reported / on time, overall and per grid (DHIS2's reporting
    rates)."""
    rows = list(task.assignments.select_related("grid").order_by("grid__code"))
    A = TaskAssignment.State
    return {
        "id": task.pk,
        "title": task.title,
        "instructions": task.instructions,
        "due": task.due.isoformat(),
        "region": task.region_code,
        "report_fields": task.report_fields,
        "expected": len(rows),
        "confirmed": sum(1 for r in rows if r.state in (A.CONFIRMED, A.REPORTED)),
        "reported": sum(1 for r in rows if r.state == A.REPORTED),
        "on_time": sum(1 for r in rows if r.on_time),
        "assignments": [
            {
                "grid": r.grid.code,
                "grid_name": r.grid.name,
                "state": r.state,
                "state_display": r.get_state_display(),
                "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
                "reported_at": r.reported_at.isoformat() if r.reported_at else None,
                "on_time": r.on_time,
                "note": r.note,
                "values": r.report_values,
                "version": r.version,
            }
            for r in rows
        ],
    }


def grid_choices(*, user):
    """The grids a desk user may send tasks to, with their community, for the form."""
    return (
        Region.objects.visible_to(user)
        .filter(level=Region.Level.GRID, is_active=True)
        .select_related("parent")
        .order_by("code")
    )


def my_assignments(*, user):
    """The grid worker's task assignments (phone page), open ones first."""
    grids = GridWorker.objects.filter(user_id=user.pk, is_active=True).values("region_id")
    return (
        TaskAssignment.objects.filter(grid_id__in=grids)
        .select_related("task", "grid")
        .order_by("state", "task__due")
    )


def plans_for(incident: Incident):
    """The active 预案 that apply to the incident's type."""
    from yiwang.command.models import ContingencyPlan

    return ContingencyPlan.objects.filter(is_active=True).filter(
        Q(incident_type="") | Q(incident_type=incident.type)
    )


def incidents_open(*, user):
    return Incident.objects.visible_to(user).exclude(status=Incident.Status.CLOSED)[:20]


def incident_row(incident: Incident) -> dict:
    link = incident.chain[incident.step] if incident.chain else None
    return {
        "id": incident.pk,
        "code": incident.code,
        "level": incident.level,
        "level_display": incident.get_level_display(),
        "type": incident.type,
        "type_display": incident.get_type_display(),
        "description": incident.description,
        "lon": incident.lon,
        "lat": incident.lat,
        "grid": incident.grid.code if incident.grid_id else None,
        "status": incident.status,
        "status_display": incident.get_status_display(),
        "step": incident.step,
        "current_link": link["label"] if link else None,
        "chain": incident.chain,
        "ack_due_at": incident.ack_due_at.isoformat() if incident.ack_due_at else None,
        "exhausted": incident.exhausted,
        "acknowledged_by": str(incident.acknowledged_by) if incident.acknowledged_by_id else None,
        "acknowledged_at": (
            incident.acknowledged_at.isoformat() if incident.acknowledged_at else None
        ),
        "created_at": incident.created_at.isoformat() if incident.created_at else None,
        "events": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "step": e.step,
                "actor": e.actor_name,
                "note": e.note,
            }
            for e in incident.events.all()
        ],
        "version": incident.version,
    }


# --- assessment (考核) -------------------------------------------------------------------------


COUNT_LABELS = {
    "due": "应结案",
    "closed": "已结案",
    "closed_on_time": "按期结案",
    "dispatched": "派遣",
    "returned": "被退回",
    "reopened": "返工",
    "rated": "评价",
    "satisfied": "满意",
    "patrol_reported": "网格员上报",
    "on_spot": "现场处置",
    "handled": "已处置",
    "in_grid": "网格内解决",
    "tasks_expected": "应回报任务",
    "tasks_on_time": "按时回报",
}


def weights_for(kind: str) -> dict:
    row = AssessmentScheme.objects.filter(kind=kind).first()
    return dict(row.weights) if row else dict(DEFAULT_WEIGHTS[kind])


def _score(facts: dict, weights: dict) -> float | None:
    """Σ weight × fact over the facts that have data, rescaled to the weights in use
    (a fact without data neither rewards nor punishes), on 0–100."""
    used = {k: w for k, w in weights.items() if facts.get(k) is not None and w}
    total = sum(used.values())
    if not total:
        return None
    return round(sum(facts[k] * w for k, w in used.items()) / total * 100, 1)


def _department_facts(user, department: OrgUnit, first, last) -> dict:
    kpis = work_order_kpis(user=user, date_from=first, date_to=last, department=department.pk)
    start, end = _bounds(first, last)
    dispatched = WorkOrder.objects.filter(
        primary_department=department, dispatched_at__gte=start, dispatched_at__lt=end
    ).aggregate(
        n=Count("*"),
        returned=Count("pk", filter=Q(return_count__gt=0)),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
    )
    n = dispatched["n"]
    return {
        "values": {
            "on_time_rate": kpis["on_time_rate"],
            "completion_rate": kpis["completion_rate"],
            "no_return_rate": _rate(n - dispatched["returned"], n),
            "no_reopen_rate": _rate(n - dispatched["reopened"], n),
            "satisfaction_rate": kpis["satisfaction_rate"],
        },
        "counts": {
            "due": kpis["due"],
            "closed": kpis["closed"],
            "closed_on_time": kpis["closed_on_time"],
            "dispatched": n,
            "returned": dispatched["returned"],
            "reopened": dispatched["reopened"],
            "rated": kpis["rated"],
            "satisfied": kpis["satisfied"],
        },
        "orders": f"/api/v1/workorders/?department={department.pk}",
    }


def _grid_worker_facts(user, worker: GridWorker, first, last) -> dict:
    code = worker.region.code
    kpis = work_order_kpis(user=user, date_from=first, date_to=last, region=code)
    start, end = _bounds(first, last)
    tasks = TaskAssignment.objects.filter(
        grid=worker.region, task__due__gte=start, task__due__lt=end
    )
    expected = tasks.count()
    on_time = tasks.filter(on_time=True).count()
    return {
        "values": {
            "on_spot_rate": kpis["on_spot_rate"],
            "in_grid_rate": kpis["in_grid_rate"],
            "task_on_time_rate": _rate(on_time, expected),
            "satisfaction_rate": kpis["satisfaction_rate"],
        },
        "counts": {
            "patrol_reported": kpis["patrol_reported"],
            "on_spot": kpis["on_spot"],
            "handled": kpis["handled"],
            "in_grid": kpis["in_grid"],
            "tasks_expected": expected,
            "tasks_on_time": on_time,
            "rated": kpis["rated"],
            "satisfied": kpis["satisfied"],
        },
        "orders": f"/api/v1/workorders/?grid={code}",
    }


class _SystemReader:
    """The worker reads as the system when it stores a month: every row (a global scope)."""

    pk = None
    is_authenticated = True
    is_superuser = True
    _data_scope = DataScope(user_id=0, is_global=True)

    def has_role(self, *roles) -> bool:
        return True


SYSTEM = _SystemReader()


def _check_kind(kind: str) -> None:
    if kind not in ASSESSMENT_FACTS:
        raise ValidationFailed(
            "考核对象 kind 须为 department 或 grid_worker。",
            fields={"kind": list(ASSESSMENT_FACTS)},
        )


def _assessed_departments(scope):
    units = OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, is_active=True)
    if not scope.is_global:
        q = Q(pk__in=scope.department_ids)
        for prefix in scope.region_prefixes:
            q |= Q(parent__region_code__startswith=prefix)
        units = units.filter(q)
    return units.order_by("code")


def _assessed_workers(scope):
    workers = GridWorker.objects.filter(is_active=True, user__isnull=False).select_related(
        "region", "user"
    )
    if not scope.is_global:
        workers = workers.filter(scope.region_q("region__code"))
    return workers.order_by("region__code")


def _rank(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank if row["score"] is not None else None
    return rows


def _envelope(month: str, kind: str, weights: dict, rows: list[dict], snapshot=None) -> dict:
    labels = ASSESSMENT_FACTS[kind]
    return {
        "month": month,
        "kind": kind,
        "weights": weights,
        "weights_display": [(labels[k], w) for k, w in weights.items() if k in labels],
        "stored": snapshot is not None,
        "stored_at": snapshot.stored_at.isoformat() if snapshot else None,
        "rows": rows,
    }


def assessment_compute(*, user, month: str, kind: str) -> dict:
    """The month's ranking computed now from the facts (live), each score with its facts."""
    _check_kind(kind)
    first, last = month_bounds(month)
    weights = weights_for(kind)
    scope = data_scope(user)
    rows = []
    if kind == "department":
        for unit in _assessed_departments(scope):
            facts = _department_facts(user, unit, first, last)
            rows.append({"id": unit.pk, "name": unit.name, **facts})
    else:
        for worker in _assessed_workers(scope):
            facts = _grid_worker_facts(user, worker, first, last)
            rows.append(
                {
                    "id": worker.user_id,
                    "name": worker.name,
                    "grid": worker.region.code,
                    "grid_name": worker.region.name,
                    **facts,
                }
            )
    labels = ASSESSMENT_FACTS[kind]
    for row in rows:
        row["counts_display"] = [(COUNT_LABELS.get(k, k), v) for k, v in row["counts"].items()]
        row["score"] = _score(row["values"], weights)
        row["facts"] = [
            {"key": k, "label": labels[k], "value": row["values"][k], "weight": weights.get(k, 0)}
            for k in labels
        ]
    return _envelope(month, kind, weights, _rank(rows))


def assessment_snapshot(*, kind: str, month: str):
    from yiwang.command.models import AssessmentSnapshot

    return AssessmentSnapshot.objects.filter(kind=kind, month=month_bounds(month)[0]).first()


def _visible_rows(user, kind: str, rows: list[dict]) -> list[dict]:
    """The stored rows of the reader's territory, ranked among themselves (as live)."""
    scope = data_scope(user)
    if scope.is_global:
        return [dict(r) for r in rows]
    if kind == "department":
        ids = set(_assessed_departments(scope).values_list("pk", flat=True))
    else:
        ids = set(_assessed_workers(scope).values_list("user_id", flat=True))
    return _rank([dict(r) for r in rows if r["id"] in ids])


def assessment_rows(*, user, month: str, kind: str) -> dict:
    """The month's ranking of departments or grid workers, each score with its facts: the
    stored snapshot when the month has been frozen (`stored`, `stored_at`, the weights it
    used), otherwise computed live from the facts (the current month, or a past month the
    worker has not stored yet)."""
    _check_kind(kind)
    month_bounds(month)
    snapshot = assessment_snapshot(kind=kind, month=month)
    if snapshot is None:
        return assessment_compute(user=user, month=month, kind=kind)
    rows = _visible_rows(user, kind, snapshot.rows)
    return _envelope(month, kind, dict(snapshot.weights), rows, snapshot)
