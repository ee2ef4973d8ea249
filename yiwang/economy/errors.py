"""Error codes of the economy services (machines read `code`, people read the message)."""

from __future__ import annotations

from enum import StrEnum


class EconomyErrorCode(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    STALE_VERSION = "stale_version"
    DUPLICATE = "duplicate"  # the firm, figures or assignment exists already
    INVALID_SCHEME = "invalid_scheme"  # weights not summing to 100 %, bad cut-offs
    INVALID_RULE = "invalid_rule"  # a policy rule that is malformed or names an unknown field
    NOT_A_FIRM = "not_a_firm"  # the legal entity is not an enterprise or sole trader
    NO_LOCATION = "no_location"  # a request of a firm with neither point nor address
