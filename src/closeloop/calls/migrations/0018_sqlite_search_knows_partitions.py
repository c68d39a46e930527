"""SQLite: the search table gains a column holding each call's partition as a word ("p2"), which a search ANDs
with its words, so that FTS5 yields only the matches in the searcher's partitions (as PostgreSQL's index does
since 0010), however common a word is elsewhere. The table is made again and every document rewritten (about
30 s for a million calls); PostgreSQL's index is unchanged. Going back keeps the new table: the code before this
migration writes and reads its first column only."""

from django.db import migrations


def remake_the_search_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    from closeloop.calls.search import (
        SEARCH_TABLE,
        create_search_index_sql,
        keep_search_triggers,
        rebuild_search_index,
    )

    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
        for statement in create_search_index_sql(connection.vendor):
            cursor.execute(statement)
    keep_search_triggers(using=connection)  # they write the new column from now on
    rebuild_search_index(using=connection)


class Migration(migrations.Migration):

    dependencies = [("calls", "0017_call_logged_newest_in_the_model")]

    operations = [
        migrations.RunPython(remake_the_search_table, migrations.RunPython.noop, elidable=False),
    ]
