"""Notifications: e-mail to analysts and contacts, written to an outbox with the change that causes it and
delivered later by the worker."""
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "closeloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from closeloop.partitions.snapshot import watch_desk_model

        from .handlers import subscribe_handlers
        from .models import NotificationPreference

        subscribe_handlers()
        watch_desk_model(NotificationPreference)  # the analysts told of an event are kept with the desk
