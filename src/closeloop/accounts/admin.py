from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Analyst, ApiToken, GeneralAccessRole, IpkRole, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Analyst)
class AnalystAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Closeloop", {"fields": ("general_access_role",)}))
    list_display = ("username", "first_name", "last_name", "general_access_role", "is_active")
    inlines = [MembershipInline]


admin.site.register(GeneralAccessRole)
admin.site.register(IpkRole)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("analyst", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")
