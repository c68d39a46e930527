from django.apps import AppConfig


class PartitionsConfig(AppConfig):
    name = "closeloop.partitions"
    label = "partitions"
    verbose_name = "Partitions, groups and closure settings"
