"""The full-text search index of calls (PostgreSQL: a tsvector with a GIN index; SQLite: FTS5), filled
with the calls already on the desk."""

from django.db import migrations


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.calls.search import create_search_index_sql, rebuild_search_index

    for statement in create_search_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)
    rebuild_search_index(using=schema_editor.connection)


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.calls.search import drop_search_index_sql

    for statement in drop_search_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0008_working_the_desk'),
        ('contacts', '0002_contact_one_per_email'),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
