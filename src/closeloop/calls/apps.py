from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "closeloop.calls"
    label = "calls"
    verbose_name = "Calls"
