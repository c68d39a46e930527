from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "closeloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
