"""Every read of work orders, already scoped to the asking user (`visible_to`)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import can_proceed

from yiwang.accounts.models import Role
from yiwang.accounts.scope import access_or_404
from yiwang.core.errors import ValidationFailed
from yiwang.workorders.filters import WorkOrderFilter
from yiwang.workorders.models import (
    AssistTask,
    Category,
    ExtensionRequest,
    ResponsibilityRule,
    WorkOrder,
    WorkOrderEvent,
)

S = WorkOrder.Status


def supporter_count():
    """`supporter_count` of an order (我也遇到) as a correlated subquery: no GROUP BY over the
    list's joins, one index lookup (workorders_one_support_each) per row of the page."""
    from yiwang.workorders.models import WorkOrderSupporter

    rows = (
        WorkOrderSupporter.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def work_order_list(*, user, filters=None, request=None):
    """Orders the user may see, filtered (status, grid, department, category, sla, q, …),
    newest first, each with its `supporter_count`."""
    qs = WorkOrder.objects.visible_to(user).select_related("category", "primary_department", "grid")
    if filters:
        fs = WorkOrderFilter(filters, queryset=qs, request=request)
        if not fs.is_valid():
            fields = {k: [str(m) for m in v] for k, v in fs.errors.items()}
            first = next(iter(fields.values()))[0] if fields else "查询条件有误。"
            raise ValidationFailed(f"查询条件有误：{first}", fields=fields)
        qs = fs.qs
    return qs.annotate(supporter_count=supporter_count()).order_by("-reported_at", "-id")


def work_order_get(*, user, id) -> WorkOrder:  # noqa: A002 (the conventions' name)
    """One order with its timeline, photos, sub-tasks and extension requests (404 if the user
    may not see it)."""
    qs = (
        WorkOrder.objects.select_related(
            "category",
            "category__parent",
            "primary_department",
            "grid",
            "rule",
            "merged_into",
            "reporter",
        )
        .prefetch_related(
            "reporter__memberships",
            Prefetch("events", queryset=WorkOrderEvent.objects.prefetch_related("attachments")),
            "photos",
            Prefetch("assist_tasks", queryset=AssistTask.objects.select_related("department")),
            Prefetch("extensions", queryset=ExtensionRequest.objects.order_by("requested_at")),
        )
        .annotate(supporter_count=supporter_count())
    )
    return access_or_404(qs, user=user, message="工单不存在或无权查看。", pk=id)


def work_order_as_created(order: WorkOrder) -> WorkOrder:
    """The order `work_order_create` just returned, ready for the detail serialiser without
    reading it back: its timeline, photos and sub-tasks are the rows intake wrote
    (`order.intake_rows`), in the order the detail reads them (each model's `Meta.ordering`); a
    new order has no extension request and no supporter yet.

    No scope check here: use it only to answer the reporter, who always sees what they reported
    (`WorkOrder.scope_q`)."""
    rows = order.intake_rows
    attachments: dict[int, list] = {}
    for photo in rows.photos:
        attachments.setdefault(photo.event_id, []).append(photo)
    for event in rows.events:
        event._prefetched_objects_cache = {"attachments": attachments.get(event.pk, [])}
    order._prefetched_objects_cache = {
        "events": sorted(rows.events, key=lambda e: (e.at, e.pk)),
        "photos": sorted(rows.photos, key=lambda p: (p.uploaded_at, p.pk)),
        "assist_tasks": sorted(rows.tasks, key=lambda t: (t.created_at, t.pk)),
        "extensions": [],
    }
    order.supporter_count = 0
    return order


def work_order_actions(*, user, order: WorkOrder) -> list[str]:
    """The actions this user may try on this order now (role and state; the version and the
    input are checked when the action is called). For pages: which buttons to show."""
    from yiwang.workorders import services as sv

    if not getattr(user, "is_authenticated", False):
        return []
    dispatcher = sv._is_dispatcher(user)
    staff = sv._is_staff_of(user, order.primary_department_id)
    reporter = order.reporter_id == user.pk
    checks = [
        ("dispatch", dispatcher, order.mark_dispatched),
        ("accept", staff, order.mark_accepted),
        ("return", staff, order.mark_returned),
        ("assist", staff, order.mark_assist),
        ("extend", staff, order.mark_extend_requested),
        ("complete", staff, order.mark_completed),
        ("verify", dispatcher, order.mark_archived),
        ("reopen", dispatcher, order.mark_reopened),
        ("supervise", dispatcher or user.has_role(Role.LEADER), order.mark_supervised),
        ("resolve_on_spot", sv._is_grid_worker_of(user, order), order.mark_resolved_on_spot),
        ("merge", dispatcher, order.mark_merged),
        ("cancel", dispatcher or reporter, order.mark_cancelled),
        ("rate", sv.may_rate(user, order), order.mark_rated),
    ]
    allowed = [name for name, ok, method in checks if ok and can_proceed(method)]
    pending = any(e.status == ExtensionRequest.Status.PENDING for e in order.extensions.all())
    if "extend" in allowed and pending:
        allowed.remove("extend")
    if dispatcher and pending and can_proceed(order.mark_extend_decided):
        allowed.append("extend_decide")
    if "rate" in allowed and order.rated_at and order.completed_at:
        if order.rated_at >= order.completed_at:
            allowed.remove("rate")
    if "resolve_on_spot" in allowed:
        rule = sv.find_rule(order.category, order.region_code) if order.category_id else None
        if order.category_id and (rule is None or not rule.on_spot_allowed):
            allowed.remove("resolve_on_spot")
    return allowed


# --- categories and the responsibility list ---------------------------------------------------


def _rule_dict(rule: ResponsibilityRule | None) -> dict | None:
    if rule is None:
        return None
    return {
        "id": rule.pk,
        "version": rule.version,
        "region_prefix": rule.region_prefix,
        "primary_department": {
            "id": rule.primary_department_id,
            "name": rule.primary_department.name,
        },
        "cooperating_departments": [
            {"id": d.pk, "name": d.name} for d in rule.cooperating_departments.all()
        ],
        "limit_value": rule.limit_value,
        "limit_unit": rule.limit_unit,
        "limit_display": rule.limit_display,
        "urgent_limit_value": rule.urgent_limit_value,
        "on_spot_allowed": rule.on_spot_allowed,
    }


def category_tree(*, region_code: str = "", include_inactive: bool = False) -> list[dict]:
    """The two-level category tree, each small class with the rule that applies at
    `region_code` (longest matching prefix; "" = rules for the whole jurisdiction)."""
    cats = Category.objects.all() if include_inactive else Category.objects.filter(is_active=True)
    cats = list(cats.order_by("sort_order", "code"))
    rules = (
        ResponsibilityRule.objects.filter(is_current=True)
        .select_related("primary_department")
        .prefetch_related("cooperating_departments")
    )
    best: dict[int, ResponsibilityRule] = {}
    for rule in rules:
        if not region_code.startswith(rule.region_prefix):
            continue
        held = best.get(rule.category_id)
        if held is None or len(rule.region_prefix) > len(held.region_prefix):
            best[rule.category_id] = rule
    by_parent: dict[int, list] = {}
    for cat in cats:
        if cat.parent_id:
            by_parent.setdefault(cat.parent_id, []).append(cat)
    tree = []
    for cat in cats:
        if cat.parent_id:
            continue
        tree.append(
            {
                "code": cat.code,
                "name": cat.name,
                "parent": None,
                "kind": cat.kind,
                "is_local_extension": cat.is_local_extension,
                "children": [
                    {
                        "code": child.code,
                        "name": child.name,
                        "parent": cat.code,
                        "kind": child.kind,
                        "is_local_extension": child.is_local_extension,
                        "rule": _rule_dict(best.get(child.pk)),
                    }
                    for child in by_parent.get(cat.pk, [])
                ],
            }
        )
    return tree


def responsibility_rule_list(*, category: str = "", current_only: bool = True):
    qs = ResponsibilityRule.objects.select_related(
        "category", "primary_department"
    ).prefetch_related("cooperating_departments")
    if current_only:
        qs = qs.filter(is_current=True)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    return qs.order_by("category__code", "region_prefix", "-version")


# --- KPIs -------------------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def kpi_scope_q(user) -> Q | None:
    """Which orders count in a user's KPIs: the territory they answer for — everything for
    global roles, their street/community (by region code) for street roles, their grids for
    grid workers, their department's orders (as primary) for department staff, otherwise the
    orders they reported. None = no restriction. (Orders a leader merely reported or follows
    elsewhere do not count towards the territory's figures.)"""
    from yiwang.accounts.scope import data_scope

    scope = data_scope(user)
    if scope.is_global:
        return None
    if scope.is_anonymous:
        return Q(pk__in=[])
    if scope.region_prefixes:
        return prefix_range_q("region_code", scope.region_prefixes)
    if scope.department_ids and scope.roles & {Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER}:
        return Q(primary_department_id__in=scope.department_ids)
    if scope.grid_codes:
        return prefix_range_q("region_code", scope.grid_codes)
    return Q(reporter_id=scope.user_id)


def prefix_range_q(field: str, prefixes) -> Q:
    """`field` starts with one of the (digit) prefixes, written as a range
    (`code >= '320576052' AND code < '320576053'`): the same rows as LIKE 'p%' for region
    codes, but a plain comparison per row and usable by a B-tree index on PostgreSQL."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        if not prefix:
            return Q()
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        q |= Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return q


def work_order_kpis(
    *,
    user,
    date_from: dt.date,
    date_to: dt.date,
    region: str = "",
    department: int | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """The figures of the monthly report (seeds 002, 004; reference.md §1.4) over the orders of
    the user's territory (`kpi_scope_q`), for the local-date period [date_from, date_to] (both
    inclusive).

    Definitions (each rate is a fraction 0–1 rounded to 4 places, None when its denominator is 0):

    - `by_status`, `reported`: orders *reported* in the period, by their current status.
    - `due` (应结案数): orders whose *deadline* fell in the period (merged and cancelled ones
      excluded) — not all orders filed (reference.md §1.4, the 天门 report).
    - `closed` (结案数): of those, the ones archived (核查结案) by now.
    - `closed_on_time` (按期结案数): of those, the ones whose (last) handling was completed by
      the deadline.
    - `completion_rate` (办结率 / 结案率) = closed ÷ due;
      `on_time_rate` (按期办结率) = closed_on_time ÷ due.
    - `overdue` (超期数): due orders handled late or still open past their deadline;
      `overdue_open`: open orders past their deadline now, whatever the period.
    - `avg_workdays_to_archive`: mean working days (office time on the official calendar) from
      report to archive of the orders archived in the period; precomputed on the order at
      verification (`archived_workdays`), so this is one SQL AVG.
    - `on_spot_rate` (现场处置率) = orders reported by grid workers (channels grid_worker, patrol)
      in the period and resolved on the spot by the grid worker ÷ orders reported by grid workers.
    - `in_grid_rate` (网格内解决率) = orders reported in the period and handled (completed or
      archived) without leaving the grid — resolved on the spot, or handled by a community
      (社区) as primary — ÷ orders reported in the period and handled.
    - `satisfaction_rate` (满意率) = (satisfied + basically satisfied) ÷ ratings given in the
      period.
    - `supported_orders` (有附议的工单数): orders reported in the period that at least one other
      resident joined with 我也遇到; `supporters` (附议人次): their 我也遇到 in total (each counts
      once per order, never as an order: `reported` does not include them).

    Filters: `region` (a grid, community or street code: prefix match), `department` (the
    primary department's id). Six small GROUP BY / aggregate queries, each on one indexed
    date column, so a street's year (300,000 orders) answers in well under a second on
    PostgreSQL (`yiwang bench kpis`).
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if end <= start:
        raise ValidationFailed("结束日期不能早于开始日期。", fields={"to": ["须不早于 from"]})
    base = WorkOrder.objects.order_by()
    scope = kpi_scope_q(user)
    if scope is not None:
        base = base.filter(scope)
    if region:
        base = base.filter(prefix_range_q("region_code", [region]))
    if department:
        base = base.filter(primary_department_id=department)

    def period(field):
        return base.filter(**{f"{field}__gte": start, f"{field}__lt": end})

    patrol_channels = {WorkOrder.Channel.GRID_WORKER, WorkOrder.Channel.PATROL}
    by_status = dict.fromkeys(S.values, 0)
    reported = patrol = on_spot = handled = in_grid = 0
    for status, channel, spot, grid, n in (
        period("reported_at")
        .values_list("status", "channel", "resolved_on_spot", "resolved_in_grid")
        .annotate(n=Count("*"))
    ):
        reported += n
        by_status[status] = by_status.get(status, 0) + n
        if channel in patrol_channels:
            patrol += n
            on_spot += n if spot else 0
        if status in WorkOrder.DONE_STATES:
            handled += n
            in_grid += n if grid else 0

    due = closed = closed_on_time = overdue = 0
    for status, on_time, past, n in (
        period("deadline")
        .exclude(status__in=[S.MERGED, S.CANCELLED])
        .annotate(past=ExpressionWrapper(Q(deadline__lt=now), output_field=BooleanField()))
        .values_list("status", "completed_on_time", "past")
        .annotate(n=Count("*"))
    ):
        due += n
        if status == S.ARCHIVED:
            closed += n
            closed_on_time += n if on_time else 0
        if on_time is False or (status in WorkOrder.OPEN_STATES and past):
            overdue += n

    archived_row = (
        period("archived_at")
        .filter(status=S.ARCHIVED)
        .aggregate(n=Count("*"), avg=Avg("archived_workdays"))
    )  # COUNT(*), not COUNT(id): every column read is in the covering index
    satisfied = rated = 0
    for satisfaction, n in (
        period("rated_at")
        .exclude(satisfaction="")
        .values_list("satisfaction")
        .annotate(n=Count("*"))
    ):
        rated += n
        if satisfaction in (
            WorkOrder.Satisfaction.SATISFIED,
            WorkOrder.Satisfaction.BASICALLY_SATISFIED,
        ):
            satisfied += n
    overdue_open = base.filter(status__in=WorkOrder.OPEN_STATES, deadline__lt=now).count()
    support = _support_figures(period("reported_at"))
    avg = archived_row["avg"]
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "reported": reported,
        "by_status": by_status,
        "due": due,
        "closed": closed,
        "closed_on_time": closed_on_time,
        "completion_rate": _rate(closed, due),
        "on_time_rate": _rate(closed_on_time, due),
        "overdue": overdue,
        "overdue_open": overdue_open,
        "archived": archived_row["n"],
        "avg_workdays_to_archive": round(avg, 2) if avg is not None else None,
        "patrol_reported": patrol,
        "on_spot": on_spot,
        "on_spot_rate": _rate(on_spot, patrol),
        "handled": handled,
        "in_grid": in_grid,
        "in_grid_rate": _rate(in_grid, handled),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": _rate(satisfied, rated),
        "supported_orders": support["orders"],
        "supporters": support["supporters"],
    }


