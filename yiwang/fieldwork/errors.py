"""Error codes of field work (machines read the code, people the Chinese message)."""

from __future__ import annotations

from enum import StrEnum


class FieldworkErrorCode(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    STALE_VERSION = "stale_version"
    NOT_ASSIGNABLE = "not_assignable"  # the worker is neither 党群专员 nor 网格员
    PATROL_ENDED = "patrol_ended"  # points or reports sent to an ended patrol
    PATROL_ACTIVE = "patrol_active"  # a second patrol started while one runs
