"""ORM queries whose SQL Django builds once per process: from one run to the next only their values change.

For a read through an index (an API token's hash, a call's reference, the counts of an analyst's queues)
Django spends more CPU building the SQL (its compiler: the select list, the joins of `select_related`, the
subqueries) than SQLite spends running it: 3-4 ms against 0.05 ms for the queue counts. A `PreparedQuery` is
built from an ordinary queryset in which each changing value is a probe (a value no real parameter takes, of
the parameter's type; a value used in several places, such as an analyst's id, fills each of them); each
run puts the real values in the probes' places, runs the SQL, and turns the rows into model instances with
Django's own converters and related-object populators, as iterating the queryset would (the same `from_db`,
the same objects reached through `select_related`, annotations set as attributes), or, for a `values()`
query, into a dict per row.

`prepared(name, db, build, **probes)` keeps one per process, database and name: a name must always stand for
the same query (a name may say its shape, such as how many ids a list holds). A query built inside a
transaction (`select_for_update`) must be first used inside one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.query import ModelIterable, QuerySet, ValuesIterable, get_related_populators

__all__ = ["PreparedQuery", "prepared"]

M = TypeVar("M", bound=models.Model)


class PreparedQuery(Generic[M]):
    """The SQL of `queryset` with the positions of its probes, and what turns its rows into instances."""

    def __init__(self, queryset: QuerySet[Any], probes: dict[str, Any]) -> None:
        self.model, self.db = queryset.model, queryset.db
        self.compiler = queryset.query.get_compiler(using=self.db)
        sql, params = self.compiler.as_sql()
        self.sql, self.params = sql, list(params)
        # the converters of its columns (e.g. text to datetime), found once: Django finds them on every run
        self.converters = self.compiler.get_converters([s[0] for s in self.compiler.select[:self.compiler.col_count]])
        self.slots: dict[str, list[int]] = {}
        for name, probe in probes.items():
            self.slots[name] = [n for n, param in enumerate(self.params) if type(param) is type(probe)
                                and param == probe]
            if not self.slots[name]:
                raise ValueError(f"the probe for {name!r} is not among the query's parameters")
        klass_info, select = self.compiler.klass_info, self.compiler.select
        iterable = queryset._iterable_class  # type: ignore[attr-defined]
        if not issubclass(iterable, (ModelIterable, ValuesIterable)):
            raise ValueError("a prepared query reads model instances or values() rows, not values_list()")
        self.instances = issubclass(iterable, ModelIterable)
        if not self.instances:  # values(): each row a dict of the values' names, as Django's ValuesIterable
            query = queryset.query
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
            self.columns = slice(0, len(self.names))
            self.related: list[Any] = []
            self.annotations: dict[str, int] = {}
            return
        if klass_info is None:
            raise ValueError("a prepared query reads model instances or values() rows")
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.names = [column[0].target.attname for column in select[first:last]]
        self.columns = slice(first, last)
        self.related = get_related_populators(klass_info, select, self.db)
        self.annotations = dict(self.compiler.annotation_col_map or {})

    def all(self, **values: Any) -> list[Any]:
        """What the query reads with these values in the probes' places: model instances, or for a `values()`
        query a dict per row."""
        if values.keys() != self.slots.keys():
            raise TypeError(f"give exactly {sorted(self.slots)}")
        params = list(self.params)
        for name, value in values.items():
            for slot in self.slots[name]:
                params[slot] = value
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        found: list[Any] = []
        for row in self.compiler.apply_converters(rows, self.converters) if self.converters else rows:
            if not self.instances:
                found.append(dict(zip(self.names, row[self.columns], strict=True)))
                continue
            instance = self.model.from_db(self.db, self.names, row[self.columns])
            for populator in self.related:
                populator.populate(row, instance)
            for name, position in self.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def first(self, **values: Any) -> Any:
        """The first instance (or values row) read, for a query of at most one row; None if none."""
        found = self.all(**values)
        return found[0] if found else None


_kept: dict[tuple[str, str], PreparedQuery[Any]] = {}


def prepared(name: str, db: str, build: Callable[[], QuerySet[M]], **probes: Any) -> PreparedQuery[M]:
    """The query `build` gives on database `db` (with the probes in place of its values), built once per
    process and database."""
    query = _kept.get((name, db))
    if query is None:
        query = _kept.setdefault((name, db), PreparedQuery(build().using(db), probes))
    return query
