"""The responsibility list (权责清单): publishing a rule version."""

from __future__ import annotations

from django.db import transaction

from yiwang.accounts.models import Role
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import ValidationFailed
from yiwang.core.workdays import TimeUnit
from yiwang.workorders.models import ResponsibilityRule
from yiwang.workorders.services.common import (
    _require,
    _resolve_category,
    _resolve_department,
    _resolve_limit,
)


@transaction.atomic
def responsibility_rule_save(
    *,
    actor,
    category,
    primary_department,
    limit_value,
    limit_unit: str = TimeUnit.WORK_DAYS,
    region_prefix: str = "",
    cooperating_departments=(),
    urgent_limit_value=None,
    on_spot_allowed: bool = False,
    filing_criteria: str = "",
    closing_criteria: str = "",
    note: str = "",
) -> ResponsibilityRule:
    """Publish a rule: a new version of (category, region prefix). The previous current
    version stays (orders dispatched under it keep pointing at it) but is no longer current."""
    user = acting_user(actor)
    _require(
        actor is None or (user is not None and (user.is_superuser or user.has_role(Role.ADMIN))),
        "只有系统管理员可以修改权责清单。",
    )
    cat = _resolve_category(category)
    dept = _resolve_department(primary_department, field="primary_department")
    value, unit = _resolve_limit(limit_value, limit_unit)
    urgent = None
    if urgent_limit_value not in (None, ""):
        urgent, _ = _resolve_limit(urgent_limit_value, unit, field="urgent_limit_value")
    region_prefix = (region_prefix or "").strip()
    if region_prefix and not region_prefix.isdigit():
        raise ValidationFailed("区域编码前缀只能是数字。", fields={"region_prefix": ["只能是数字"]})
    coop = [
        _resolve_department(d, field="cooperating_departments") for d in cooperating_departments
    ]
    coop = [d for d in coop if d.pk != dept.pk]
    previous = (
        ResponsibilityRule.objects.select_for_update()
        .filter(category=cat, region_prefix=region_prefix, is_current=True)
        .first()
    )
    last_version = (
        ResponsibilityRule.objects.filter(category=cat, region_prefix=region_prefix)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or 0
    if previous is not None:
        ResponsibilityRule.objects.filter(pk=previous.pk).update(is_current=False)
    rule = ResponsibilityRule.objects.create(
        category=cat,
        region_prefix=region_prefix,
        primary_department=dept,
        limit_value=value,
        limit_unit=unit,
        urgent_limit_value=urgent,
        on_spot_allowed=bool(on_spot_allowed),
        filing_criteria=filing_criteria or "",
        closing_criteria=closing_criteria or "",
        version=last_version + 1,
        is_current=True,
        supersedes=previous,
        created_by=user,
        note=note or "",
    )
    if coop:
        rule.cooperating_departments.set(coop)
    audit_record(
        actor=actor,
        action="workorders.rule.publish",
        target=rule,
        before={"rule": previous.pk, "version": previous.version} if previous else None,
        after={
            "category": cat.code,
            "region_prefix": region_prefix,
            "primary_department": dept.pk,
            "cooperating_departments": [d.pk for d in coop],
            "limit": [value, unit],
            "on_spot_allowed": bool(on_spot_allowed),
            "version": rule.version,
        },
        note=note or "",
    )
    return rule
