"""PostgreSQL: each word of a call's search document carries the call's partition ("p3xprinter"), so that
the GIN index answers a search within the searcher's partitions. Rewrites every document (SQLite's index is
unchanged)."""

from django.db import migrations


def rewrite_documents(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.calls.search import rebuild_search_index

    if schema_editor.connection.vendor == "postgresql":
        rebuild_search_index(using=schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0009_search'),
    ]

    operations = [
        migrations.RunPython(rewrite_documents, rewrite_documents, elidable=False),
    ]
