"""Error codes of the party app (machines read the code, people the Chinese message)."""

from __future__ import annotations

from enum import StrEnum


class PartyErrorCode(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    STALE_VERSION = "stale_version"
    INVALID_STATE = "invalid_state"  # the topic's state does not allow the action
    ALREADY_VOTED = "already_voted"  # a second vote by the same resident or household
    NOT_ELIGIBLE = "not_eligible"  # not a registered adult resident of the community
    VOTING_CLOSED = "voting_closed"
    ORDERS_OPEN = "orders_open"  # follow-up orders not yet finished
    BAD_RULE = "bad_rule"
