"""Shared helpers of the party services: who is signed in, who is staff of a community."""

from __future__ import annotations

from yiwang.accounts.models import Role
from yiwang.core.errors import Forbidden

STAFF_ROLES = {Role.ADMIN, Role.LEADER, Role.DISPATCHER, Role.PARTY_SPECIALIST, Role.GRID_WORKER}


def _user(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden("请先登录。")
    return actor


def is_staff_for(user, topic_or_code) -> bool:
    """Staff of the topic's community: region-wide roles of the street, community staff,
    specialists and grid workers of grids in the community."""
    from yiwang.accounts.scope import data_scope

    code = getattr(topic_or_code, "region_code", topic_or_code)
    if user.is_superuser:
        return True
    if not user.has_role(*STAFF_ROLES):
        return False
    scope = data_scope(user)
    return scope.is_global or any(
        code.startswith(p) or p.startswith(code) for p in scope.region_prefixes + scope.grid_codes
    )
