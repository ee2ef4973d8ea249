"""Data scope (数据权限): the one function that says what a user may see.

Every selector starts from `Model.objects.visible_to(user)`; each scoped model says how a scope
applies to its rows in `scope_q(scope)`. Region codes are hierarchical (street ⊂ community ⊂
grid), so "inside my street" is a prefix match on a grid code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q

from yiwang.accounts.models import REGION_WIDE_ROLES, OrgUnit, Role

# Roles whose org unit widens what they see (their community, department or street); a
# resident's membership only says where they live.
UNIT_SCOPED_ROLES = frozenset(Role.values) - {Role.RESIDENT}


@dataclass(frozen=True)
class DataScope:
    user_id: int | None
    is_global: bool = False
    roles: frozenset = field(default_factory=frozenset)
    region_prefixes: tuple[str, ...] = ()  # street / community codes the user oversees
    grid_codes: tuple[str, ...] = ()  # grids the user works in (网格员)
    department_ids: tuple[int, ...] = ()  # departments the user belongs to

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, *roles: str) -> bool:
        return self.is_global or bool(self.roles & set(roles))

    def region_q(self, code_field: str) -> Q:
        """Rows whose region code (`code_field`) lies in the user's regions or grids."""
        q = Q(pk__in=[])
        for prefix in self.region_prefixes + self.grid_codes:
            q |= Q(**{f"{code_field}__startswith": prefix})
        return q


def data_scope(user) -> DataScope:
    if user is None or not getattr(user, "is_authenticated", False):
        return DataScope(user_id=None)
    cached = getattr(user, "_data_scope", None)
    if cached is not None:
        return cached
    memberships = list(user.memberships.select_related("org_unit"))
    roles = frozenset(m.role for m in memberships)
    is_global = user.is_superuser or any(
        m.role in REGION_WIDE_ROLES and m.org_unit.kind == OrgUnit.Kind.DISTRICT
        for m in memberships
    )
    prefixes, departments = set(), set()
    for m in memberships:
        unit = m.org_unit
        if m.role not in UNIT_SCOPED_ROLES:
            # A resident attached to a community or department sees only their own rows: scope
            # comes from the role and the unit together, never from the unit alone.
            continue
        if unit.kind == OrgUnit.Kind.DEPARTMENT:
            departments.add(unit.pk)
            if m.role in REGION_WIDE_ROLES:
                street = (
                    unit.parent if unit.parent and unit.parent.kind == OrgUnit.Kind.STREET else None
                )
                if street and street.region_code:
                    prefixes.add(street.region_code)
        elif unit.region_code and (
            m.role in REGION_WIDE_ROLES or unit.kind == OrgUnit.Kind.COMMUNITY
        ):
            prefixes.add(unit.region_code)
    grid_codes: tuple[str, ...] = ()
    if roles & {Role.GRID_WORKER, Role.PARTY_SPECIALIST} and apps.is_installed("yiwang.grids"):
        GridWorker = apps.get_model("grids", "GridWorker")
        grid_codes = tuple(
            GridWorker.objects.filter(user=user, is_active=True).values_list(
                "region__code", flat=True
            )
        )
    scope = DataScope(
        user_id=user.pk,
        is_global=is_global,
        roles=roles,
        region_prefixes=tuple(sorted(prefixes)),
        grid_codes=tuple(sorted(grid_codes)),
        department_ids=tuple(sorted(departments)),
    )
    user._data_scope = scope
    return scope


class ScopedQuerySet(models.QuerySet):
    """`visible_to(user)`: the rows this user may see. The model defines `scope_q(scope)`."""

    def visible_to(self, user):
        scope = data_scope(user)
        if scope.is_global:
            return self.all()
        if scope.is_anonymous:
            return self.none()
        return self.filter(self.model.scope_q(scope))


def access_or_404(queryset, *, user, message: str = "未找到。", **lookup):
    """Fetch-and-check (Zulip's access_*_by_id): missing and not-yours answer the same."""
    from yiwang.core.errors import NotFound

    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(message)  # OverflowError: an id beyond what the database holds
