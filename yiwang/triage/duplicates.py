"""Likely duplicates (疑似重复工单): flagged at intake, decided by the dispatcher.

At intake, `likely_duplicates(...)` (called through the defensive hooks of
`yiwang.workorders.intake`: read before the creating transaction, flags stored inside it by
`duplicate_flags_create`) compares a new report that has a point with the open orders
(`WorkOrder.OPEN_STATES`) reported within
`YIWANG_TRIAGE_DUPLICATE_DAYS` days of it (default 7, either side) and within
`YIWANG_TRIAGE_DUPLICATE_RADIUS_M` metres (default 200; 0 turns the check off). Those whose
description scores at least `YIWANG_TRIAGE_DUPLICATE_SIMILARITY` (default 0.5, the character
n-gram cosine of similarity.py) become `DuplicateFlag` rows, the best `MAX_FLAGS` of them.
Two reports arriving at the same instant may not see each other; the dispatcher can still merge.

Cost: one hand-written query — a lat/lon bounding box, the open states and the report window,
served by the index `wo_status_place` (status, lat, lon) and capped at `MAX_CANDIDATES` rows —
then the exact distance and the text similarity in Python (tens of microseconds per short
candidate), and one INSERT only when something is flagged.

The dispatcher then merges the order into the candidate (`work_order_merge`, which settles the
flags through `duplicate_flags_merged`) or says it is not a duplicate (`duplicate_flag_dismiss`).
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.accounts.scope import data_scope
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import Conflict, Forbidden, NotFound
from yiwang.core.statements import insert_rows
from yiwang.triage.models import DuplicateFlag
from yiwang.triage.similarity import similarities
from yiwang.workorders.errors import WorkOrderErrorCode as Code
from yiwang.workorders.models import WorkOrder

MAX_FLAGS = 3
MAX_CANDIDATES = 200
EARTH_RADIUS_M = 6_371_008.8
M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


def radius_m() -> float:
    return float(getattr(settings, "YIWANG_TRIAGE_DUPLICATE_RADIUS_M", 200))


def window() -> dt.timedelta:
    return dt.timedelta(days=float(getattr(settings, "YIWANG_TRIAGE_DUPLICATE_DAYS", 7)))


def min_similarity() -> float:
    return float(getattr(settings, "YIWANG_TRIAGE_DUPLICATE_SIMILARITY", 0.5))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _nearby_sql() -> str:
    """The candidates query, written once by hand: the ORM's query building would cost intake
    about ten times the query itself (like the per-day counter in workorders/services.py)."""
    qn = connection.ops.quote_name
    fields = ("id", "lon", "lat", "description", "status", "reported_at")
    col = {f: qn(WorkOrder._meta.get_field(f).column) for f in fields}
    states = ", ".join(["%s"] * len(WorkOrder.OPEN_STATES))
    return (
        f"SELECT {col['id']}, {col['lon']}, {col['lat']}, {col['description']} "
        f"FROM {qn(WorkOrder._meta.db_table)} WHERE {col['status']} IN ({states}) "
        f"AND {col['lat']} BETWEEN %s AND %s AND {col['lon']} BETWEEN %s AND %s "
        f"AND {col['reported_at']} BETWEEN %s AND %s "
        f"ORDER BY {col['reported_at']} DESC LIMIT {MAX_CANDIDATES}"
    )


def _nearby_open_orders(*, lon: float, lat: float, reported_at, radius: float) -> list[tuple]:
    """(pk, lon, lat, description) of the open orders in the bounding box of the circle and in
    the report window: one query on the index wo_status_place (status, lat, lon)."""
    dlat = radius / M_PER_DEGREE
    dlon = radius / (M_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    span = window()
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        *WorkOrder.OPEN_STATES,
        lat - dlat,
        lat + dlat,
        lon - dlon,
        lon + dlon,
        adapt(reported_at - span),
        adapt(reported_at + span),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_nearby_sql(), params)
        return cursor.fetchall()


def likely_duplicates(*, description: str, lon, lat, reported_at) -> list[tuple]:
    """The open orders that a new report is likely a duplicate of (疑似重复), best first, at
    most MAX_FLAGS: [(pk, similarity, distance_m)]. Read-only; intake calls it before its
    transaction, so the write lock is not held while texts are compared. A report without a
    point is never checked."""
    radius = radius_m()
    if lat is None or lon is None or radius <= 0:
        return []
    near = []
    for pk, other_lon, other_lat, text in _nearby_open_orders(
        lon=lon, lat=lat, reported_at=reported_at, radius=radius
    ):
        metres = distance_m(lon, lat, other_lon, other_lat)
        if metres <= radius:
            near.append((pk, metres, text))
    if not near:
        return []
    scores = similarities(description, [text for _, _, text in near])
    threshold = min_similarity()
    found = sorted(
        (
            (pk, score, metres)
            for (pk, metres, _), score in zip(near, scores, strict=True)
            if score >= threshold
        ),
        key=lambda f: (-f[1], f[2]),
    )
    return found[:MAX_FLAGS]


def duplicate_flags_create(order: WorkOrder, found: list[tuple]) -> list[DuplicateFlag]:
    """Store `found` (from :func:`likely_duplicates`) as the new order's flags, in the creating
    transaction."""
    return insert_rows(
        [
            DuplicateFlag(
                order=order,
                candidate_id=pk,
                similarity=round(score, 4),
                distance_m=round(metres, 1),
            )
            for pk, score, metres in found
        ]
    )


def duplicate_flags_merged(*, actor, order: WorkOrder, into: WorkOrder) -> int:
    """合并 settles the flags: the merged order's open flags, and the master's open flag naming
    the merged order, become `merged`. Called by `work_order_merge` in its transaction."""
    user = acting_user(actor)
    return DuplicateFlag.objects.filter(
        Q(order=order) | Q(order=into, candidate=order), status=DuplicateFlag.Status.OPEN
    ).update(status=DuplicateFlag.Status.MERGED, decided_at=timezone.now(), decided_by=user)


@transaction.atomic
def duplicate_flag_dismiss(*, actor, flag) -> DuplicateFlag:
    """非重复: the dispatcher decides that the flagged order and its candidate are different
    matters. The flag must still be open (`Conflict` otherwise); one audit row."""
    qs = DuplicateFlag.objects.select_for_update(of=("self",)).filter(
        order__in=WorkOrder.objects.visible_to(actor).values("pk")
    )
    try:
        flag = qs.get(pk=getattr(flag, "pk", flag))
    except (DuplicateFlag.DoesNotExist, ValueError, TypeError):
        raise NotFound("疑似重复记录不存在或无权查看。")
    if not data_scope(actor).has_role(Role.DISPATCHER, Role.ADMIN):
        raise Forbidden("只有指挥中心坐席可以判定非重复。")
    if flag.status != DuplicateFlag.Status.OPEN:
        raise Conflict(
            f"该疑似重复已处理（{flag.get_status_display()}），请刷新页面。",
            code=Code.INVALID_STATE,
        )
    flag.status = DuplicateFlag.Status.DISMISSED
    flag.decided_at = timezone.now()
    flag.decided_by = actor
    flag.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="triage.duplicate.dismiss",
        target=flag,
        before={"status": DuplicateFlag.Status.OPEN},
        after={"status": flag.status, "order": flag.order_id, "candidate": flag.candidate_id},
    )
    return flag
