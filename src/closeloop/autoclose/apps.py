from django.apps import AppConfig


class AutoCloseConfig(AppConfig):
    name = "closeloop.autoclose"
    label = "autoclose"
    verbose_name = "Call Auto Close"
