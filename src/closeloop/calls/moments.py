"""Reading many times at once, cheaply.

A preview reads some tens of thousands of times. Django's PostgreSQL adapter parses each timestamp in Python
(about 6 µs apiece); read as seconds since 1970 instead, a time costs a float and `datetime.fromtimestamp`.
`seconds(column)` is that reading on PostgreSQL (exact to the microsecond: a double holds every microsecond of
this century) and the column as stored on SQLite; `moment(value, zone)` turns either into an aware datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from django.db.models import F, Field, Func

__all__ = ["seconds", "moment"]


class _Seconds(Func):
    # a plain Field: Django converts neither way, the value arrives as the driver gives it (float or text)
    output_field = Field()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s", **extra)  # its stored text


def seconds(column: str) -> Func:
    """The time in `column`, to read with `moment`."""
    return _Seconds(F(column))


def moment(value: float | datetime | None, zone: tzinfo) -> datetime | None:
    """A time read with `seconds`, in `zone` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):  # SQLite: its driver parses the column as the naive UTC Django stored
        return value.replace(tzinfo=UTC).astimezone(zone)
    return datetime.fromtimestamp(value, zone)
