"""Every read of field work, scoped to the asking user.

- `visit_due_list(user)`: the worker's households due or overdue this round (near me first
  when a point is given).
- `visit_coverage(user, round)`: coverage of a round per worker, grid and community, and the
  number of rounds completed (完成轮次).
- `patrol_*`: a patrol with its track, grid coverage per week, share of orders found on patrol.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from yiwang.accounts.scope import access_or_404
from yiwang.fieldwork import geo, rounds
from yiwang.fieldwork.models import HouseholdAssignment, Patrol, PatrolPoint, Visit


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- visits ---------------------------------------------------------------------------------

DUE_FIELDS = (
    "household_id",
    "household__code",
    "household__address",
    "household__house__lon",
    "household__house__lat",
    "region_code",
    "worker_id",
    "assigned_on",
    "last_visit_on",
)


def due_rows(queryset, *, plan, today: dt.date) -> list[dict]:
    """Households of `queryset` (assignments) not yet visited this round, each with `due`
    (the last day it may be visited) and `state`: `due` in this round, or `overdue` when it
    was already 包联 in the previous round and missed it too."""
    current = rounds.current_round(plan, today)
    previous = rounds.round_window(plan, current.number - 1) if current.number > 1 else None
    rows = queryset.filter(
        Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=current.start)
    ).values_list(*DUE_FIELDS)
    out = []
    for hid, code, address, lon, lat, region, worker, assigned, last in rows.iterator(2000):
        overdue = (
            previous is not None
            and assigned < current.start
            and (last is None or last < previous.start)
        )
        out.append(
            {
                "household": {"id": hid, "code": code, "address": address, "lon": lon,
                              "lat": lat, "grid": region},
                "worker": worker,
                "due": previous.last_day if overdue else current.last_day,
                "state": "overdue" if overdue else "due",
                "last_visit_on": last,
            }
        )  # fmt: skip
    return out


def visit_due_list(*, user, today: dt.date | None = None, near=None) -> list[dict]:
    """The signed-in worker's due and overdue households; `near` = (lon, lat) sorts by
    distance (今日附近待访), otherwise overdue first."""
    today = today or timezone.localdate()
    qs = HouseholdAssignment.objects.filter(worker=user)
    rows = due_rows(qs, plan=rounds.plan_or_default(), today=today)
    if near is not None:
        lon, lat = near
        for row in rows:
            h = row["household"]
            row["distance_m"] = (
                round(geo.distance_m(lon, lat, h["lon"], h["lat"]))
                if h["lon"] is not None
                else None
            )
        rows.sort(key=lambda r: (r["distance_m"] is None, r["distance_m"] or 0))
    else:
        rows.sort(
            key=lambda r: (r["state"] != "overdue", r["household"]["grid"], r["household"]["code"])
        )
    return rows


def _rate(visited: int, total: int) -> float:
    return round(visited / total, 4) if total else 0.0


def _community_of(grid_codes) -> dict[str, tuple[str, str]]:
    from yiwang.grids.models import Region

    return {
        code: (parent_code or "", parent_name or "")
        for code, parent_code, parent_name in Region.objects.filter(
            code__in=grid_codes
        ).values_list("code", "parent__code", "parent__name")
    }


def _grouped(counts: dict, names: dict | None = None) -> list[dict]:
    out = []
    for key, (total, visited) in sorted(counts.items(), key=lambda kv: str(kv[0])):
        row = {"key": key, "total": total, "visited": visited, "rate": _rate(visited, total)}
        if names is not None:
            row["name"] = names.get(key, "")
        out.append(row)
    return out


def visit_coverage(*, user, round_number: int | None = None, today: dt.date | None = None) -> dict:
    """Coverage of one round (default: the current one) over the households the user can see:
    households 包联 before the round ended, and how many were visited in it (by anyone)."""
    from yiwang.accounts.models import User

    today = today or timezone.localdate()
    plan = rounds.plan_or_default()
    number = round_number or rounds.current_round(plan, today).number
    window = rounds.round_window(plan, number)
    base = HouseholdAssignment.objects.visible_to(user)
    visited = Exists(
        Visit.objects.filter(
            household_id=OuterRef("household_id"),
            visited_at__gte=_day_start(window.start),
            visited_at__lt=_day_start(window.end),
        )
    )
    groups = (
        base.filter(assigned_on__lt=window.end)
        .annotate(seen=visited)
        .values("worker_id", "region_code")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(seen=True)))
    )
    by_worker, by_grid, by_community = (defaultdict(lambda: [0, 0]) for _ in range(3))
    rows = list(groups)
    communities = _community_of({r["region_code"] for r in rows})
    for r in rows:
        community = communities.get(r["region_code"], ("", ""))[0]
        for bucket, key in ((by_worker, r["worker_id"]), (by_grid, r["region_code"]),
                            (by_community, community)):  # fmt: skip
            bucket[key][0] += r["total"]
            bucket[key][1] += r["visited"]
    total = sum(r["total"] for r in rows)
    done = sum(r["visited"] for r in rows)
    workers = dict(
        (pk, display or username)
        for pk, display, username in User.objects.filter(pk__in=by_worker.keys()).values_list(
            "pk", "display_name", "username"
        )
    )
    return {
        "round": {"number": number, "start": window.start, "end": window.last_day},
        "cycle_months": plan.cycle_months,
        "total": total,
        "visited": done,
        "rate": _rate(done, total),
        "by_worker": _grouped(by_worker, workers),
        "by_grid": _grouped(by_grid),
        "by_community": _grouped(by_community, {c: n for c, n in communities.values()}),
        "rounds_completed": rounds_completed(user=user, plan=plan, today=today),
    }


def rounds_completed(*, user, plan, today: dt.date) -> int:
    """Closed rounds whose coverage reached the plan's completion target (完成轮次)."""
    current = rounds.current_round(plan, today).number
    if current <= 1:
        return 0
    windows = [rounds.round_window(plan, k) for k in range(1, current)]
    base = HouseholdAssignment.objects.visible_to(user)
    totals = base.aggregate(
        **{f"r{w.number}": Count("pk", filter=Q(assigned_on__lt=w.end)) for w in windows}
    )
    seen = dict(
        Visit.objects.filter(household_id__in=base.values("household_id"), round_number__gte=1)
        .values("round_number")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("round_number", "n")
    )
    return sum(
        1
        for w in windows
        if totals[f"r{w.number}"]
        and seen.get(w.number, 0) * 100 >= plan.completion_target * totals[f"r{w.number}"]
    )


