"""Django admin of 审批服务: the catalogue is edited here (or imported as .xlsx); applications,
ratings and rectifications are read-only records (their changes go through the services)."""

from django.contrib import admin

from yiwang.approvals.models import (
    Application,
    ApplicationEvent,
    ApplicationStep,
    Bundle,
    BundleItem,
    CenterPolicy,
    ItemMaterial,
    Paper,
    Rating,
    Rectification,
    RectificationFollowUp,
    ResultDocument,
    ServiceItem,
    StepDefinition,
    StepFlow,
)


class ItemMaterialInline(admin.TabularInline):
    model = ItemMaterial
    extra = 0
    fields = (
        "sort_order",
        "key",
        "name",
        "required",
        "form",
        "formats",
        "original_needed",
        "copies",
        "reusable",
        "note",
    )


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "item_type",
        "affair_type",
        "promised_limit_days",
        "department",
        "max_visits",
        "community_may_accept",
        "is_active",
    )
    list_filter = ("item_type", "affair_type", "department", "community_may_accept", "is_active")
    search_fields = ("code", "name", "keywords")
    filter_horizontal = ("devolved_to",)
    inlines = [ItemMaterialInline]


class StepDefinitionInline(admin.TabularInline):
    model = StepDefinition
    extra = 0


@admin.register(StepFlow)
class StepFlowAdmin(admin.ModelAdmin):
    """Flows are versioned: publish a new version (import, or `step_flow_publish`) rather than
    editing one that applications have pinned."""

    list_display = ("item", "version", "is_current", "created_at", "note")
    list_filter = ("is_current",)
    search_fields = ("item__name", "item__code")
    inlines = [StepDefinitionInline]


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 0
    autocomplete_fields = ("item",)


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "lead_department", "max_visits", "is_active")
    search_fields = ("code", "name")
    inlines = [BundleItemInline]


@admin.register(CenterPolicy)
class CenterPolicyAdmin(admin.ModelAdmin):
    list_display = ("street", "rectify_workdays", "notice_workdays")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = ApplicationStep
    extra = 0
    can_delete = False
    fields = (
        "order",
        "name",
        "department",
        "state",
        "started_at",
        "deadline",
        "acted_by",
        "opinion",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor_name", "label", "from_status", "to_status", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "kind",
        "item",
        "bundle",
        "status",
        "street",
        "channel",
        "submitted_at",
        "deadline",
        "visits",
    )
    list_filter = ("status", "kind", "channel", "street")
    search_fields = ("number", "applicant_name")
    exclude = ("applicant_phone", "applicant_id_number", "form_private")
    inlines = [StepInline, EventInline]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("application", "level", "comment", "created_at")
    list_filter = ("level",)


class FollowUpInline(admin.TabularInline):
    model = RectificationFollowUp
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "note", "actor", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("application", "department", "state", "deadline", "closed_at", "outcome")
    list_filter = ("state", "outcome", "department")
    inlines = [FollowUpInline]


@admin.register(Paper)
class PaperAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "application", "issued_at", "issued_by")
    list_filter = ("kind", "year")
    search_fields = ("number", "application__number")


@admin.register(ResultDocument)
class ResultDocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "application", "issued_at")
    list_filter = ("year",)
    search_fields = ("number", "name", "application__number")
