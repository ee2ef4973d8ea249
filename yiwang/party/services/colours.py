"""四色网格 services: the admin's colour rules and the monthly colours of every grid."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed
from yiwang.fieldwork import geo
from yiwang.party import colours
from yiwang.party.errors import PartyErrorCode as Code
from yiwang.party.models import ColourRule, GridColour
from yiwang.party.services.common import _user


def _require_admin(actor) -> None:
    if actor is not None and not _user(actor).has_role(Role.ADMIN, Role.LEADER):
        raise Forbidden("只有管理员或街道领导可以维护四色网格。")


@transaction.atomic
def colour_rule_save(
    *, actor, colour: str, label: str, conditions, priority: int = 10, rule=None
) -> ColourRule:
    """Create or change a colour rule (四色规则)."""
    _require_admin(actor)
    if colour not in ColourRule.Colour.values:
        raise ValidationFailed("颜色无效。", fields={"colour": ["应为 red/yellow/blue/green"]})
    try:
        colours.check_conditions(conditions)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=Code.BAD_RULE, fields={"conditions": [str(exc)]})
    row = rule if rule is not None else ColourRule()
    before = snapshot(row, ["colour", "label", "priority", "conditions"]) if row.pk else None
    row.colour, row.priority, row.conditions = colour, int(priority), conditions
    row.label = geo.text(label, field="label", label="含义", max_length=50, required=True)
    row.save()
    audit_record(actor=actor, action="party.colour_rule.save", target=row, before=before,
                 after=snapshot(row, ["colour", "label", "priority", "conditions"]))  # fmt: skip
    return row


@transaction.atomic
def grid_colours_compute(*, actor, month: dt.date, region_prefix: str = "") -> int:
    """Compute every grid's colour for `month` from its facts (重新计算四色网格). Recomputing
    a month replaces its colours. Returns the number of grids coloured."""
    from yiwang.grids.models import Region

    _require_admin(actor)
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationFailed("不能计算将来月份的颜色。", fields={"month": ["不能是将来"]})
    rules = list(ColourRule.objects.filter(is_active=True))
    if not rules:
        raise Conflict("尚未配置四色网格规则。", code=Code.BAD_RULE)
    grids = list(
        Region.objects.filter(level="grid", is_active=True, code__startswith=region_prefix)
    )
    facts = colours.grid_facts(grids, month)
    GridColour.objects.filter(month=month, grid__in=grids).delete()
    rows = []
    for grid in grids:
        rule = colours.pick(rules, facts[grid.pk])
        if rule is None:
            continue
        rows.append(GridColour(grid=grid, region_code=grid.code, month=month, colour=rule.colour,
                               label=rule.label, rule=rule, facts=facts[grid.pk]))  # fmt: skip
    GridColour.objects.bulk_create(rows, batch_size=1000)
    audit_record(actor=actor, action="party.grid_colours.compute", target_type="party.gridcolour",
                 target_id=month.isoformat(), after={"grids": len(rows)})  # fmt: skip
    return len(rows)