def _support_figures(orders) -> dict:
    """我也遇到 on `orders`: {"orders": how many have a supporter, "supporters": how many}."""
    from yiwang.workorders.models import WorkOrderSupporter

    return WorkOrderSupporter.objects.filter(order__in=orders.values("pk")).aggregate(
        orders=Count("order", distinct=True), supporters=Count("*")
    )


# --- the resident's report: 我也遇到 and the category picker ------------------------------------

NEARBY_LIMIT = 5
_LONG_NUMBER = re.compile(r"\d{7,}")


def _public_text(text: str, limit: int = 60) -> str:
    """An order's description as another resident may read it: short, long numbers (phones,
    ID numbers) masked."""
    text = _LONG_NUMBER.sub(lambda m: m.group()[:3] + "****", " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Channels whose orders other residents never see nearby: a firm's request (企业诉求) is the
# firm's business with the government (用地、融资、用工), not a public problem of the street.
RESIDENT_HIDDEN_CHANNELS = (WorkOrder.Channel.ENTERPRISE,)


def resident_nearby_orders():
    """The orders any resident may be shown near a point (我也遇到) and may support: open, with a
    point, on a public channel. Deliberately not `visible_to`: the list shows only the public
    summary of `nearby_similar_orders`, never who reported."""
    return (
        WorkOrder.objects.filter(
            status__in=WorkOrder.OPEN_STATES, lon__isnull=False, lat__isnull=False
        )
        .exclude(channel__in=RESIDENT_HIDDEN_CHANNELS)
        .order_by()
    )


def nearby_similar_orders(*, user, description: str, lon, lat) -> list[dict]:
    """我也遇到: open orders near the point with similar text (the duplicate check of intake,
    `intake.find_duplicates`, read through its hook), as any resident may see them: category,
    state, a short masked description, distance and supporters, never who reported it. The
    user's own orders and those they already support are marked."""
    from yiwang.workorders import intake

    text = (description or "").strip()
    if not text or lon is None or lat is None:
        return []
    found = intake.find_duplicates(description=text, lon=lon, lat=lat, reported_at=timezone.now())[
        :NEARBY_LIMIT
    ]
    if not found:
        return []
    orders = {
        o.pk: o
        for o in resident_nearby_orders()
        .filter(pk__in=[pk for pk, _, _ in found])
        .select_related("category")
        .annotate(n_supporters=Count("supporters", distinct=True))
    }
    supported = set(
        user.supported_work_orders.filter(order_id__in=orders).values_list("order_id", flat=True)
    ) if getattr(user, "is_authenticated", False) else set()  # fmt: skip
    rows = []
    for pk, similarity, metres in found:
        order = orders.get(pk)
        if order is None:
            continue
        rows.append(
            {
                "id": order.pk,
                "code": order.code,
                "category": order.category.name if order.category_id else "",
                "status": order.get_status_display(),
                "description": _public_text(order.description),
                "reported_at": order.reported_at,
                "distance_m": round(metres),
                "similarity": round(similarity, 2),
                "supporters": order.n_supporters,
                "mine": order.reporter_id == getattr(user, "pk", None),
                "supported": order.pk in supported,
            }
        )
    return rows


# 居民常用分类: the everyday problems a resident reports, each with an icon (drawn by
# templates/workorders/_cat_icon.html under its key) and the small classes it files under (the
# first that exists and is active is used). (key, label, codes)
EVERYDAY_CATEGORIES = [
    ("garbage", "垃圾满溢/暴露垃圾", ["06042", "03005", "06010"]),
    ("clutter", "乱堆杂物/楼道堆物", ["06036"]),
    ("stall", "占道摆摊/店外经营", ["09006", "09005"]),
    ("parking", "车辆乱停/占消防通道", ["09009", "09010", "09012"]),
    ("manhole", "井盖缺失/松动", ["01023", "01003", "01002", "01001"]),
    ("streetlight", "路灯不亮", ["01037"]),
    ("fire", "消防设施/消火栓", ["01013"]),
    ("traffic", "交通设施/信号灯/护栏", ["02014", "02010", "02017"]),
    ("road", "道路破损/盲道缺损", ["06013", "06051", "02034"]),
    ("noise", "噪声/油烟扰民", ["06028", "06027"]),
    ("ads", "小广告", ["07001"]),
    ("building", "违法搭建", ["06001"]),
    ("tree", "树木倒伏/绿化", ["04002", "06017"]),
    ("garage", "车库住人/群租", ["90001", "90002"]),
]


def everyday_categories() -> list[dict]:
    """The short list of everyday categories for residents: [{"key", "label", "code", "name"}],
    each bound to the first of its codes that is an active small class."""
    codes = {c for _, _, cs in EVERYDAY_CATEGORIES for c in cs}
    active = dict(
        Category.objects.filter(code__in=codes, is_active=True, parent__isnull=False).values_list(
            "code", "name"
        )
    )
    rows = []
    for key, label, candidates in EVERYDAY_CATEGORIES:
        code = next((c for c in candidates if c in active), None)
        if code is not None:
            rows.append({"key": key, "label": label, "code": code, "name": active[code]})
    return rows


# --- the offline base map and address suggestions -------------------------------------------------

HOUSES_MAX_SPAN = 0.03  # degrees (about 3 km): buildings only when zoomed in that far
HOUSES_LIMIT = 1500


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    try:
        values = [float(v) for v in str(text or "").split(",")]
    except ValueError:
        return None
    if len(values) != 4:
        return None
    min_lon, min_lat, max_lon, max_lat = values
    ok = -180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90
    return (min_lon, min_lat, max_lon, max_lat) if ok else None


def map_base(*, bbox: str = "", regions: bool = True) -> dict:
    """The base map drawn without tiles (底图): {"regions": [{"code", "official_code", "name",
    "level", "kind", "geometry"}], "houses": [...], "houses_note"}.

    Outlines of streets, communities and grids are public boundaries (posted by regulation), so
    every signed-in user gets them. Buildings of the 房屋库 come only for a small bbox (zoomed
    in) and only as building points (address without room, no household, no person:
    `basedata.selectors.building_points`)."""
    import json

    from yiwang.basedata.selectors import building_points
    from yiwang.grids.models import Region

    outlines = []
    rows = (
        Region.objects.filter(is_active=True)
        .exclude(geojson="")
        .order_by("code")
        .values_list("code", "official_code", "name", "level", "kind", "geojson")
    )
    for code, official, name, level, kind, text in rows if regions else ():
        try:
            geometry = json.loads(text)
        except ValueError:
            continue
        outlines.append(
            {
                "code": code,
                "official_code": official,
                "name": name,
                "level": level,
                "kind": kind,
                "geometry": geometry,
            }
        )
    box = _bbox(bbox)
    houses, note = [], "放大地图后显示房屋"
    if (
        box is not None
        and (box[2] - box[0]) <= HOUSES_MAX_SPAN
        and (box[3] - box[1]) <= HOUSES_MAX_SPAN
    ):
        houses = building_points(bbox=box, limit=HOUSES_LIMIT)
        note = ""
    return {"regions": outlines, "houses": houses, "houses_note": note}


def address_suggestions(address: str) -> list[dict]:
    """Points for an address typed without one (地址匹配): the 房屋库's buildings that match,
    best first, each with the grid it falls in."""
    from yiwang.basedata.selectors import address_match
    from yiwang.workorders.locating import locate_point

    rows = []
    for match in address_match(address, limit=5):
        if match["score"] < 0.3:
            continue
        found = locate_point(match["lon"], match["lat"])
        rows.append(match | {"grid": found.grid.name if found and found.grid else ""})
    return rows
