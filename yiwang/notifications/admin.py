from django.contrib import admin

from yiwang.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "masked_phone",
        "kind",
        "title",
        "read_at",
        "sms_state",
    ]
    list_filter = ["kind", "sms_state"]
    search_fields = ["title", "recipient__username", "recipient__display_name"]
    # The bare phone (短信号码) is shown masked only, in the list and on the detail page.
    exclude = ["phone"]
    readonly_fields = [
        *(f.name for f in Notification._meta.fields if f.name != "phone"),
        "masked_phone",
    ]

    @admin.display(description="短信号码")
    def masked_phone(self, obj) -> str:
        return obj.masked_phone

    def has_add_permission(self, request):
        return False
