"""Fast bulk inserts: COPY on PostgreSQL, executemany on SQLite, with explicit primary keys."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

__all__ = ["TableWriter", "next_ids", "reset_sequences"]


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
