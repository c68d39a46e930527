"""Fast bulk inserts: COPY on PostgreSQL, executemany on SQLite, with explicit primary keys; a table's secondary
indexes (and on PostgreSQL its foreign keys) set aside while it loads and built once at the end, as pg_restore
does."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

__all__ = ["TableWriter", "next_ids", "reset_sequences", "indexes_built_after"]


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The text Django's SQLite backend stores: naive UTC, microseconds only when non-zero.
    if value is None:
        return None
    return str(value.astimezone(UTC).replace(tzinfo=None))


class TableWriter:
    """Writes plain tuples into one model's table, columns named by field attname."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        meta = model._meta
        fields = [next(f for f in meta.concrete_fields if f.attname == name) for name in attnames]
        self.table = meta.db_table
        self.columns = [f.column for f in fields]
        self._datetime = [isinstance(f, models.DateTimeField) for f in fields]
        self._json = [isinstance(f, models.JSONField) for f in fields]

    def _adapters(self) -> list[tuple[int, Callable[[Any], Any]]]:
        sqlite = connection.vendor == "sqlite"
        adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for index, (is_dt, is_json) in enumerate(zip(self._datetime, self._json, strict=True)):
            if is_json:
                adapters.append((index, json.dumps))
            elif is_dt and sqlite:
                adapters.append((index, _sqlite_datetime))
        return adapters

    def _adapt_all(self, rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        adapters = self._adapters()
        adapted = []
        for row in rows:
            values = list(row)
            for index, adapt in adapters:
                values[index] = adapt(values[index])
            adapted.append(values)
        return adapted

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        """Insert every row in the current transaction; returns how many."""
        adapted = self._adapt_all(rows)
        if not adapted:
            return 0
        quote = connection.ops.quote_name
        cols = ", ".join(quote(c) for c in self.columns)
        # wrap_database_errors: COPY runs on psycopg's own cursor; its errors become Django's (DataError...)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in adapted:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {quote(self.table)} ({cols}) VALUES ({marks})", adapted)
        return len(adapted)


def next_ids(model: type[models.Model]) -> int:
    """The first free primary key of a table (rows written later take ids upwards from here)."""
    top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return int(top or 0) + 1


def reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@contextmanager
def indexes_built_after(model_list: Sequence[type[models.Model]]) -> Iterator[None]:
    """Load these tables without their secondary indexes and (PostgreSQL) foreign keys, then build each once.

    Keeping 28 indexes of `calls_call` row by row, and checking 14 foreign keys of each row at commit, cost more
    than the rows' own writing; an index built from the loaded rows (a sort) and a foreign key checked in one
    join cost a fraction. Primary keys and unique indexes stay, so duplicates are refused as they arrive and
    other tables' foreign keys keep what they point at. SQLite checks a foreign key at each insert through the
    parent's primary key, which stays, so its foreign keys are left alone.

    Must run inside a transaction: the indexes are dropped in it, so a load that fails leaves them as they were
    (both engines' DDL is transactional). What the `with` block writes must not need the indexes to be fast.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_after() must run inside transaction.atomic()")
    tables = [m._meta.db_table for m in model_list]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                   WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
                   ORDER BY 1""", [tables])
            indexes = cursor.fetchall()
            cursor.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2""", [tables])
            keys = cursor.fetchall()
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"""SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                    AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks}) ORDER BY 1""", tables)
            indexes, keys = cursor.fetchall(), []
        quote = connection.ops.quote_name
        if keys:  # the checks this transaction deferred run now: PostgreSQL alters no table with checks pending
            connection.check_constraints()
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name if connection.vendor == 'postgresql' else quote(name)}")
    yield
    if keys:
        connection.check_constraints()
    with connection.cursor() as cursor:
        for _, create in indexes:
            cursor.execute(create)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
