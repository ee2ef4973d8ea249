"""Small helpers shared by the command center's services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from yiwang.accounts.models import Role
from yiwang.core.errors import Forbidden, ValidationFailed

DESK_ROLES = (Role.DISPATCHER, Role.LEADER, Role.ADMIN)


def require_desk(actor, what: str) -> None:
    """Only the command center's desk roles (坐席、领导、管理员) may do `what`."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_role(*DESK_ROLES)):
        raise Forbidden(f"只有指挥中心坐席或街道领导可以{what}。")


def text(value, *, field: str, label: str, required: bool, max_length: int) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{label}须为文字。", fields={field: ["须为字符串"]})
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。", fields={field: ["必填"]})
    if len(value) > max_length:
        raise ValidationFailed(
            f"{label}不能超过 {max_length} 字。", fields={field: [f"最多 {max_length} 字"]}
        )
    return value


def parse_moment(value, *, field: str, label: str) -> dt.datetime:
    """An ISO date-time (naive = local time) or a date (= the end of that day, local time)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        raw = value.strip()
        try:
            moment = parse_datetime(raw)
            day = None if moment else parse_date(raw)
        except ValueError:
            moment = day = None
        if moment is None and day is not None:
            moment = dt.datetime.combine(day, dt.time(23, 59, 59))
        if moment is None:
            raise ValidationFailed(
                f"{label}格式不正确（如 2026-12-08 或 2026-12-08T17:30）。",
                fields={field: ["日期时间格式不正确"]},
            )
    else:
        raise ValidationFailed(f"请填写{label}。", fields={field: ["必填"]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment
