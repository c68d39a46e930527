"""A bulk load sets the calls tables' secondary indexes (and PostgreSQL's foreign keys) aside and builds them once
at the end (`indexes_built_after`): afterwards the tables have every index and key they had, exactly as
defined; a load that fails leaves them as they were; and the foreign keys still refuse a row pointing nowhere."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.ops.bulkload import TableWriter, indexes_built_after
from closeloop.ops.generate import generate_desk

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = [Call, CallEvent, ClosureDecision]


def _definitions() -> dict[str, object]:
    """Every index and constraint of the calls tables, as the database holds them (with their definitions where
    the engine gives them: PostgreSQL's catalog, SQLite's schema)."""
    names = [m._meta.db_table for m in TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                           "WHERE indrelid = ANY(%s::regclass[])", [names])
            found: dict[str, object] = dict(cursor.fetchall())
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = ANY(%s::regclass[])", [names])
            found.update(cursor.fetchall())
            return found
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ({marks})", names)
        return {name: (table, sql) for name, table, sql in cursor.fetchall()}


def test_a_generated_desk_has_every_index_and_key_the_migrations_made():
    before = _definitions()
    assert len([name for name in before if "call" in name]) > 20  # the calls table's many indexes are there
    generate_desk(300, 2, 8, seed=2)
    assert _definitions() == before
    generate_desk(100, 2, 8, seed=2)  # topped up: the indexes are set aside and built again over more rows
    assert _definitions() == before


def test_a_load_that_fails_leaves_the_indexes_and_keys_as_they_were():
    before = _definitions()
    with pytest.raises(RuntimeError, match="half way"), transaction.atomic():
        with indexes_built_after(TABLES):
            assert _definitions() != before  # set aside inside the transaction
            raise RuntimeError("the load failed half way")
    assert _definitions() == before


def test_a_row_pointing_at_no_call_is_refused_when_its_key_is_built_again():
    generate_desk(20, 1, 6, seed=4)
    columns = [f.attname for f in CallEvent._meta.concrete_fields]
    event = CallEvent.objects.order_by("id").values(*columns).first()
    assert event is not None
    stray = {**event, "id": 10**9, "call_id": 10**9}  # no call has that id
    with pytest.raises(IntegrityError), transaction.atomic():
        with indexes_built_after(TABLES):
            TableWriter(CallEvent, columns).write([[stray[c] for c in columns]])
    assert not CallEvent.objects.filter(pk=10**9).exists()


def test_setting_indexes_aside_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"), indexes_built_after(TABLES):
        pass
