"""Use cases of the reports area: run a report for a partition the viewer works in, and raise a
Problem for a recurring issue."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.calls.models import Call
from closeloop.calls.services import log_call, save_change
from closeloop.closure import CallType, InvalidInput, NotAllowed, NotFound, Right, changes, guards
from closeloop.partitions.models import IpkGroup, Partition
from closeloop.partitions.services import get_partition, load_directory

from .autoclosed import auto_closed
from .base import Period, Report, parse_period
from .closure_sla import closure_sla_report
from .closure_stage import closure_backlog, closure_reasons, rejection_rate, time_to_close
from .models import CallFlowDay, ClosedCallDay, ClosureSlaDay, DecisionDay
from .recurring import recurring_issues
from .rollups import rebuild_rollups
from .trends import trends

__all__ = ["ReportKind", "REPORTS", "get_report_kind", "run_report", "raise_problem", "problem_groups",
           "rebuild_report_rollups"]


@dataclass(frozen=True)
class ReportKind:
    """One of the reports a manager can open: its name in URLs and commands, title and query."""

    name: str
    title: str
    build: Callable[[Partition, Period], Report]

    @property
    def description(self) -> str:
        return inspect.getdoc(self.build) or ""


REPORTS: dict[str, ReportKind] = {kind.name: kind for kind in (
    ReportKind("backlog", "Closure-stage backlog and ageing", closure_backlog),
    ReportKind("time-to-close", "Time to close after resolve", time_to_close),
    ReportKind("rejection-rate", "Rejection rate", rejection_rate),
    ReportKind("closure-reasons", "Closure reasons", closure_reasons),
    ReportKind("recurring", "Recurring issues", recurring_issues),
    ReportKind("trends", "Trends", trends),
    ReportKind("auto-closed", "Calls Auto Closed", auto_closed),
    ReportKind("closure-sla", "Closure SLA", closure_sla_report),
)}


def get_report_kind(name: str) -> ReportKind:
    kind = REPORTS.get((name or "").strip().lower())
    if kind is None:
        raise NotFound(f"No report named {name!r}; the reports are: {', '.join(REPORTS)}", field="report")
    return kind


def run_report(name: str, partition_name: str, viewer: Analyst | None, start: str | date | None = None,
               end: str | date | None = None) -> Report:
    """One report for a partition the viewer works in, over the dates given (default: last eight weeks)."""
    kind = get_report_kind(name)
    partition = get_partition(partition_name, viewer)
    return kind.build(partition, parse_period(start, end))


@transaction.atomic
def rebuild_report_rollups(actor: Analyst | None) -> dict[str, int]:
    """The system operator rebuilds the reports' daily roll-ups from every call, history event and closure
    decision (after loading rows past the services, or to repair them); how many day rows each now has.
    One transaction: reports read the old roll-ups until the new ones are committed."""
    if actor is not None:
        raise NotAllowed("Rebuilding the report roll-ups is the system operator's job: run it without --as")
    rebuild_rollups()
    return {"call_flow_days": CallFlowDay.objects.count(), "decision_days": DecisionDay.objects.count(),
            "closed_call_days": ClosedCallDay.objects.count(), "closure_sla_days": ClosureSlaDay.objects.count()}


def _clean_refs(refs: Iterable[str]) -> list[str]:
    cleaned = sorted({r.strip().upper() for r in refs if r and r.strip()})
    if not cleaned:
        raise InvalidInput("Name the calls to link to the problem", field="refs")
    return cleaned


def problem_groups(partition: Partition, actor: Analyst | None) -> tuple[list[IpkGroup], IpkGroup | None]:
    """The groups a raised Problem may be assigned to (the partition's active groups), and the one it goes to
    when none is chosen: the raiser's own group (the first by name), if they have one."""
    groups = list(IpkGroup.objects.filter(partition=partition, active=True).order_by("name"))
    mine = set(IpkGroup.objects.filter(partition=partition, members=actor).values_list("id", flat=True)) \
        if actor is not None else set()
    own = next((g for g in groups if g.id in mine), None)
    return groups, own


def _problem_group(partition: Partition, actor: Analyst | None, group: IpkGroup | str | None) -> IpkGroup:
    groups, own = problem_groups(partition, actor)
    if isinstance(group, str) and group.strip():
        chosen = next((g for g in groups if g.name == group.strip()), None)
        if chosen is None:
            raise NotFound(f"No IPK group named {group.strip()!r} in partition {partition.name}", field="group")
        return chosen
    if isinstance(group, IpkGroup):
        if group.partition_id != partition.id or not group.active:
            raise InvalidInput(f"Group {group.name} is not an active group of partition {partition.name}",
                               field="group")
        return group
    if own is None:
        raise InvalidInput("Choose the group that works the Problem (you belong to no group of partition "
                           f"{partition.name})", field="group")
    return own


@transaction.atomic
def raise_problem(partition: Partition, refs: Iterable[str], summary: str, actor: Analyst | None, *,
                  description: str = "", group: IpkGroup | str | None = None, at: datetime | None = None) -> Call:
    """A closer marks a recurring issue "problem raised": a Problem is logged, assigned to the group that will
    work it (chosen, or the raiser's own group) so it is in that group's queue, and each call is linked to it.

    One transaction: the Problem, its assignment, every link and every call's history entry, or nothing.
    """
    directory = load_directory(partition)
    who = actor_in(actor, partition.id, directory)
    guards.require_right(who, Right.CLOSE, partition.name)
    working_group = _problem_group(partition, actor, group)
    wanted = _clean_refs(refs)
    linked = list(Call.objects.select_for_update().filter(partition=partition, ref__in=wanted).order_by("ref"))
    if missing := sorted(set(wanted) - {c.ref for c in linked}):
        raise NotFound(f"No call(s) {', '.join(missing)} in partition {partition.name}", field="refs")
    if already := [c for c in linked if c.problem_id is not None]:
        names = ", ".join(f"{c.ref} (already linked to {c.problem.ref if c.problem else '?'})" for c in already)
        raise InvalidInput(f"Some calls already have a problem: {names}", field="refs")
    at = at or timezone.now()
    text = description.strip() or "Recurring issue seen in calls " + ", ".join(wanted)
    problem = log_call(partition, CallType.PROBLEM, summary, description=text, actor=actor, at=at,
                       assigned_group=working_group)
    for call in linked:
        save_change(call, actor, changes.link_problem(call.facts(), who, directory, problem.id, problem.ref), at)
    save_change(problem, actor, changes.problem_raised(problem.facts(), who, directory, wanted), at)
    return problem
