"""The screen's work-order figures over long periods (issue 13 item 10: a street's year in
under a second, on SQLite too).

A year of a street is ~300,000 orders; SQLite has no covering (INCLUDE) indexes, so every KPI
query over a year reads every order (~2 µs a row): five of them take seconds. The figures of
*closed days* never need those reads again: the worker (`services.figures.order_figures_rebuild`,
every few minutes) counts every order once per community and day into `OrderDayFigures` and
`OrderDayCategory`, on the day of each timestamp exactly as `workorders.selectors.
work_order_kpis` counts it, and records up to which day the counts hold (`OrderFiguresBuild.
through`, the day before the build). A period then reads the stored days (a year: ~11,000 rows
for 30 communities) and counts only the days after `through` (today) live. The result equals a
recount (tests/test_figures.py) as of the last build: a change to an *older* order (a late
archive of an order due last month) shows after the next build, at most one worker period.

The stored days answer for territories made of whole communities (the street, a community,
global roles); a grid, a department's or a resident's territory is small and counted live by
`work_order_kpis`.

The live part filters by region with LIKE (`startswith`) rather than the range form of
`prefix_range_q`: on SQLite the range makes the planner walk the region index over the whole
street instead of the date index of a day (measured: 250 ms → 1 ms for today at 30,000 orders).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from yiwang.accounts.scope import data_scope
from yiwang.command.models import OrderDayCategory, OrderDayFigures, OrderFiguresBuild
from yiwang.workorders.models import WorkOrder

S = WorkOrder.Status
COMMUNITY_LENGTH = 12
PATROL_CHANNELS = (WorkOrder.Channel.GRID_WORKER, WorkOrder.Channel.PATROL)
GOOD = (WorkOrder.Satisfaction.SATISFIED, WorkOrder.Satisfaction.BASICALLY_SATISFIED)
COUNTS = [
    "reported", "patrol_reported", "on_spot", "handled", "in_grid", "due", "closed",
    "closed_on_time", "overdue", "archived", "workdays_n", "rated", "satisfied",
]  # fmt: skip


def _bounds(first: dt.date, last: dt.date):
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def like_q(prefixes) -> Q:
    """Orders whose region code starts with one of the prefixes ("" = every order)."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        if not prefix:
            return Q()
        q |= Q(region_code__startswith=prefix)
    return q


def stored_prefixes(user, region: str = "") -> list[str] | None:
    """The community-or-wider prefixes that make up the user's KPI territory narrowed to
    `region`, or None when that territory is not made of whole communities (then the
    figures are counted live)."""
    prefixes = territory_prefixes(user, region)
    if prefixes is None or any(len(p) > COMMUNITY_LENGTH for p in prefixes):
        return None
    return prefixes


def territory_prefixes(user, region: str = "") -> list[str] | None:
    """The region prefixes that make up the user's KPI territory narrowed to `region` (the
    same orders as `kpi_scope_q` + the region filter), or None when the territory is not
    regional (a department's orders, a resident's own)."""
    scope = data_scope(user)
    if scope.is_global:
        prefixes = [region]
    elif scope.is_anonymous or not scope.region_prefixes:
        return None
    elif not region:
        prefixes = list(scope.region_prefixes)
    elif any(region.startswith(p) for p in scope.region_prefixes):
        prefixes = [region]
    else:
        prefixes = [p for p in scope.region_prefixes if p.startswith(region)]
    return prefixes


# --- counting from the orders (the build, and the live days) ----------------------------------


def _fixed_offset_minutes() -> int | None:
    """The current zone's UTC offset in minutes when it has one all year (Asia/Shanghai has
    had no summer time since 1991), else None."""
    zone = timezone.get_current_timezone()
    year = timezone.now().year
    offsets = {
        zone.utcoffset(dt.datetime(year, month, 1, 12)) for month in (1, 4, 7, 10)
    }  # fmt: skip
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


class LocalDate(TruncDate):
    """The local day of a timestamp. On SQLite, for a zone with one fixed offset, SQLite's own
    `date(ts, '+480 minutes')` instead of Django's per-row Python function (measured: the
    build of 30,000 orders 15 s → under a second); elsewhere Django's TruncDate."""

    def as_sqlite(self, compiler, connection, **extra_context):
        offset = _fixed_offset_minutes()
        if offset is None:
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{offset:+d} minutes")


