"""Trends: how many calls were logged, resolved and closed each week, by call type and by group.

Counted from the call history (one event per log, resolve and close), so a call resolved twice
after a rejection counts as two resolutions, the work the desk actually did.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from closeloop.calls.models import CallEvent
from closeloop.closure import Action, CallType
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, ratio, week_label, week_of

__all__ = ["trends", "NO_GROUP"]

NO_GROUP = "(no group)"
_LOGGED = [Action.LOG.value]
_RESOLVED = [Action.RESOLVE_TO_ANALYST.value, Action.RESOLVE_TO_GROUP.value, Action.RESOLVE_AND_CLOSE.value]
_AUTO_CLOSED = [Action.AUTO_CLOSE.value]
_CLOSED = [Action.CLOSE.value, Action.RESOLVE_AND_CLOSE.value, *_AUTO_CLOSED]
_MEASURES = ("logged", "resolved", "closed", "auto_closed")


def _counts() -> dict[str, Any]:
    return {"logged": Count("id", filter=Q(action__in=_LOGGED)),
            "resolved": Count("id", filter=Q(action__in=_RESOLVED)),
            "closed": Count("id", filter=Q(action__in=_CLOSED)),
            "auto_closed": Count("id", filter=Q(action__in=_AUTO_CLOSED))}


def trends(partition: Partition, period: Period) -> Report:
    """Calls logged, resolved and closed per week: for the whole partition, per call type, and per
    group (the group the call is assigned to now); closed counts the calls Call Auto Close rules closed
    too, shown apart as auto-closed with their share."""
    events = CallEvent.objects.filter(call__partition=partition, action__in=_LOGGED + _RESOLVED + _CLOSED).filter(
        period.within("at")).annotate(week=TruncWeek("at"))
    weeks = period.weeks()
    rows: list[dict[str, Any]] = []
    totals = {week_of(r["week"]): r for r in events.values("week").annotate(**_counts()).order_by("week")}
    for monday in weeks:
        rows.append(_row(monday.isoformat(), "partition", partition.name, totals.get(monday, {})))
    dimensions: list[tuple[str, str, Any]] = [
        ("call type", "call__call_type", lambda k: CallType(k).label),
        ("group", "call__assigned_group__name", lambda k: k or NO_GROUP),
    ]
    for dimension, key, name_of in dimensions:
        for r in events.values("week", key).annotate(**_counts()).order_by("week", key):
            rows.append(_row(week_of(r["week"]).isoformat(), dimension, name_of(r[key]), r))  # type: ignore[union-attr]
    chart = Chart("line", "Calls logged, resolved and closed per week", [week_label(w) for w in weeks],
                  [(m.replace("_", "-"), [float(totals.get(w, {}).get(m, 0)) for w in weeks])
                   for m in _MEASURES], "calls")
    columns = [Column("week", "Week commencing", "date"), Column("dimension", "By"), Column("name", "Name"),
               Column("logged", "Logged", "count"), Column("resolved", "Resolved", "count"),
               Column("closed", "Closed", "count"), Column("auto_closed", "Auto-closed", "count"),
               Column("auto_closed_share", "Auto-closed share of closed (%)", "percent")]
    return Report("trends", "Trends", partition.name, period, columns, rows, chart, trends.__doc__ or "")


def _row(week: str, dimension: str, name: str, counts: dict[str, Any]) -> dict[str, Any]:
    measures = {m: counts.get(m, 0) for m in _MEASURES}
    return {"week": week, "dimension": dimension, "name": name, **measures,
            "auto_closed_share": ratio(measures["auto_closed"], measures["closed"])}
