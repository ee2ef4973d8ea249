"""Background work of notifications, run by the worker (`yiwang worker`)."""

from __future__ import annotations

from yiwang.notifications import services


def sms_retry() -> dict:
    """Send every SMS that is due: new ones the inline attempt missed, failed ones past their
    backoff. Scheduled every minute."""
    return services.sms_retry_due()
