"""Django admin of the economy desk (reference rows and a look at the records)."""

from django.contrib import admin

from yiwang.economy.models import (
    EnterpriseRequest,
    EvaluationRun,
    EvaluationScheme,
    FirmContact,
    FirmFigures,
    FirmProfile,
    FirmUser,
    OfficialAssignment,
    Policy,
    PolicyNotice,
    ServiceVisit,
)


class ContactInline(admin.TabularInline):
    model = FirmContact
    extra = 0
    fields = ["name", "title"]
    readonly_fields = ["name", "title"]


class FiguresInline(admin.TabularInline):
    model = FirmFigures
    extra = 0
    fields = ["year", "revenue", "tax", "energy", "land_mu", "employees", "assets"]
    readonly_fields = fields


@admin.register(FirmProfile)
class FirmProfileAdmin(admin.ModelAdmin):
    list_display = ["entity", "industry", "size_class", "above_scale", "grid", "last_visit_on"]
    list_filter = ["above_scale", "size_class", "industry_section"]
    search_fields = ["entity__name", "entity__uscc"]
    raw_id_fields = ["entity", "grid"]
    readonly_fields = ["version", "industry_section", "size_class", "size_year", "last_visit_on"]
    inlines = [ContactInline, FiguresInline]


@admin.register(OfficialAssignment)
class OfficialAssignmentAdmin(admin.ModelAdmin):
    list_display = ["firm", "official", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["firm", "official"]


@admin.register(ServiceVisit)
class ServiceVisitAdmin(admin.ModelAdmin):
    list_display = ["firm", "official", "unit_name", "visited_on"]
    raw_id_fields = ["firm", "official"]
    date_hierarchy = "visited_on"


@admin.register(FirmUser)
class FirmUserAdmin(admin.ModelAdmin):
    list_display = ["user", "firm", "created_at"]
    raw_id_fields = ["user", "firm"]


@admin.register(EnterpriseRequest)
class EnterpriseRequestAdmin(admin.ModelAdmin):
    list_display = ["firm", "work_order", "raised_by", "on_behalf", "created_at"]
    raw_id_fields = ["firm", "work_order", "raised_by"]


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "weights", "cutoffs", "benchmark_factor", "min_land_mu", "version"]
    readonly_fields = ["version"]

    def has_change_permission(self, request, obj=None):
        return False  # weights must sum to 100 %: change them through the API (services)


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["year", "counts", "is_current", "created_by", "created_at"]
    list_filter = ["year", "is_current"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "issuer", "is_active", "created_at"]
    search_fields = ["title"]

    def has_change_permission(self, request, obj=None):
        return False  # rules are checked by the services: change them through the API

    def has_add_permission(self, request):
        return False


@admin.register(PolicyNotice)
class PolicyNoticeAdmin(admin.ModelAdmin):
    list_display = ["policy", "firm", "official", "pushed_at"]
    raw_id_fields = ["policy", "firm", "official"]
