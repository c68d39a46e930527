"""Reading the daily roll-ups: the rows of a partition's period, and the names their ids stand for.

A report sums the rows of its period in one query per grouping, then looks up the names of the groups,
people, reasons and categories it shows in one more query, however many it names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import CharField, DateField, Func, QuerySet, Value

from closeloop.accounts.models import Analyst
from closeloop.partitions.models import ClosureReason, IpkGroup, Partition, RejectionCategory

from .base import Period
from .rollups import catch_up

__all__ = ["days_of", "MondayOf", "named"]


def days_of(model: Any, partition: Partition, period: Period) -> QuerySet[Any]:
    """The roll-up rows of `model` for the partition's days in the period (both ends included), with every
    change committed so far folded in first."""
    catch_up()
    rows: QuerySet[Any] = model.objects.filter(partition=partition, day__gte=period.start, day__lte=period.end)
    return rows


class MondayOf(Func):
    """The Monday of a day's week, in the database's own date functions (Django's TruncWeek runs a Python
    function per row on SQLite, which costs more than the rest of a year's report)."""

    output_field = DateField()
    template = "CAST(date_trunc('week', %(expressions)s) AS date)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # '%' is doubled twice: once for this template, once for the query's own parameters
        weekday = "CAST(strftime('%%%%w', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=(
            f"date(%(expressions)s, '-' || (({weekday} + 6) %%%% 7) || ' days')"), **extra)


def named(rows: Iterable[dict[str, Any]], **lookups: tuple[str, str]) -> list[dict[str, Any]]:
    """The rows, each with names for its ids: `name=(key, kind)` adds row[name], the name of the `kind`
    ("group", "analyst", "reason code", "reason label", "category") whose id is row[key]; None for id 0.

    One query for every kind at once (a UNION ALL), after the roll-up rows were summed: a name looked up
    inside the summing query would be looked up once per day row."""
    rows = list(rows)
    wanted: dict[str, set[int]] = {}
    for key, kind in lookups.values():
        wanted.setdefault(kind, set()).update(row[key] for row in rows if row[key])
    parts = [_KINDS[kind][0].objects.filter(id__in=ids).order_by().values_list(
        Value(kind, output_field=CharField()), "id", _KINDS[kind][1]) for kind, ids in wanted.items() if ids]
    found: dict[tuple[str, int], str] = {}
    if parts:
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        found = {(kind, id_): name for kind, id_, name in query}
    for row in rows:
        for name, (key, kind) in lookups.items():
            row[name] = found.get((kind, row[key]))
    return rows


_KINDS: dict[str, tuple[Any, str]] = {
    "group": (IpkGroup, "name"), "analyst": (Analyst, "username"), "reason code": (ClosureReason, "code"),
    "reason label": (ClosureReason, "label"), "category": (RejectionCategory, "label"),
}
