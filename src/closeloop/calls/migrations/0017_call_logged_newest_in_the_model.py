"""The newest-first index of calls, made by the search migration (0009) in SQL of its own, is declared on the model:
SQLite rebuilds a table for some migrations and keeps only the indexes Django knows of, so a SQLite desk had lost
it (a search then sorted every match instead of walking the newest calls). Created where it is missing; a desk that
has it (PostgreSQL's) keeps it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("calls", "0016_rolled_up")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex("call", models.Index(fields=["-logged_at", "-id"], name="call_logged_newest")),
            ],
            database_operations=[
                migrations.RunSQL(
                    "CREATE INDEX IF NOT EXISTS call_logged_newest ON calls_call (logged_at DESC, id DESC)",
                    reverse_sql="DROP INDEX IF EXISTS call_logged_newest",
                ),
            ],
        ),
    ]
