"""Django admin of 综合执法: the matter list, officers and their declared interests, and
read-only views of cases, documents and inspection plans."""

from django.contrib import admin

from yiwang.enforcement.models import (
    Case,
    CaseEvent,
    CaseRecord,
    Discussion,
    Document,
    InspectionPlan,
    Interest,
    Matter,
    Officer,
    Preservation,
    Publication,
    Statement,
)


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain", "revision", "is_current", "simple_procedure",
                    "devolved"]  # fmt: skip
    list_filter = ["domain", "is_current", "devolved", "simple_procedure"]
    search_fields = ["code", "name", "legal_basis"]

    def has_change_permission(self, request, obj=None):
        return False  # a change is a new version: use the .xlsx import or matter_save


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "certificate_number", "certified_until",
                    "legal_reviewer", "is_active"]  # fmt: skip
    list_filter = ["department", "legal_reviewer", "is_active"]
    search_fields = ["user__username", "user__display_name", "certificate_number"]


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ["user", "party_name", "credit_code", "reason", "created_at"]
    search_fields = ["party_name", "credit_code", "user__username"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor_name", "action", "from_stage", "to_stage", "note"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["code", "procedure", "stage", "party_name", "matter", "opened_at"]
    list_filter = ["procedure", "stage", "source"]
    search_fields = ["code", "party_name"]
    exclude = ["party_id_number", "party_phone", "party_id_hash"]
    inlines = [CaseEventInline]

    def has_change_permission(self, request, obj=None):
        return False  # every change is a step of the services


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "case", "issued_at", "voided_at", "void_reason"]
    list_filter = ["kind", "year"]
    search_fields = ["number"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "seed", "population_size", "drawn_at"]
    readonly_fields = ["seed", "population_size", "population_hash", "pool_hash", "drawn_at",
                       "drawn_by", "excluded"]  # fmt: skip


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the case steps: shown, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CaseRecord)
class CaseRecordAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "subject_name", "subject_role", "started_at"]
    list_filter = ["kind"]
    exclude = ["subject_id_number"]


@admin.register(Preservation)
class PreservationAdmin(ReadOnlyAdmin):
    list_display = ["case", "approver", "saved_at", "due", "decision", "decided_at"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["case", "speaker", "method", "received_at", "conclusion", "reviewed_at"]


@admin.register(Discussion)
class DiscussionAdmin(ReadOnlyAdmin):
    list_display = ["case", "held_at", "chair", "conclusion"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "due", "published_at", "late_flagged_at", "withdrawn_at"]
    list_filter = ["kind"]