def visit_list(*, user, household: int | None = None):
    qs = Visit.objects.visible_to(user).select_related("household", "visitor")
    if household is not None:
        qs = qs.filter(household_id=household)
    return qs.prefetch_related("needs__work_order")


def visit_get(*, user, id) -> Visit:
    return access_or_404(
        Visit.objects.select_related("household", "visitor"),
        user=user,
        message="走访记录不存在。",
        pk=id,
    )


# --- patrols --------------------------------------------------------------------------------


def patrol_get(*, user, id) -> Patrol:
    return access_or_404(
        Patrol.objects.select_related("worker", "grid"), user=user, message="巡查不存在。", pk=id
    )


def patrol_list(*, user):
    return Patrol.objects.visible_to(user).select_related("worker", "grid")


def patrol_active(*, user) -> Patrol | None:
    return Patrol.objects.filter(worker=user, status=Patrol.Status.ACTIVE).first()


def patrol_track(patrol: Patrol) -> list[list[list[float]]]:
    """The track as segments of [lon, lat] (a gap separates segments: never joined)."""
    segments: dict[int, list] = defaultdict(list)
    for segment, lon, lat in (
        PatrolPoint.objects.filter(patrol=patrol, flag="")
        .order_by("at", "id")
        .values_list("segment", "lon", "lat")
    ):
        segments[segment].append([lon, lat])
    return [segments[k] for k in sorted(segments)]


CELL_DEGREES = 0.001  # about 100 m × 95 m at 31° N


def patrol_grid_coverage(*, user, grid, week_start: dt.date) -> dict:
    """Share of the grid's ~100 m cells that a patrol passed through in the week (巡查覆盖率)."""
    import shapely
    from shapely.geometry import shape

    from yiwang.grids.geometry import load_json

    geom = shape(load_json(grid.geojson)) if grid.geojson else None
    if geom is None or geom.is_empty:
        return {"cells": 0, "covered": 0, "rate": 0.0}
    x0, y0, x1, y1 = geom.bounds
    nx, ny = (
        max(1, math.ceil((x1 - x0) / CELL_DEGREES)),
        max(1, math.ceil((y1 - y0) / CELL_DEGREES)),
    )
    xs = [x0 + (i + 0.5) * CELL_DEGREES for i in range(nx) for _ in range(ny)]
    ys = [y0 + (j + 0.5) * CELL_DEGREES for _ in range(nx) for j in range(ny)]
    inside = shapely.contains_xy(geom, xs, ys)
    cells = {(k // ny, k % ny) for k, ok in enumerate(inside) if ok}
    start = _day_start(week_start)
    points = PatrolPoint.objects.filter(
        patrol__in=patrol_list(user=user),
        flag="",
        at__gte=start,
        at__lt=start + dt.timedelta(days=7),
        lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1,
    ).values_list("lon", "lat")  # fmt: skip
    covered = {
        (int((lon - x0) // CELL_DEGREES), int((lat - y0) // CELL_DEGREES)) for lon, lat in points
    } & cells
    return {"cells": len(cells), "covered": len(covered), "rate": _rate(len(covered), len(cells))}


def patrol_found_share(*, user, start: dt.date, end: dt.date) -> dict:
    """Share of the work orders (visible to the user) reported in [start, end] found on patrol
    (巡查发现占比; seed 002: 78 %)."""
    from yiwang.workorders.models import WorkOrder

    qs = WorkOrder.objects.visible_to(user).filter(
        reported_at__gte=_day_start(start), reported_at__lt=_day_start(end + dt.timedelta(days=1))
    )
    counts = qs.aggregate(total=Count("pk"), patrol=Count("pk", filter=Q(channel="patrol")))
    return counts | {"rate": _rate(counts["patrol"], counts["total"])}


def home_services(*, user) -> list[tuple[str, str]]:
    """(code, name) of the catalogue's items offered 上门办 and devolved to the street(s) where
    the user may open applications at the door (党群专员 or 综窗), for the visit form."""
    from yiwang.accounts.models import OrgUnit, Role
    from yiwang.approvals import selectors as catalogue
    from yiwang.approvals.permissions import streets_of

    ids = streets_of(user, Role.PARTY_SPECIALIST, Role.WINDOW_CLERK)
    codes = OrgUnit.objects.filter(pk__in=ids).values_list("code", flat=True)
    out = {}
    for code in codes:
        items = catalogue.item_list(filters={"street": code}).prefetch_related(None)
        for item_code, name, channels in items.values_list("code", "name", "channels"):
            if "上门办" in (channels or []):
                out[item_code] = name
    return sorted(out.items(), key=lambda pair: pair[0])
