"""Error codes of the work-order services (machines read `code`, people read the message)."""

from __future__ import annotations

from enum import StrEnum


class WorkOrderErrorCode(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    STALE_VERSION = "stale_version"
    INVALID_STATE = "invalid_state"  # the action is not allowed in the order's current state
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    NO_RULE = "no_rule"  # no responsibility rule and no department/limit given
    ON_SPOT_NOT_ALLOWED = "on_spot_not_allowed"
    ALREADY_RATED = "already_rated"
    EXTENSION_PENDING = "extension_pending"
    NO_PENDING_EXTENSION = "no_pending_extension"
    DEADLINE_PASSED = "deadline_passed"
    ASSIST_DUPLICATE = "assist_duplicate"
    OUTSIDE_STREET = "outside_street"  # a point outside every street (interactive channels)
    ALREADY_SUPPORTED = "already_supported"  # 我也遇到 twice on the same order
    CHANNEL_FORBIDDEN = "channel_forbidden"  # the channel's owner refused the user (hooks.py)
