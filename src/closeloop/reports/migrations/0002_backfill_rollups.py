"""Build the daily roll-ups of an existing desk from its calls, history and closure decisions."""

from django.db import migrations


def build(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.reports.rollups import rebuild_rollups

    rebuild_rollups()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_daily_rollups")]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
