"""Reads of the inbox: a user sees only their own messages."""

from __future__ import annotations

from yiwang.notifications.models import Notification


def notification_list(*, user, unread_only: bool = False):
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return notification_list(user=user, unread_only=True).count()
