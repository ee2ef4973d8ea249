"""Reads of the grid, already scoped to the asking user (`Region.objects.visible_to`)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from yiwang.accounts.scope import access_or_404
from yiwang.grids.models import GridWorker, Region

NOT_FOUND = "未找到该区域或网格。"


def region_list(*, user, filters: dict | None = None):
    """Children of `filters["parent"]` (a code) that the user may see; without a parent, the
    top of what the user may see (a street worker: the street; a grid worker: their street).
    Optional filters: level, kind, q (name contains, code or official code starts with), active
    (default: active only)."""
    filters = filters or {}
    visible = Region.objects.visible_to(user)
    parent_code = (filters.get("parent") or "").strip()
    if parent_code:
        parent = access_or_404(Region.objects, user=user, message=NOT_FOUND, code=parent_code)
        qs = visible.filter(parent=parent)
    else:
        qs = visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(
            Q(name__contains=filters["q"])
            | Q(code__startswith=filters["q"])
            | Q(official_code__startswith=filters["q"])
        )
    if filters.get("active", True) is not None:
        qs = qs.filter(is_active=filters.get("active", True))
    return (
        qs.select_related("parent")
        .defer("geojson")
        .annotate(
            worker_count=Count("workers", filter=Q(workers__is_active=True)),
        )
        .order_by("code")
    )


def region_get(*, user, code: str) -> Region:
    """One region the user may see, with its active workers; missing and not-yours both 404."""
    qs = Region.objects.select_related("parent").prefetch_related(
        Prefetch(
            "workers",
            queryset=GridWorker.objects.filter(is_active=True).select_related("user"),
            to_attr="active_workers",
        )
    )
    return access_or_404(qs, user=user, message=NOT_FOUND, code=code)


ROLE_ORDER = {GridWorker.Role.HEAD: 0, GridWorker.Role.FULL_TIME: 1, GridWorker.Role.PART_TIME: 2}


def grid_workers(region: Region) -> list[GridWorker]:
    """Active workers of a region, 网格长 first. Their names and phones are public (posted by
    regulation), so this read is not scoped."""
    workers = getattr(region, "active_workers", None)
    if workers is None:
        workers = list(
            GridWorker.objects.filter(region_id=region.pk, is_active=True).select_related("user")
        )
    return sorted(workers, key=lambda w: (ROLE_ORDER.get(w.role, 9), w.name))
