from django.contrib import admin

from yiwang.command.models import (
    AssessmentScheme,
    AssessmentSnapshot,
    ContingencyPlan,
    EscalationPolicy,
    Incident,
    IncidentEvent,
    Task,
    TaskAssignment,
)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    """上报链: edited here; `clean` refuses unknown or repeated links and a zero window."""

    list_display = ["level", "ack_minutes", "chain", "department"]


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    """考核权重: `clean` refuses weights that do not sum to 100 %."""

    list_display = ["kind", "weights", "version", "updated_at"]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        from yiwang.core.audit import audit_record

        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="assessment.weights", target=obj, after=obj.weights)


class AssignmentInline(admin.TabularInline):
    model = TaskAssignment
    extra = 0
    fields = ["grid", "state", "confirmed_at", "reported_at", "on_time", "note"]
    readonly_fields = fields
    can_delete = False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "due", "region_code", "created_by", "created_at"]
    inlines = [AssignmentInline]
    readonly_fields = ["created_by", "incident", "version"]


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    readonly_fields = ["at", "kind", "step", "actor_name", "user_ids", "note"]
    can_delete = False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["code", "level", "type", "status", "step", "created_at"]
    list_filter = ["level", "type", "status"]
    inlines = [IncidentEventInline]
    readonly_fields = [f.name for f in Incident._meta.fields]

    def has_add_permission(self, request):
        return False  # incidents are raised through the service (chain, notifications)


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "incident_type", "task_title", "radius_m", "due_hours", "is_active"]
    list_filter = ["incident_type", "is_active"]


@admin.register(AssessmentSnapshot)
class AssessmentSnapshotAdmin(admin.ModelAdmin):
    """月度考核存档: read-only; stored by the worker on the 1st or through the API."""

    list_display = ["month", "kind", "stored_at", "stored_by"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in AssessmentSnapshot._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
