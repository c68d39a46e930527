from django.contrib import admin

from .models import Call, CallEvent


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "note", "details")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Read-only: calls change only through the services, so rules and history are never bypassed."""

    list_display = ("ref", "partition", "call_type", "summary", "status", "priority", "logged_at")
    list_filter = ("partition", "status", "call_type")
    search_fields = ("ref", "summary")
    inlines = [CallEventInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
