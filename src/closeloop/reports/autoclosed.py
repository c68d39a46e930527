"""Calls Auto Closed: the calls Call Auto Close rules closed because nobody decided in time.

Read from the closure-stage decisions (outcome auto-closed, one per call a rule closed) and, for the rule
that closed each, the call's auto-close history event. These are the calls nobody validated. The calls
closed in the period, which their share is of, come from the daily roll-up `ClosedCallDay`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from closeloop.calls.models import CallEvent, ClosureDecision
from closeloop.closure import Action
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, ratio, week_label, week_of
from .daily import MondayOf, days_of, named
from .models import ClosedCallDay

__all__ = ["auto_closed"]

NO_GROUP = "(no group)"
NOBODY = "(not resolved)"


def auto_closed(partition: Partition, period: Period) -> Report:
    """Calls closed by a Call Auto Close rule in the period, never validated by a closer: for the partition,
    per rule, per closure group they waited for, per resolver and per week, with their share of all the calls
    closed (Closed or Closed/Unresolved) and the calls themselves."""
    decisions = list(ClosureDecision.objects.filter(
        partition=partition, outcome=ClosureDecision.Outcome.AUTO_CLOSED).filter(period.within("decided_at")).values(
        "call_id", "call__ref", "call__closure_target_group__name", "resolver__username", "decided_at").order_by(
        "decided_at", "call_id"))
    rule_of = {e["call_id"]: (e["details"] or {}).get("rule", "") for e in CallEvent.objects.filter(
        call_id__in=[d["call_id"] for d in decisions], action=Action.AUTO_CLOSE.value).values("call_id", "details")}
    # every call closed in the period (Closed or Closed/Unresolved), from the daily roll-up
    closed_by_group: dict[str, int] = defaultdict(int)
    closed_by_resolver: dict[str, int] = defaultdict(int)
    closed_total = 0
    days = days_of(ClosedCallDay, partition, period)
    for r in named(days.values("closure_group_key", "resolver_key").annotate(n=Sum("calls")).order_by(),
                   group=("closure_group_key", "group"), resolver=("resolver_key", "analyst")):
        closed_by_group[r["group"] or NO_GROUP] += r["n"]
        closed_by_resolver[r["resolver"] or NOBODY] += r["n"]
        closed_total += r["n"]
    closed_by_week = {week_of(r["week"]): r["n"] for r in days.annotate(week=MondayOf("day")).values(
        "week").annotate(n=Sum("calls")).order_by()}
    dimensions: list[tuple[str, Any, dict[Any, int] | None]] = [
        ("rule", lambda d: rule_of.get(d["call_id"]) or "(unknown rule)", None),
        ("closure group", lambda d: d["call__closure_target_group__name"] or NO_GROUP, closed_by_group),
        ("resolver", lambda d: d["resolver__username"] or NOBODY, closed_by_resolver),
    ]
    rows = [_row("partition", partition.name, decisions, closed_total)]
    for dimension, key_of, closed_counts in dimensions:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for decision in decisions:
            grouped[key_of(decision)].append(decision)
        for name in sorted(grouped):
            rows.append(_row(dimension, name, grouped[name], closed_counts.get(name, 0) if closed_counts else None))
    weeks = period.weeks()
    per_week: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for decision in decisions:
        per_week[_monday(decision["decided_at"])].append(decision)
    week_rows = [_row("week", w.isoformat(), per_week.get(w, []), closed_by_week.get(w, 0)) for w in weeks]
    rows.extend(week_rows)
    chart = Chart("bar", "Calls auto-closed per week", [week_label(w) for w in weeks],
                  [("auto-closed", [float(r["auto_closed"]) for r in week_rows])], "calls")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("auto_closed", "Auto-closed", "count"),
               Column("closed", "All closed", "count"), Column("share", "Auto-closed share (%)", "percent"),
               Column("refs", "Calls (refs)", "refs")]
    return Report("auto-closed", "Calls Auto Closed", partition.name, period, columns, rows, chart,
                  auto_closed.__doc__ or "")


def _monday(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _row(dimension: str, name: str, decisions: list[dict[str, Any]], closed: int | None) -> dict[str, Any]:
    return {"dimension": dimension, "name": name, "auto_closed": len(decisions), "closed": closed,
            "share": ratio(len(decisions), closed) if closed is not None else None,
            "refs": " ".join(d["call__ref"] for d in decisions)}
