"""`{% notification_bell %}`: the bell with the unread count, on every page (base.html)."""

from django import template

from yiwang.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("_notification_bell.html", takes_context=True)
def notification_bell(context):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    if not getattr(user, "is_authenticated", False):
        return {"bell_hidden": True}
    return {"bell_unread": unread_count(user=user)}
