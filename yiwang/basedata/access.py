"""Who may see and change base data (数据范围与权限), built on `accounts.scope.data_scope`.

- Reading: `registry_q` (used by the models' `scope_q`) — see the table in models.py. Grid
  workers see their grids, community staff their community, street roles the street; the window
  clerk (综窗) sees the people of the street to check applicants; department staff and
  enforcement officers see houses and legal entities of their street (inspections) but none of
  the people registry; residents see nothing.
- Unmasked personal data: roles in `PII_ROLES` only (each view audited by the services).
- Writing: `EDITOR_ROLES` within the rows they can see; colour tags also the command centre.
  A write with `actor=None` is the system itself (management commands run by the operator).
"""

from __future__ import annotations

from django.db.models import Q

from yiwang.accounts.models import PII_ROLES, Membership, OrgUnit, Role
from yiwang.accounts.scope import DataScope, data_scope

EDITOR_ROLES = {Role.GRID_WORKER, Role.PARTY_SPECIALIST, Role.ADMIN}
COLOUR_ROLES = EDITOR_ROLES | {Role.DISPATCHER}
STAFF_ROLES = set(Role.values) - {Role.RESIDENT}
# Roles that see the registries of the street their (department) unit belongs to.
STREET_PEOPLE_ROLES = {Role.WINDOW_CLERK}
STREET_PLACES_ROLES = {Role.WINDOW_CLERK, Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER}


def _unit_street_codes(user_id: int, roles: set[str]) -> tuple[str, ...]:
    """Region codes of the street (or community) of each unit where the user holds `roles`."""
    codes = set()
    memberships = Membership.objects.filter(user_id=user_id, role__in=roles).select_related(
        "org_unit__parent"
    )
    for m in memberships:
        unit = m.org_unit
        if unit.kind in (OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY) and unit.region_code:
            codes.add(unit.region_code)
        elif unit.parent and unit.parent.kind == OrgUnit.Kind.STREET and unit.parent.region_code:
            codes.add(unit.parent.region_code)
    return tuple(sorted(codes))


def registry_prefixes(scope: DataScope, *, people: bool) -> tuple[str, ...] | None:
    """Region-code prefixes of the rows the scope may read; None means everything."""
    if scope.is_global:
        return None
    if scope.is_anonymous or not (scope.roles & STAFF_ROLES):
        return ()
    prefixes = set(scope.region_prefixes) | set(scope.grid_codes)
    extra_roles = scope.roles & (STREET_PEOPLE_ROLES if people else STREET_PLACES_ROLES)
    if extra_roles:
        prefixes |= set(_unit_street_codes(scope.user_id, extra_roles))
    # Department staff hold no region prefix in data_scope unless region-wide; people: none.
    return tuple(sorted(prefixes))


def prefixes_q(prefixes: tuple[str, ...] | None, code_field: str) -> Q:
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{code_field}__startswith": prefix})
    return q


def registry_q(scope: DataScope, code_field: str, *, people: bool) -> Q:
    return prefixes_q(registry_prefixes(scope, people=people), code_field)


def code_in(prefixes: tuple[str, ...] | None, code: str) -> bool:
    return prefixes is None or any(code.startswith(p) for p in prefixes)


def is_system(actor) -> bool:
    """`actor=None`: the operator's command line, not a signed-in user."""
    return actor is None


def may_see_pii(actor) -> bool:
    """May this actor see unmasked personal data (after stating a purpose)?"""
    return is_system(actor) or bool(actor.is_authenticated and actor.has_role(*PII_ROLES))


def may_see_names(actor) -> bool:
    """Full names in lists: the PII roles; others (leader, dispatcher) see 张*."""
    return may_see_pii(actor)


def may_edit(actor, roles=EDITOR_ROLES) -> bool:
    return is_system(actor) or bool(actor.is_authenticated and actor.has_role(*roles))


def writable_prefixes(actor, *, people: bool, roles=EDITOR_ROLES) -> tuple[str, ...] | None:
    """Grids the actor may write rows into (None: all); () when the actor may not write."""
    if is_system(actor):
        return None
    if not may_edit(actor, roles):
        return ()
    scope = data_scope(actor)
    prefixes = registry_prefixes(scope, people=people)
    if prefixes is None:
        return None
    # Writers write where they work: window/department read-only extensions do not count.
    own = set(scope.region_prefixes) | set(scope.grid_codes)
    return tuple(p for p in prefixes if p in own)
