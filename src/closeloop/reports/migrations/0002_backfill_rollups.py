"""Built the daily roll-ups of an existing desk from its calls, history and closure decisions.

The build now happens in 0003 (which also counts the rejection-rate roll-up by sampling): `rebuild_rollups`
writes the tables as the newest migration leaves them, so it runs once, after the last of their changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_daily_rollups")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
