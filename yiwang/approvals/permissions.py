"""Who may act (权限): window clerks by street, step holders by department and role.

Memberships are read once per request and cached on the user object.
"""

from __future__ import annotations

from yiwang.accounts.models import Membership, OrgUnit, Role


def _memberships(user) -> list[tuple]:
    cached = getattr(user, "_approvals_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).values_list(
                "org_unit_id", "org_unit__kind", "org_unit__parent_id", "role"
            )
        )
        user._approvals_memberships = cached
    return cached


def streets_of(user, *roles: str) -> set[int]:
    """The streets where `user` holds one of `roles` (a department or community counts for its
    street: a window clerk of 为民服务中心 serves that street)."""
    out = set()
    for unit_id, kind, parent_id, role in _memberships(user):
        if role not in roles:
            continue
        if kind == OrgUnit.Kind.STREET:
            out.add(unit_id)
        elif parent_id:
            out.add(parent_id)
    return out


def is_clerk_of(user, street_id: int) -> bool:
    return user.is_superuser or street_id in streets_of(user, Role.WINDOW_CLERK)


def holds_step(user, step) -> bool:
    if user.is_superuser:
        return True
    return any(
        unit_id == step.department_id and role == step.role
        for unit_id, _k, _p, role in _memberships(user)
    )


def may_hand_in(user, app) -> bool:
    """Who may hand in a material of an application: its applicant (or who submitted it on
    their behalf) and the window clerks of its street."""
    return user.pk in (app.applicant_id, app.submitted_by_id) or is_clerk_of(user, app.street_id)
