from django.apps import AppConfig


class PartitionsConfig(AppConfig):
    name = "closeloop.partitions"
    label = "partitions"
    verbose_name = "Partitions, groups and closure settings"

    def ready(self) -> None:
        from .handlers import subscribe_handlers
        from .snapshot import watch_desk_models

        watch_desk_models()
        subscribe_handlers()
