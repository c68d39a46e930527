from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "closeloop.reports"
    label = "reports"
    verbose_name = "Closure quality and continuous-improvement reports"

    def ready(self) -> None:
        from .handlers import subscribe_handlers

        subscribe_handlers()
