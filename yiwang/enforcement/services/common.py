"""Helpers shared by the enforcement services: who may act, parsing, the timeline record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.core.audit import _jsonable, acting_user, audit_record
from yiwang.core.errors import Forbidden, ValidationFailed
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import Case, CaseEvent, Officer

TEXT_MAX = 4000


def actor_name(actor) -> str:
    if actor is None:
        return "系统"
    return getattr(actor, "display_name", "") or actor.get_username()


def officer_of(user) -> Officer | None:
    """The user's active certificate (执法证) valid today, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    officer = Officer.objects.select_related("department").filter(user=user).first()
    if officer is None or not officer.is_active:
        return None
    if officer.certified_until < timezone.localdate():
        return None
    return officer


def require_officer(actor, department=None) -> Officer:
    """Only a certified officer (of the case's agency) acts on a case (Art. 42)."""
    officer = officer_of(actor)
    if officer is None or (department is not None and officer.department_id != department.pk):
        raise Forbidden(
            "只有本执法机构持有效执法证件的执法人员可以办理（行政处罚法第四十二条）。",
            code=E.FORBIDDEN,
        )
    return officer


def is_grid_worker(user) -> bool:
    return user.memberships.filter(role=Role.GRID_WORKER).exists()


def text(value, *, field: str, label: str, required: bool = True, max_length=TEXT_MAX) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise ValidationFailed(f"{label}应为文字。", fields={field: ["应为文字"]})
    if required and not value:
        raise ValidationFailed(f"请填写{label}。", fields={field: ["必填"]})
    if len(value) > max_length:
        raise ValidationFailed(
            f"{label}不能超过{max_length}字。", fields={field: [f"最多{max_length}字"]}
        )
    return value


def money(value, *, field: str, label: str = "金额") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{label}应为数字。", fields={field: ["应为数字"]})
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise ValidationFailed(f"{label}应为正数。", fields={field: ["应为正数"]})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{label}最多两位小数。", fields={field: ["最多两位小数"]})
    return amount.quantize(Decimal("0.01"))


def moment(value, *, field: str, label: str, default=None) -> dt.datetime:
    """An ISO date-time (or a datetime); naive values are local time."""
    if value in (None, ""):
        if default is not None:
            return default
        raise ValidationFailed(f"请填写{label}。", fields={field: ["必填"]})
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(
                f"{label}格式不正确（如 2026-06-01T09:30）。", fields={field: ["格式不正确"]}
            )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def positive_int(value, *, field: str, label: str, low: int = 1, high: int = 10**6) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label}应为整数。", fields={field: ["应为整数"]})
    if isinstance(value, float) and value != number:
        raise ValidationFailed(f"{label}应为整数。", fields={field: ["应为整数"]})
    if not low <= number <= high:
        raise ValidationFailed(f"{label}应在{low}到{high}之间。", fields={field: [f"{low}–{high}"]})
    return number


def record(case: Case, *, actor, action: str, from_stage: str, note: str = "", data=None, at=None):
    """The timeline row (全过程记录, Art. 47) and the audit row of one step."""
    at = at or timezone.now()
    CaseEvent.objects.create(
        case=case,
        at=at,
        actor=acting_user(actor),
        actor_name=actor_name(actor),
        action=action,
        from_stage=from_stage,
        to_stage=case.stage,
        note=note,
        data=_jsonable(data or {}),
    )
    audit_record(
        actor=actor,
        action=f"enforcement.case.{action}",
        target=case,
        before={"stage": from_stage},
        after={"stage": case.stage, "version": case.version, **(data or {})},
        note=note[:500],
    )
