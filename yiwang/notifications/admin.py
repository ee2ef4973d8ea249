from django.contrib import admin

from yiwang.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "sms_state"]
    list_filter = ["kind", "sms_state"]
    search_fields = ["title", "recipient__username", "recipient__display_name"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
