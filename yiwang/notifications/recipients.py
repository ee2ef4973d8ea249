"""Who is told (收件人): the people behind org units and roles, for the domain services that
call `notify`. Reads accounts only (the ground floor).

A department's head (部门负责人) is a member of the department holding the leader or admin role
there; a department without one is told through all its staff, so nobody misses an overdue
order for want of a configured head.
"""

from __future__ import annotations

from yiwang.accounts.models import Membership, OrgUnit, Role, User

STAFF_ROLES = (Role.DEPARTMENT_STAFF, Role.ENFORCEMENT_OFFICER)
HEAD_ROLES = (Role.LEADER, Role.ADMIN)


def _users(memberships) -> list[User]:
    ids = memberships.values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def department_staff(department_id: int | None) -> list[User]:
    if not department_id:
        return []
    return _users(Membership.objects.filter(org_unit_id=department_id, role__in=STAFF_ROLES))


def department_heads(department_id: int | None) -> list[User]:
    if not department_id:
        return []
    heads = _users(Membership.objects.filter(org_unit_id=department_id, role__in=HEAD_ROLES))
    return heads or department_staff(department_id)


def community_staff(region_code: str) -> list[User]:
    """Members of the community (社区) whose region holds `region_code`."""
    if len(region_code) < 12:
        return []
    return _users(
        Membership.objects.filter(
            org_unit__kind=OrgUnit.Kind.COMMUNITY, org_unit__region_code=region_code[:12]
        )
    )


def street_users(region_code: str, role: str) -> list[User]:
    """Holders of `role` in the street (街道) whose region holds `region_code`."""
    if len(region_code) < 9:
        return []
    return _users(
        Membership.objects.filter(
            org_unit__kind=OrgUnit.Kind.STREET, org_unit__region_code=region_code[:9], role=role
        )
    )


def active_users(ids) -> list[User]:
    return list(User.objects.filter(pk__in=list(ids), is_active=True).order_by("pk"))
