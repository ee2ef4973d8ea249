from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from yiwang.accounts.models import LoginSession, Membership, OrgUnit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("org_unit",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name")
    fieldsets = BaseUserAdmin.fieldsets + (("一网", {"fields": ("display_name", "phone")}),)
    inlines = [MembershipInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "region_code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "org_unit", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "org_unit__name")
    autocomplete_fields = ("user", "org_unit")


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    """Sign-ins, read-only: a user ends their own on /accounts/sessions/; a password reset
    here ends every token of that user."""

    list_display = ("user", "kind", "key_prefix", "created_at", "expires_at", "revoked_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__display_name")
    readonly_fields = [f.name for f in LoginSession._meta.fields if f.name != "key_digest"]
    exclude = ("key_digest",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
