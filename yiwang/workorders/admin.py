"""System management of the work-order reference data (分类、权责清单) and a read-only view of
orders and their timeline. Orders change only through the services (the pages and the API)."""

from django.contrib import admin, messages
from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.workorders.models import (
    AssistTask,
    Category,
    ExtensionRequest,
    ResponsibilityRule,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "kind", "is_local_extension", "is_active")
    list_filter = ("kind", "is_local_extension", "is_active", "parent")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("sort_order", "code")

    def has_delete_permission(self, request, obj=None):
        return False  # 停用 (is_active) instead: orders point at categories


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin):
    """Editing a current rule publishes a new version; old versions are read-only."""

    list_display = (
        "category",
        "region_prefix",
        "primary_department",
        "limit_value",
        "limit_unit",
        "on_spot_allowed",
        "version",
        "is_current",
    )
    list_filter = ("is_current", "limit_unit", "on_spot_allowed", "primary_department")
    search_fields = ("category__code", "category__name", "region_prefix")
    autocomplete_fields = ("category",)
    filter_horizontal = ("cooperating_departments",)
    readonly_fields = ("version", "is_current", "supersedes", "created_by", "created_at")
    list_select_related = ("category", "primary_department")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_current:
            return [f.name for f in self.model._meta.fields] + ["cooperating_departments"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            previous = ResponsibilityRule.objects.select_for_update().get(pk=obj.pk)
            ResponsibilityRule.objects.filter(pk=previous.pk).update(is_current=False)
            last = (
                ResponsibilityRule.objects.filter(
                    category=obj.category, region_prefix=obj.region_prefix
                )
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
                or 0
            )
            obj.pk = None
            obj._state.adding = True
            obj.version = last + 1
            obj.supersedes = previous
            messages.info(request, f"已发布新版本 v{obj.version}；原版本保留，已派工单不受影响。")
        else:
            current = ResponsibilityRule.objects.filter(
                category=obj.category, region_prefix=obj.region_prefix, is_current=True
            ).first()
            last = (
                ResponsibilityRule.objects.filter(
                    category=obj.category, region_prefix=obj.region_prefix
                )
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
                or 0
            )
            if current is not None:
                ResponsibilityRule.objects.filter(pk=current.pk).update(is_current=False)
                obj.supersedes = current
            obj.version = last + 1
        obj.is_current = True
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="workorders.rule.publish",
            target=obj,
            after={"version": obj.version, "category": obj.category_id},
            note="系统管理后台",
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    fields = ("at", "actor_name", "action", "from_state", "to_state", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "status",
        "channel",
        "category",
        "primary_department",
        "region_code",
        "reported_at",
        "deadline",
        "supervised",
    )
    list_filter = ("status", "channel", "priority", "supervised", "primary_department")
    search_fields = ("code", "description", "address", "external_id")
    date_hierarchy = "reported_at"
    list_select_related = ("category", "primary_department")
    inlines = [EventInline]


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "order", "actor_name", "action", "from_state", "to_state")
    list_filter = ("action",)
    search_fields = ("order__code", "note")
    list_select_related = ("order",)


admin.site.register(WorkOrderPhoto, ReadOnlyAdmin)
admin.site.register(AssistTask, ReadOnlyAdmin)
admin.site.register(ExtensionRequest, ReadOnlyAdmin)