def count_days(orders, first: dt.date, last: dt.date, now) -> tuple[dict, Counter]:
    """{day: Counter of facts}, per community as well, and the (day, community, category)
    counts, of `orders` for the local days first..last. Five grouped queries."""
    tz = timezone.get_current_timezone()
    start, end = _bounds(first, last)
    community = Substr("region_code", 1, COMMUNITY_LENGTH)
    facts: dict = defaultdict(Counter)

    def period(field):
        return (
            orders.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .annotate(day=LocalDate(field, tzinfo=tz), community=community)
            .order_by()
        )

    for day, c, status, channel, spot, grid, n in (
        period("reported_at")
        .values_list(
            "day", "community", "status", "channel", "resolved_on_spot", "resolved_in_grid"
        )  # fmt: skip
        .annotate(n=Count("*"))
    ):
        row = facts[(day, c)]
        row["reported"] += n
        row[f"status_{status}"] += n
        if channel in PATROL_CHANNELS:
            row["patrol_reported"] += n
            row["on_spot"] += n if spot else 0
        if status in WorkOrder.DONE_STATES:
            row["handled"] += n
            row["in_grid"] += n if grid else 0
    for day, c, status, on_time, past, n in (
        period("deadline")
        .exclude(status__in=[S.MERGED, S.CANCELLED])
        .annotate(past=ExpressionWrapper(Q(deadline__lt=now), output_field=BooleanField()))
        .values_list("day", "community", "status", "completed_on_time", "past")
        .annotate(n=Count("*"))
    ):
        row = facts[(day, c)]
        row["due"] += n
        if status == S.ARCHIVED:
            row["closed"] += n
            row["closed_on_time"] += n if on_time else 0
        if on_time is False or (status in WorkOrder.OPEN_STATES and past):
            row["overdue"] += n
    # The status and the empty satisfaction are filtered here, not in SQL: `status = 'archived'`
    # makes SQLite take the status index (80 % of all orders) instead of the day's dates.
    for day, c, status, n, total, known in (
        period("archived_at")
        .values_list("day", "community", "status")
        .annotate(n=Count("*"), total=Sum("archived_workdays"), known=Count("archived_workdays"))
    ):
        if status != S.ARCHIVED:
            continue
        row = facts[(day, c)]
        row["archived"] += n
        row["workdays_n"] += known
        row["workdays_sum"] += total or 0
    for day, c, satisfaction, n in (
        period("rated_at").values_list("day", "community", "satisfaction").annotate(n=Count("*"))
    ):
        if not satisfaction:
            continue
        facts[(day, c)]["rated"] += n
        facts[(day, c)]["satisfied"] += n if satisfaction in GOOD else 0
    categories = Counter()
    for day, c, category, n in (
        period("reported_at")
        .filter(category__isnull=False)
        .values_list("day", "community", "category_id")
        .annotate(n=Count("*"))
    ):
        categories[(day, c, category)] += n
    return facts, categories


# --- reading: stored days + live days ---------------------------------------------------------

STATUS_FIELDS = [f"status_{status}" for status in S.values]
SUMS = [*COUNTS, "workdays_sum", *STATUS_FIELDS]


def built_through() -> tuple[dt.date | None, dt.datetime | None]:
    build = OrderFiguresBuild.objects.order_by("-built_at").first()
    return (build.through, build.built_at) if build else (None, None)


def _community_q(prefixes) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        if not prefix:
            return Q()
        q |= Q(community__startswith=prefix)
    return q


def _split(first: dt.date, last: dt.date):
    """(stored days as a Q or None, the first live day, the build info)."""
    through, built_at = built_through()
    build = {"through": through, "built_at": built_at}
    if through is None or through < first:
        return None, first, build
    stored_last = min(last, through)
    return Q(day__gte=first, day__lte=stored_last), stored_last + dt.timedelta(days=1), build


def _live(prefixes, first: dt.date, last: dt.date, now, cache: dict | None = None):
    """The live days counted once per screen call (`cache`: the kpis, the trend and the
    categories all need today)."""
    if first > last:
        return {}, Counter()
    key = (tuple(prefixes), first, last)
    if cache is not None and key in cache:
        return cache[key]
    result = count_days(WorkOrder.objects.filter(like_q(prefixes)), first, last, now)
    if cache is not None:
        cache[key] = result
    return result


def totals(prefixes, first: dt.date, last: dt.date, now, cache=None) -> tuple[Counter, dict]:
    """Every fact summed over first..last: the stored days in one SUM query, the rest live."""
    stored, live_from, build = _split(first, last)
    total = Counter()
    if stored is not None:
        row = OrderDayFigures.objects.filter(stored & _community_q(prefixes)).aggregate(
            **{name: Sum(name) for name in SUMS}
        )
        total.update({k: v for k, v in row.items() if v})
    facts, _ = _live(prefixes, live_from, last, now, cache)
    for values in facts.values():
        total.update(values)
    return total, build


