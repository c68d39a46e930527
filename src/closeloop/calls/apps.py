from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "closeloop.calls"
    label = "calls"
    verbose_name = "Calls"

    def ready(self) -> None:
        from .handlers import subscribe_handlers

        subscribe_handlers()
