"""Closure SLA: how many closure-stage verdicts came within the partition's target, and how many late.

Read from the closure-stage decisions of the period (an indexed range scan of partition and decision
time), one verdict per decision: closed, rejected, refused by the contact or auto-closed. The clock of
each ran from the resolution it judged (`resolved_at`) to the decision, in business time on the
partition's calendar, against the target of the call's priority as set now. Calls of a priority without
a target are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from closeloop.calls.models import ClosureDecision
from closeloop.closure.calendar import format_business_duration
from closeloop.closure.priority import priority_label
from closeloop.closure.sla import SlaState
from closeloop.partitions.closure_sla import load_closure_sla
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, ratio, week_label

__all__ = ["closure_sla_report"]

REFS_SHOWN = 50
SENT_BACK = "(sent back to the resolver)"
# who decided when no closer did
_NOBODY = {ClosureDecision.Outcome.REFUSED_BY_USER.value: "(the contact refused)",
           ClosureDecision.Outcome.AUTO_CLOSED.value: "(Call Auto Close)"}
_CLOSES = {ClosureDecision.Outcome.CLOSED_FIRST_TIME.value, ClosureDecision.Outcome.CLOSED_AFTER_REJECTION.value,
           ClosureDecision.Outcome.AUTO_CLOSED.value}


def closure_sla_report(partition: Partition, period: Period) -> Report:
    """Closure-stage verdicts in the period against the partition's closure SLA (business time from resolving
    to the verdict: close, rejection, the contact's refusal or auto-close): met and breached, for the
    partition, per closure group, per closer, per priority and per week. The group is the one the call
    waited for when closed; a rejected or refused call counts under "sent back". Targets are today's."""
    policy = load_closure_sla(partition)
    decisions = list(ClosureDecision.objects.filter(partition=partition).filter(period.within("decided_at")).values(
        "outcome", "decided_at", "resolved_at", "decided_by__username", "call__ref", "call__priority",
        "call__closure_target_group__name").order_by("decided_at", "id"))
    judged = []
    for d in decisions:
        verdict = policy.verdict(d["call__priority"], d["resolved_at"], d["decided_at"], d["decided_at"])
        if verdict is not None:
            judged.append({**d, "met": verdict.state is SlaState.MET})
    dimensions: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("closure group", lambda d: (d["call__closure_target_group__name"] or "(no group)")
         if d["outcome"] in _CLOSES else SENT_BACK),
        ("closer", lambda d: d["decided_by__username"] or _NOBODY.get(d["outcome"], "(system)")),
        ("priority", lambda d: priority_label(d["call__priority"])),
    ]
    rows = [_row("partition", partition.name, judged)]
    for dimension, key_of in dimensions:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in judged:
            grouped[key_of(d)].append(d)
        rows.extend(_row(dimension, name, grouped[name]) for name in sorted(grouped))
    weeks = period.weeks()
    per_week: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for d in judged:
        per_week[_monday(d["decided_at"])].append(d)
    week_rows = [_row("week", w.isoformat(), per_week.get(w, [])) for w in weeks]
    rows.extend(week_rows)
    chart = Chart("stacked_bar", "Closure-stage verdicts per week", [week_label(w) for w in weeks],
                  [("met", [float(r["met"]) for r in week_rows]),
                   ("breached", [float(r["breached"]) for r in week_rows])], "verdicts")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("verdicts", "Verdicts", "count"),
               Column("met", "Met", "count"), Column("breached", "Breached", "count"),
               Column("met_share", "Met (%)", "percent"),
               Column("breached_refs", f"Breached (first {REFS_SHOWN} refs)", "refs")]
    targets = ", ".join(f"P{p} {format_business_duration(t)}" for p, t in sorted(policy.targets.items())) or "none set"
    description = (closure_sla_report.__doc__ or "") + (
        f"\n\nTargets: {targets}; about to breach at {policy.warn_percent}% (business time, "
        f"{policy.calendar.timezone}).")
    return Report("closure-sla", "Closure SLA", partition.name, period, columns, rows, chart, description,
                  extra={"active": policy.active})


def _monday(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _row(dimension: str, name: str, judged: list[dict[str, Any]]) -> dict[str, Any]:
    met = sum(1 for d in judged if d["met"])
    return {"dimension": dimension, "name": name, "verdicts": len(judged), "met": met,
            "breached": len(judged) - met, "met_share": ratio(met, len(judged)),
            "breached_refs": " ".join(sorted({d["call__ref"] for d in judged if not d["met"]})[:REFS_SHOWN])}
