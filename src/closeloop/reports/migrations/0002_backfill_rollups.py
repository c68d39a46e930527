"""Built the daily roll-ups of an existing desk from its calls, history and closure decisions.

The build now happens in the newest roll-up migration (0004, which also counts the Closure SLA roll-up):
`rebuild_rollups` writes the tables as the newest migration leaves them, so it runs once, after the last of
their changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_daily_rollups")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
