"""Small geometry helpers of field work: great-circle distance and input parsing."""

from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yiwang.core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def number(value, *, field: str, label: str, low: float, high: float, required: bool):
    """A finite float within [low, high], or None when absent and not required."""
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"缺少{label}。", fields={field: ["必填"]})
        return None
    if isinstance(value, bool):
        raise ValidationFailed(f"{label}必须是数字。", fields={field: ["必须是数字"]})
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label}必须是数字。", fields={field: ["必须是数字"]})
    if not math.isfinite(parsed) or not low <= parsed <= high:
        raise ValidationFailed(
            f"{label}超出范围（{low}～{high}）。", fields={field: [f"超出范围 {low}～{high}"]}
        )
    return parsed


def point(lon, lat, *, required: bool, prefix: str = "") -> tuple[float | None, float | None]:
    """(lon, lat) as WGS-84 degrees; both or neither."""
    lon = number(lon, field=f"{prefix}lon", label="经度", low=-180, high=180, required=required)
    lat = number(lat, field=f"{prefix}lat", label="纬度", low=-90, high=90, required=required)
    if (lon is None) != (lat is None):
        missing = f"{prefix}lat" if lat is None else f"{prefix}lon"
        raise ValidationFailed("经度和纬度须同时提供。", fields={missing: ["须与另一坐标同时提供"]})
    return lon, lat


def _parse_iso(value: str) -> dt.datetime | None:
    try:  # the C parser first: a phone sends thousands of these
        return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def moment(value, *, field: str, label: str = "时间") -> dt.datetime:
    """An aware datetime from ISO 8601 text (naive text is read in the server's zone)."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        parsed = _parse_iso(value.strip()) if isinstance(value, str) and value.strip() else None
        if parsed is None:
            raise ValidationFailed(
                f"{label}格式不正确，应为 ISO 8601，如 2026-11-22T09:30:00+08:00。",
                fields={field: ["时间格式不正确"]},
            )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def text(value, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label}必须是文字。", fields={field: ["必须是文字"]})
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。", fields={field: ["必填"]})
    if len(value) > max_length:
        raise ValidationFailed(
            f"{label}不能超过 {max_length} 字。", fields={field: [f"最多 {max_length} 字"]}
        )
    return value
