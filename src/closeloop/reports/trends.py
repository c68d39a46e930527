"""Trends: how many calls were logged, resolved and closed each week, by call type and by group.

Counted from the call history (one event per log, resolve and close), so a call resolved twice
after a rejection counts as two resolutions, the work the desk actually did. Read from the daily roll-up
`CallFlowDay` (kept in step with every change), never from the events themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from closeloop.closure import CallType
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, ratio, week_label, week_of
from .daily import MondayOf, days_of, named
from .models import CallFlowDay

__all__ = ["trends", "NO_GROUP"]

NO_GROUP = "(no group)"
_MEASURES = ("logged", "resolved", "closed", "auto_closed")


def _counts() -> dict[str, Any]:
    return {m: Sum(m) for m in _MEASURES}


def trends(partition: Partition, period: Period) -> Report:
    """Calls logged, resolved and closed per week: for the whole partition, per call type, and per
    group (the group the call is assigned to now); closed counts the calls Call Auto Close rules closed
    too, shown apart as auto-closed with their share."""
    days = days_of(CallFlowDay, partition, period).annotate(week=MondayOf("day"))
    weeks = period.weeks()
    rows: list[dict[str, Any]] = []
    by_type: list[dict[str, Any]] = []
    by_group: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in named(days.values("week", "call_type", "group_key").annotate(**_counts()).order_by(),
                   group=("group_key", "group")):
        by_type.append(r)
        # the week's figures per group name (two groups of a partition never share a name)
        counts = by_group.setdefault((week_of(r["week"]), r["group"]), dict.fromkeys(_MEASURES, 0))
        for m in _MEASURES:
            counts[m] += r[m]
    totals: dict[Any, dict[str, int]] = {}
    types: dict[tuple[Any, str], dict[str, int]] = {}
    for r in by_type:
        for target in (totals.setdefault(week_of(r["week"]), dict.fromkeys(_MEASURES, 0)),
                       types.setdefault((week_of(r["week"]), r["call_type"]), dict.fromkeys(_MEASURES, 0))):
            for m in _MEASURES:
                target[m] += r[m]
    for monday in weeks:
        rows.append(_row(monday.isoformat(), "partition", partition.name, totals.get(monday, {})))
    for (monday, call_type), counts in sorted(types.items()):
        if any(counts.values()):
            rows.append(_row(monday.isoformat(), "call type", CallType(call_type).label, counts))
    for (monday, group), counts in sorted(by_group.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        if any(counts.values()):
            rows.append(_row(monday.isoformat(), "group", group or NO_GROUP, counts))
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
