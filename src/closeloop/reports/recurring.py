"""Recurring issues: closed calls whose summaries and resolutions read alike, grouped and ranked.

The similarity itself is rapidfuzz's (see `clustering`); this module reads the closed calls of the
period (newest first, at most `MAX_CALLS`) and shapes the groups as report rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from closeloop.calls.models import Call
from closeloop.closure import CallType, Status
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report
from .clustering import cluster_similar

__all__ = ["MAX_CALLS", "recurring_issues"]

# Similarity is pairwise work: the most recent closed calls of the period are enough to spot what recurs.
MAX_CALLS = 3000
_LABEL_LENGTH = 40


def recurring_issues(partition: Partition, period: Period) -> Report:
    """Groups of similar calls closed in the period, largest first (ties: most recent first), each with
    its calls and the Problem already raised for it, if any."""
    closed = list(Call.objects.filter(partition=partition, status=Status.CLOSED.value).filter(
        period.within("closed_at")).order_by("-closed_at", "-id").values(
        "id", "ref", "summary", "resolution", "closed_at", "call_type", "problem__ref")[:MAX_CALLS])
    by_id = {row["id"]: row for row in closed}
    groups = cluster_similar([(row["id"], f"{row['summary']} {row['resolution']}") for row in closed])
    rows: list[dict[str, Any]] = []
    for rank, ids in enumerate(groups, start=1):
        calls = [by_id[i] for i in ids]
        problems = sorted({c["problem__ref"] for c in calls if c["problem__ref"]})
        rows.append({
            "rank": rank,
            "issue": calls[0]["summary"],
            "calls": len(calls),
            "latest_closed": _day(calls[0]["closed_at"]),
            "first_closed": _day(calls[-1]["closed_at"]),
            "call_types": ", ".join(sorted({CallType(c["call_type"]).label for c in calls})),
            "refs": " ".join(c["ref"] for c in calls),
            "problem": " ".join(problems),
        })
    labels = [f"#{r['rank']} {_short(r['issue'])}" for r in rows]
    chart = Chart("horizontal_bar", "Recurring issues by number of calls", labels,
                  [("calls", [float(r["calls"]) for r in rows])])
    columns = [Column("rank", "Rank", "count"), Column("issue", "Issue (latest call)"),
               Column("calls", "Calls", "count"), Column("latest_closed", "Latest closed", "date"),
               Column("first_closed", "First closed", "date"), Column("call_types", "Call types"),
               Column("refs", "Calls (refs)", "refs"), Column("problem", "Problem raised", "refs")]
    return Report("recurring", "Recurring issues", partition.name, period, columns, rows, chart,
                  recurring_issues.__doc__ or "")


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_LENGTH else text[:_LABEL_LENGTH - 1] + "…"
