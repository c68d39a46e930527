"""The desk version row: app nodes keep the directory and closure settings they read while it is unchanged.

An existing desk gets its row now; an empty database stays empty (ready for `closeloop restore`), and the first
change to its directory writes the row.
"""

import secrets

from django.db import migrations, models


def first_version(apps, schema_editor):  # type: ignore[no-untyped-def]
    if apps.get_model("partitions", "Partition").objects.exists():
        apps.get_model("partitions", "DeskVersion").objects.create(id=1, version=secrets.randbits(62))


class Migration(migrations.Migration):

    dependencies = [
        ("partitions", "0009_sampling_policy"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeskVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
