from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "closeloop.calls"
    label = "calls"
    verbose_name = "Calls"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .handlers import subscribe_handlers
        from .search import keep_search_triggers_after_migrating

        subscribe_handlers()
        post_migrate.connect(keep_search_triggers_after_migrating, sender=self)
