"""System management (系统管理) of 业务对接: Open311 keys, service attributes, submissions."""

from django.contrib import admin, messages

from yiwang.integrations.models import Open311ApiKey, Open311ServiceAttribute, Open311Submission


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix", "user__username"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    fields = ["name", "user", "is_active", "key_prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        if not change:
            raw = Open311ApiKey.new_key()
            obj.set_key(raw)
            super().save_model(request, obj, form, change)
            messages.warning(request, f"新密钥（只显示这一次，请妥善保存）：{raw}")
            return
        super().save_model(request, obj, form, change)


@admin.register(Open311ServiceAttribute)
class Open311ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "datatype", "required", "order", "description"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name", "category__code"]
    raw_id_fields = ["category"]


@admin.register(Open311Submission)
class Open311SubmissionAdmin(admin.ModelAdmin):
    list_display = ["token", "work_order", "api_key", "service_code", "device_id", "created_at"]
    list_filter = ["api_key"]
    search_fields = ["token", "work_order__code", "device_id", "account_id"]
    readonly_fields = [f.name for f in Open311Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
