from django.contrib import admin

from .models import ClosureReason, ClosureSettings, IpkGroup, Partition, SettingsChange


@admin.register(Partition)
class PartitionAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")


@admin.register(IpkGroup)
class IpkGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "partition", "active")
    list_filter = ("partition",)
    filter_horizontal = ("members",)


@admin.register(ClosureSettings)
class ClosureSettingsAdmin(admin.ModelAdmin):
    """Read-only here: closure settings change only through the audited, validated use case."""

    list_display = ("partition", "version", "closure_method", "closure_rule", "closure_group")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    list_display = ("partition", "subject", "version", "changed_by", "changed_at", "change_reason")
    list_filter = ("partition", "subject")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ClosureReason)
class ClosureReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "partition", "active")
    list_filter = ("partition",)
