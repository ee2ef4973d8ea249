"""Error codes of the notification services."""

from __future__ import annotations

from enum import StrEnum


class NotificationErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
