"""Notifications: e-mail to analysts and contacts, written to an outbox with the change that causes it and
delivered later by the worker."""
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "closeloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from .handlers import subscribe_handlers

        subscribe_handlers()