def kpis(prefixes, date_from: dt.date, date_to: dt.date, now, overdue_open=None, cache=None):
    """The same dict as `work_order_kpis` for the territory `prefixes` (plus `stored_through`
    and `built_at`), from the stored days and the live ones. `overdue_open` (open orders past
    their deadline now) when the caller has counted it already."""
    total, build = totals(prefixes, date_from, date_to, now, cache)
    by_status = {status: total.get(f"status_{status}", 0) for status in S.values}
    if overdue_open is None:
        overdue_open = (
            WorkOrder.objects.filter(like_q(prefixes), status__in=WorkOrder.OPEN_STATES)
            .filter(deadline__lt=now)
            .order_by()
            .count()
        )
    support = _support(prefixes, date_from, date_to)
    n = {k: total.get(k, 0) for k in COUNTS}
    avg = total["workdays_sum"] / n["workdays_n"] if n["workdays_n"] else None
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "reported": n["reported"],
        "by_status": by_status,
        "due": n["due"],
        "closed": n["closed"],
        "closed_on_time": n["closed_on_time"],
        "completion_rate": _rate(n["closed"], n["due"]),
        "on_time_rate": _rate(n["closed_on_time"], n["due"]),
        "overdue": n["overdue"],
        "overdue_open": overdue_open,
        "archived": n["archived"],
        "avg_workdays_to_archive": round(avg, 2) if avg is not None else None,
        "patrol_reported": n["patrol_reported"],
        "on_spot": n["on_spot"],
        "on_spot_rate": _rate(n["on_spot"], n["patrol_reported"]),
        "handled": n["handled"],
        "in_grid": n["in_grid"],
        "in_grid_rate": _rate(n["in_grid"], n["handled"]),
        "rated": n["rated"],
        "satisfied": n["satisfied"],
        "satisfaction_rate": _rate(n["satisfied"], n["rated"]),
        "supported_orders": support["orders"],
        "supporters": support["supporters"],
        "stored_through": build["through"].isoformat() if build["through"] else None,
        "built_at": build["built_at"].isoformat() if build["built_at"] else None,
    }


def _support(prefixes, date_from: dt.date, date_to: dt.date) -> dict:
    """我也遇到 on the orders reported in the period (as `work_order_kpis`), read from the
    supporters' side (few rows, each joined to its order by key) and filtered here: a WHERE
    on the orders' columns makes SQLite walk every order of the year first."""
    from yiwang.workorders.models import WorkOrderSupporter

    start, end = _bounds(date_from, date_to)
    orders, supporters = set(), 0
    for order, code, reported in WorkOrderSupporter.objects.order_by().values_list(
        "order_id", "order__region_code", "order__reported_at"
    ):
        if start <= reported < end and any(code.startswith(p) for p in prefixes):
            orders.add(order)
            supporters += 1
    return {"orders": len(orders), "supporters": supporters}


def weekly(prefixes, weeks: list[dt.date], date_to: dt.date, now, cache=None) -> dict:
    """Reported and archived per week (the stored days grouped by day in SQL)."""
    reported, archived = [0] * len(weeks), [0] * len(weeks)

    def add(day, n_reported, n_archived):
        i = min((day - weeks[0]).days // 7, len(weeks) - 1)
        reported[i] += n_reported or 0
        archived[i] += n_archived or 0

    stored, live_from, _ = _split(weeks[0], date_to)
    if stored is not None:
        for day, n_reported, n_archived in (
            OrderDayFigures.objects.filter(stored & _community_q(prefixes))
            .values_list("day")
            .annotate(r=Sum("reported"), a=Sum("archived"))
            .order_by()
        ):
            add(day, n_reported, n_archived)
    facts, _ = _live(prefixes, live_from, date_to, now, cache)
    for (day, _), row in facts.items():
        add(day, row.get("reported", 0), row.get("archived", 0))
    return {"weeks": [w.isoformat() for w in weeks], "reported": reported, "archived": archived}


def top_categories(prefixes, date_from: dt.date, date_to: dt.date, now, cache=None, limit=8):
    stored, live_from, _ = _split(date_from, date_to)
    categories = Counter()
    if stored is not None:
        for category, n in (
            OrderDayCategory.objects.filter(stored & _community_q(prefixes))
            .values_list("category_id")
            .annotate(n=Sum("n"))
            .order_by()
        ):
            categories[category] += n
    _, cats = _live(prefixes, live_from, date_to, now, cache)
    for (_, _, category), n in cats.items():
        categories[category] += n
    ranked = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0] or 0))
    return [(c, n) for c, n in ranked if c is not None][:limit]


def _rate(n: int, d: int):
    return round(n / d, 4) if d else None
