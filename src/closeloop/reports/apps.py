from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "closeloop.reports"
    label = "reports"
    verbose_name = "Closure quality and continuous-improvement reports"
