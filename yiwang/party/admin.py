"""系统管理 · 党建: the 四色网格 rules (admin-edited, checked by `ColourRule.clean`), the
organisation tree, teams; read-only views of topics and colours (they change through the
services, with their audit events)."""

from __future__ import annotations

from django.contrib import admin

from yiwang.party.models import (
    AllianceUnit,
    ColourRule,
    GridColour,
    PartyOrganisation,
    Topic,
    VolunteerTeam,
)


@admin.register(ColourRule)
class ColourRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "colour", "label", "conditions", "is_active"]
    list_editable = ["is_active"]
    ordering = ["priority"]


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "grid", "term_started_on", "term_years",
                    "is_active"]  # fmt: skip
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "region_code"]
    raw_id_fields = ["parent", "grid", "org_unit"]


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "region_code"]


@admin.register(AllianceUnit)
class AllianceUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "legal_entity", "region_code", "joined_on", "is_active"]
    raw_id_fields = ["legal_entity"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "region_code", "status", "outcome", "rule", "created_at"]
    list_filter = ["status", "outcome"]


@admin.register(GridColour)
class GridColourAdmin(ReadOnlyAdmin):
    list_display = ["region_code", "month", "colour", "label"]
    list_filter = ["month", "colour"]
