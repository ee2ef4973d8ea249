"""系统管理 · 巡查走访: the visit plan (admin-edited) and read-only views of visits and patrols.

Visits and patrols are records of what happened in the field: the admin shows them but never
edits them (changes go through the services, with their audit events)."""

from __future__ import annotations

from django.contrib import admin

from yiwang.fieldwork.models import HouseholdAssignment, Patrol, Visit, VisitPlan


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "start_date", "cycle_months", "far_threshold_m", "completion_target",
                    "is_active"]  # fmt: skip


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HouseholdAssignment)
class HouseholdAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["household", "worker", "region_code", "assigned_on", "last_visit_on"]
    list_filter = ["worker"]
    search_fields = ["household__code", "region_code"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["household", "visitor", "visited_at", "round_number", "source",
                    "distance_m", "location_flag"]  # fmt: skip
    list_filter = ["source", "round_number"]
    date_hierarchy = "visited_at"


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ["pk", "worker", "region_code", "status", "started_at", "distance_m",
                    "duration_s", "point_count", "flagged_count"]  # fmt: skip
    list_filter = ["status"]
