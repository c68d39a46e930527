from django.apps import AppConfig


class PartitionsConfig(AppConfig):
    name = "closeloop.partitions"
    label = "partitions"
    verbose_name = "Partitions, groups and closure settings"

    def ready(self) -> None:
        from .snapshot import watch_desk_models

        watch_desk_models()
