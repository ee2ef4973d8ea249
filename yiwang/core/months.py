"""Months as the API names them: `YYYY-MM` (years 1900–2100, `validators.MONTH_PATTERN`)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from yiwang.core.errors import ValidationFailed
from yiwang.core.validators import MONTH_PATTERN


def month_bounds(value) -> tuple[dt.date, dt.date]:
    """`YYYY-MM` → the month's first and last day; anything else is a 400 naming `month`."""
    text = str(value or "").strip()
    if not re.fullmatch(MONTH_PATTERN, text):
        raise ValidationFailed(
            "月份 month 须为 YYYY-MM（1900–2100 年）。", fields={"month": ["格式 YYYY-MM"]}
        )
    first = dt.date(int(text[:4]), int(text[5:7]), 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def month_start(value, *, today: dt.date | None = None) -> dt.date:
    """`YYYY-MM` → the month's first day; empty → this month."""
    if value in (None, ""):
        return (today or timezone.localdate()).replace(day=1)
    return month_bounds(value)[0]
