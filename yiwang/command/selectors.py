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
from yiwang.accounts.scope import data_scope
from yiwang.command.models import (
    ASSESSMENT_FACTS,
    DEFAULT_WEIGHTS,
    AssessmentScheme,
    Incident,
    Task,
    TaskAssignment,
)
from yiwang.core.errors import NotFound, ValidationFailed
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


def intake_today(*, user, region: str = "", now=None) -> dict:
    now = now or timezone.now()
    start, end = _bounds(timezone.localdate(now), timezone.localdate(now))
    counts = dict.fromkeys(WorkOrder.Channel.values, 0)
    rows = (
        _orders(user, region)
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


def overview(*, user, region: str = "", date_from, date_to, now=None) -> dict:
    """Everything the screen (大屏) shows in one call."""
    now = now or timezone.now()
    region = parse_region(region)
    base = _orders(user, region)
    start, end = _bounds(date_from, date_to)
    open_qs = base.filter(status__in=WorkOrder.OPEN_STATES)
    wo = work_order_kpis(user=user, date_from=date_from, date_to=date_to, region=region, now=now)
    approvals = approvals_kpis(user=user, date_from=date_from, date_to=date_to)
    return {
        "region": region,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "generated_at": now.isoformat(),
        "open": open_qs.count(),
        "overdue": open_qs.filter(deadline__lt=now).count(),
        "archived": base.filter(
            status=S.ARCHIVED, archived_at__gte=start, archived_at__lt=end
        ).count(),
        "intake_today": intake_today(user=user, region=region, now=now),
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
            "enforcement_on_time_rate": None,  # the enforcement module does not exist yet
            "workorders": wo,
        },
        "trends": weekly_trends(user=user, region=region, date_to=date_to),
        "top_categories": top_categories(user=user, region=region, start=start, end=end),
        "feed": feed(user=user, region=region, now=now),
        "incidents": [incident_row(i) for i in incidents_open(user=user)],
        "tasks": [task_progress(t) for t in tasks_recent(user=user, now=now)],
    }


def weekly_trends(*, user, region: str, date_to: dt.date) -> dict:
    """Reported and archived per week (Monday-based) for the 8 weeks ending with `date_to`."""
    last_monday = date_to - dt.timedelta(days=date_to.weekday())
    weeks = [last_monday - dt.timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
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
    names = dict(Category.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "name"))
    return [{"category": names.get(pk, ""), "count": n} for pk, n in rows]


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


def feed(*, user, region: str = "", now=None) -> list[dict]:
    """New (last 24 h), urgent (open, 紧急) and overdue (open past deadline) orders."""
    now = now or timezone.now()
    base = _orders(user, region).select_related("category")
    opened = base.filter(status__in=WorkOrder.OPEN_STATES)
    items = []
    for order in opened.filter(deadline__lt=now).order_by("deadline")[:FEED_SIZE]:
        items.append(_order_item(order, "overdue", order.deadline))
    for order in opened.filter(priority=WorkOrder.Priority.URGENT).order_by("-reported_at")[
        :FEED_SIZE
    ]:
        items.append(_order_item(order, "urgent", order.reported_at))
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
    counts = _open_counts(user, [c.code for c in children], CODE_LENGTHS.get(level, 15), now)
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


def _open_counts(user, codes: list[str], length: int, now) -> dict:
    """{region code: (open, overdue)} for regions of one level, in one grouped query."""
    if not codes:
        return {}
    rows = (
        _orders(user)
        .filter(prefix_range_q("region_code", codes), status__in=WorkOrder.OPEN_STATES)
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


def parse_month(value) -> tuple[dt.date, dt.date]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", (value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed("月份 month 须为 YYYY-MM。", fields={"month": ["格式 YYYY-MM"]})
    first = dt.date(int(match.group(1)), int(match.group(2)), 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


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


def assessment_rows(*, user, month: str, kind: str) -> dict:
    """The month's ranking of departments or grid workers, each score with its facts."""
    if kind not in ASSESSMENT_FACTS:
        raise ValidationFailed(
            "考核对象 kind 须为 department 或 grid_worker。",
            fields={"kind": list(ASSESSMENT_FACTS)},
        )
    first, last = parse_month(month)
    weights = weights_for(kind)
    scope = data_scope(user)
    rows = []
    if kind == "department":
        units = OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, is_active=True)
        if not scope.is_global:
            q = Q(pk__in=scope.department_ids)
            for prefix in scope.region_prefixes:
                q |= Q(parent__region_code__startswith=prefix)
            units = units.filter(q)
        for unit in units.order_by("code"):
            facts = _department_facts(user, unit, first, last)
            rows.append({"id": unit.pk, "name": unit.name, **facts})
    else:
        workers = GridWorker.objects.filter(is_active=True, user__isnull=False).select_related(
            "region", "user"
        )
        if not scope.is_global:
            workers = workers.filter(scope.region_q("region__code"))
        for worker in workers.order_by("region__code"):
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
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank if row["score"] is not None else None
    return {
        "month": month,
        "kind": kind,
        "weights": weights,
        "weights_display": [(labels[k], w) for k, w in weights.items() if k in labels],
        "rows": rows,
    }
