"""Closure SLA: how many closure-stage verdicts came within the partition's target, and how many late.

Each closure-stage decision (closed, rejected, refused by the contact or auto-closed) records its verdict
when it is made (`ClosureDecision.closure_sla_met`): the business time from the resolution it judged
(`resolved_at`) to the decision, on the partition's calendar, against the target of the call's priority,
all as they were at that moment. Decisions of a priority without a target then have no verdict and are
left out. The counts come from the daily roll-up `ClosureSlaDay` (one query per grouping); the first
breached calls of a row from the decisions, one query per row with breaches, reading at most
`REFS_SHOWN` rows of an index of the breached decisions in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from closeloop.calls.models import ClosureDecision
from closeloop.closure.calendar import format_business_duration
from closeloop.closure.priority import priority_label
from closeloop.partitions.closure_sla import load_closure_sla
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, ratio, week_label, week_of
from .daily import MondayOf, days_of, named
from .models import ClosureSlaDay
from .rollups import CLOSES

__all__ = ["closure_sla_report", "REFS_SHOWN"]

REFS_SHOWN = 50
SENT_BACK = "(sent back to the resolver)"
NO_GROUP = "(no group)"
# who decided when no closer did
_NOBODY = {ClosureDecision.Outcome.REFUSED_BY_USER.value: "(the contact refused)",
           ClosureDecision.Outcome.AUTO_CLOSED.value: "(Call Auto Close)"}


@dataclass
class _Line:
    """One row's verdicts, and which decisions they are (to list its first breached calls)."""

    decisions: Q = field(default_factory=Q)
    met: int = 0
    breached: int = 0
    keys: set[Any] = field(default_factory=set)

    def add(self, key: Any, decisions: Q, met: bool, verdicts: int) -> None:
        if key not in self.keys:  # a name shown for several keys lists the breaches of them all
            self.decisions = self.decisions | decisions if self.keys else decisions
            self.keys.add(key)
        if met:
            self.met += verdicts
        else:
            self.breached += verdicts


def closure_sla_report(partition: Partition, period: Period) -> Report:
    """Closure-stage verdicts in the period against the partition's closure SLA (business time from resolving
    to the verdict: close, rejection, the contact's refusal or auto-close): met and breached, for the
    partition, per closure group, per closer, per priority and per week, with the calls of each row's first
    50 breached verdicts. The group is the one the call waited for when closed; a rejected or refused call
    counts under "sent back". Each verdict was judged when it was made, on the targets, calendar and call
    priority of that moment: changing the targets later changes none of them."""
    days = days_of(ClosureSlaDay, partition, period)
    total = _Line()
    lines: dict[str, dict[str, _Line]] = {"closure group": {}, "closer": {}, "priority": {}}
    for row in named(days.values("closure_group_key", "closer_key", "priority", "outcome", "met").annotate(
            verdicts=Sum("verdicts")).order_by(), group=("closure_group_key", "group"),
            closer=("closer_key", "analyst")):
        total.add(None, Q(), row["met"], row["verdicts"])
        for dimension, (name, key, decisions) in _keys(row).items():
            lines[dimension].setdefault(name, _Line()).add(key, decisions, row["met"], row["verdicts"])
    rows = [_row(partition, period, "partition", partition.name, total)]
    for dimension, named_lines in lines.items():
        rows.extend(_row(partition, period, dimension, name, named_lines[name]) for name in sorted(named_lines))
    weekly: dict[date | None, _Line] = {}
    for row in days.annotate(week=MondayOf("day")).values("week", "met").annotate(verdicts=Sum("verdicts")).order_by():
        monday = week_of(row["week"])
        weekly.setdefault(monday, _Line()).add(monday, _week(monday), row["met"], row["verdicts"])
    weeks = period.weeks()
    week_rows = [_row(partition, period, "week", w.isoformat(), weekly.get(w, _Line())) for w in weeks]
    rows.extend(week_rows)
    chart = Chart("stacked_bar", "Closure-stage verdicts per week", [week_label(w) for w in weeks],
                  [("met", [float(r["met"]) for r in week_rows]),
                   ("breached", [float(r["breached"]) for r in week_rows])], "verdicts")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("verdicts", "Verdicts", "count"),
               Column("met", "Met", "count"), Column("breached", "Breached", "count"),
               Column("met_share", "Met (%)", "percent"),
               Column("breached_refs", f"Breached (first {REFS_SHOWN} refs)", "refs")]
    policy = load_closure_sla(partition)
    targets = ", ".join(f"P{p} {format_business_duration(t)}" for p, t in sorted(policy.targets.items())) or "none set"
    description = (closure_sla_report.__doc__ or "") + (
        f"\n\nTargets: {targets}; about to breach at {policy.warn_percent}% (business time, "
        f"{policy.calendar.timezone}).")
    return Report("closure-sla", "Closure SLA", partition.name, period, columns, rows, chart, description,
                  extra={"active": policy.active})


def _keys(row: dict[str, Any]) -> dict[str, tuple[str, Any, Q]]:
    """The name a roll-up row is shown under in each dimension, its key, and the decisions it stands for."""
    outcome = row["outcome"]
    if outcome in CLOSES:
        group = row["closure_group_key"] or None
        by_group = (row["group"] or NO_GROUP, group,
                    Q(outcome__in=CLOSES) & (Q(call__closure_target_group=group) if group
                                             else Q(call__closure_target_group__isnull=True)))
    else:
        by_group = (SENT_BACK, SENT_BACK, ~Q(outcome__in=CLOSES))
    if row["closer_key"]:
        by_closer = (row["closer"], row["closer_key"], Q(decided_by=row["closer_key"]))
    elif outcome in _NOBODY:
        by_closer = (_NOBODY[outcome], outcome, Q(decided_by__isnull=True, outcome=outcome))
    else:
        by_closer = ("(system)", None, Q(decided_by__isnull=True) & ~Q(outcome__in=list(_NOBODY)))
    return {"closure group": by_group, "closer": by_closer,
            "priority": (priority_label(row["priority"]), row["priority"], Q(priority=row["priority"]))}


def _week(monday: date | None) -> Q:
    """The decisions of the week starting on `monday` (in the desk's time zone)."""
    assert monday is not None
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return Q(decided_at__gte=start, decided_at__lt=timezone.make_aware(datetime.combine(
        monday + timedelta(days=7), time.min)))


def _first_breached(partition: Partition, period: Period, decisions: Q) -> str:
    """The calls of the first `REFS_SHOWN` breached verdicts of the period among `decisions`, oldest first, each
    call once (one query on an index of the breached decisions: `decision_breached_time`, or
    `decision_breached_closer` for one closer's)."""
    refs = ClosureDecision.objects.filter(partition=partition, closure_sla_met=False).filter(
        period.within("decided_at")).filter(decisions).order_by("decided_at", "id").values_list(
        "call__ref", flat=True)[:REFS_SHOWN]
    return " ".join(dict.fromkeys(refs))


def _row(partition: Partition, period: Period, dimension: str, name: str, line: _Line) -> dict[str, Any]:
    verdicts = line.met + line.breached
    return {"dimension": dimension, "name": name, "verdicts": verdicts, "met": line.met,
            "breached": line.breached, "met_share": ratio(line.met, verdicts),
            "breached_refs": _first_breached(partition, period, line.decisions) if line.breached else ""}
