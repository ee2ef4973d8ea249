"""The one way services write the audit log (审计日志)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import models

from yiwang.core.models import AuditEvent
from yiwang.core.statements import insert_row


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The named fields of `obj` as JSON-ready values (foreign keys as ids)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        out[name] = _jsonable(value)
    return out


def acting_user(actor):
    """The user behind `actor`, or None for the system, a name string or an anonymous user."""
    return actor if getattr(actor, "is_authenticated", False) else None


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one audit row. Call inside the service's transaction."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    return insert_row(
        AuditEvent(
            actor=acting_user(actor),
            actor_name=_actor_name(actor),
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_repr=str(target)[:200] if target is not None else "",
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            note=note,
        )
    )


def _actor_name(actor) -> str:
    if actor is None:
        return "系统"
    if isinstance(actor, str):
        return actor
    if not getattr(actor, "is_authenticated", False):
        return "匿名"
    return getattr(actor, "display_name", "") or actor.get_username()
