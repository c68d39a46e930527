"""Every change to a call, decided and applied: facts and inputs in, new facts and the history event out.

Each function refuses with a `CloseloopError` saying what to do instead, or returns a `CallChange`: the
call's facts after the action (the status always from the lifecycle table, `TRANSITIONS`) and the note and
details of the event for its history. Services load the facts, call one of these, write `after` back and
record the event; the synthetic desk generator plays calls forward with the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import InvalidInput, NotAllowed
from .guards import check_assignment, check_close_values, check_closer, require_right
from .lifecycle import TRANSITIONS, Action, next_status
from .limits import CALL_NOTE, FORWARD_REASON, REJECTION_REASON, RESOLUTION
from .model import (
    Actor,
    CallFacts,
    CallType,
    ChecklistItemFacts,
    ClosureMethod,
    ClosureRoute,
    Directory,
    PartitionSettings,
    ReasonFacts,
    Right,
    Status,
    Target,
)
from .routing import reroute_stranded, route_for_closure, route_to_target

__all__ = [
    "CallChange",
    "log",
    "assign",
    "hold",
    "resume",
    "resolve",
    "take",
    "forward",
    "close",
    "reject",
    "reroute",
    "link_problem",
    "problem_raised",
]


@dataclass(frozen=True)
class CallChange:
    """What one action did to a call: its facts before (None when it was logged) and after, and the note
    and details of the event recorded in its history."""

    action: Action
    before: CallFacts | None
    after: CallFacts
    note: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def from_status(self) -> Status | None:
        return self.before.status if self.before is not None else None


def _apply(call: CallFacts, action: Action, note: str = "", details: Mapping[str, Any] | None = None,
           **changed: Any) -> CallChange:
    after = call.but(status=next_status(call.status, action, call.ref), **changed)
    return CallChange(action, call, after, note, {k: v for k, v in (details or {}).items() if v is not None})


def _allowed(call: CallFacts, actions: Sequence[Action]) -> None:
    """Refuse unless the lifecycle allows one of `actions` (which one is decided after, by routing)."""
    if not any((call.status, action) in TRANSITIONS for action in actions):
        next_status(call.status, actions[0], call.ref)


def _target_details(route: ClosureRoute, directory: Directory) -> dict[str, Any]:
    return {"to_analyst": directory.analyst_name(route.analyst_id) if route.analyst_id is not None else None,
            "to_group": directory.group_name(route.group_id) if route.group_id is not None else None}


def _routed(call: CallFacts, route: ClosureRoute, to_analyst: Action, to_group: Action, note: str,
            directory: Directory, at: datetime, **also: Any) -> CallChange:
    return _apply(call, to_analyst if route.to_analyst else to_group, note, _target_details(route, directory),
                  target_analyst_id=route.analyst_id, target_group_id=route.group_id, forwarded_at=at, **also)


def log(ref: str, call_type: CallType, actor: Actor, directory: Directory, log_group_id: int | None,
        priority: int = 3) -> CallChange:
    """A new call, Logged, by an analyst with the Log right under one of their own groups."""
    require_right(actor, Right.LOG, directory.partition_name)
    if log_group_id is not None and not actor.is_system and actor.analyst_id not in directory.groups.get(
            log_group_id, frozenset()):
        raise InvalidInput(f"{actor.name} is not a member of group {directory.group_name(log_group_id)}: log the "
                           "call under one of your own groups", field="log_group")
    after = CallFacts(ref, call_type, next_status(None, Action.LOG, ref), actor.analyst_id, log_group_id,
                      priority=priority)
    return CallChange(Action.LOG, None, after, "", {"type": call_type.value})


def assign(call: CallFacts, actor: Actor, directory: Directory, group_id: int | None,
           analyst_id: int | None, *, on_logging: bool = False) -> CallChange:
    """Assign to a group (its queue), an analyst, or an analyst within a group.

    Naming only an analyst keeps the call's group if they are a member of it, and clears it otherwise.
    Reassigning needs the Reassign right; the first assignment, made while logging, only the Log right.
    """
    require_right(actor, Right.LOG if on_logging else Right.REASSIGN, directory.partition_name)
    next_status(call.status, Action.ASSIGN, call.ref)
    check_assignment(directory, group_id, analyst_id)
    if group_id is None and call.assigned_group_id is not None and analyst_id not in directory.groups.get(
            call.assigned_group_id, frozenset()):
        group = None
    else:
        group = group_id if group_id is not None else call.assigned_group_id
    details = {"group": directory.group_name(group) if group is not None else None,
               "analyst": directory.analyst_name(analyst_id) if analyst_id is not None else None}
    return _apply(call, Action.ASSIGN, "", details, assigned_group_id=group, assigned_analyst_id=analyst_id)


def hold(call: CallFacts, actor: Actor, directory: Directory, reason: str = "") -> CallChange:
    """Put a call on hold (waiting for the user or a supplier)."""
    require_right(actor, Right.RESOLVE, directory.partition_name)
    return _apply(call, Action.HOLD, CALL_NOTE.clean(reason))


def resume(call: CallFacts, actor: Actor, directory: Directory, reason: str = "") -> CallChange:
    """Take a call off hold."""
    require_right(actor, Right.RESOLVE, directory.partition_name)
    return _apply(call, Action.RESUME, CALL_NOTE.clean(reason))


def resolve(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory,
            resolution: str | None, at: datetime, *, target: Target | None = None,
            comments: str | None = None, reason: ReasonFacts | None = None) -> CallChange:
    """Resolve a call: it goes to its validator (two-part), or is closed at once (method immediate).

    With no `target` the partition's closure rule and fallback chain choose the validator; a named
    closer or group is allowed only as the settings say.
    """
    text = RESOLUTION.clean(resolution)
    require_right(actor, Right.RESOLVE, directory.partition_name)
    _allowed(call, (Action.RESOLVE_TO_GROUP, Action.RESOLVE_TO_ANALYST, Action.RESOLVE_AND_CLOSE))
    # a new resolution has not been confirmed by the contact yet, whatever they said of an earlier one
    resolving: dict[str, Any] = {"resolution": text, "resolved_by_id": actor.analyst_id, "resolved_at": at,
                                 "user_confirmed_at": None}
    resolved = call.but(**resolving)  # routed and checked as resolved by this actor
    partition = directory.partition_name
    if settings.closure_method is ClosureMethod.IMMEDIATE:
        if target is not None:
            raise InvalidInput(f"Partition {partition} closes calls when they are resolved (closure method "
                               "immediate): no closer can be named", field="closer")
        require_right(actor, Right.CLOSE, partition)
        closing = check_close_values(resolved, settings, comments or text, reason)
        return _apply(call, Action.RESOLVE_AND_CLOSE, "resolved and closed in one step",
                      {"reason": reason.code if reason else None}, closure_comments=closing,
                      closure_reason_id=reason.reason_id if reason else None, closed_by_id=actor.analyst_id,
                      closed_at=at, **resolving)
    if target is None:
        route = route_for_closure(resolved, settings, directory)
    else:
        if settings.closure_method is ClosureMethod.RULES:
            if target.group_id is not None:
                raise InvalidInput(f"Partition {partition} routes resolved calls by its closure rule: a closing "
                                   "group cannot be chosen", field="closer_group")
            if not settings.allow_designated_closer:
                raise InvalidInput(f"Partition {partition} does not allow a designated closing analyst: leave "
                                   "the closer out and the closure rule routes the call", field="closer")
        route = route_to_target(resolved, target, settings, directory)
    return _routed(call, route, Action.RESOLVE_TO_ANALYST, Action.RESOLVE_TO_GROUP, route.explanation,
                   directory, at, **resolving)


def take(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory,
         at: datetime) -> CallChange:
    """A closer of the target group takes a call Forward for Closure: it becomes Forward to You for Close."""
    if actor.is_system:
        raise NotAllowed("The system operator cannot take calls: act as an analyst (--as USER)")
    check_closer(call, actor, settings, directory, Action.TAKE)
    route = ClosureRoute(actor.analyst_id, call.target_group_id, f"taken by {actor.name}")
    return _apply(call, Action.TAKE, route.explanation, _target_details(route, directory),
                  target_analyst_id=route.analyst_id, target_group_id=route.group_id, forwarded_at=at)


def forward(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory, target: Target,
            reason: str | None, at: datetime) -> CallChange:
    """Re-forward a call in the closure stage to another eligible analyst or group, with a reason."""
    action = Action.FORWARD_TO_ANALYST if target.analyst_id is not None else Action.FORWARD_TO_GROUP
    check_closer(call, actor, settings, directory, action)
    text = FORWARD_REASON.clean(reason)
    route = route_to_target(call, target, settings, directory)
    return _routed(call, route, Action.FORWARD_TO_ANALYST, Action.FORWARD_TO_GROUP, text, directory, at)


def close(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory,
          comments: str | None, reason: ReasonFacts | None, at: datetime,
          checklist: Sequence[ChecklistItemFacts] = (), ticked: Iterable[int] = ()) -> CallChange:
    """Validate and close a resolved call: closure comments, a linked reason, the checklist ticked."""
    check_closer(call, actor, settings, directory, Action.CLOSE)
    text = check_close_values(call, settings, comments, reason, checklist, ticked)
    return _apply(call, Action.CLOSE, text, {"reason": reason.code if reason else None}, closure_comments=text,
                  closure_reason_id=reason.reason_id if reason else None, closed_by_id=actor.analyst_id,
                  closed_at=at)


def reject(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory,
           reason: str | None, category: str | None = None) -> CallChange:
    """Send a resolution back: the call is Assigned to its resolver again and the rejection counted."""
    check_closer(call, actor, settings, directory, Action.REJECT)
    text = REJECTION_REASON.clean(reason)
    back_to = call.resolved_by_id if call.resolved_by_id is not None else call.assigned_analyst_id
    details = {"category": category, "back_to": directory.analyst_name(back_to) if back_to is not None else None}
    return _apply(call, Action.REJECT, text, details, assigned_analyst_id=back_to, target_analyst_id=None,
                  target_group_id=None, forwarded_at=None, times_rejected=call.times_rejected + 1)


def reroute(call: CallFacts, settings: PartitionSettings, directory: Directory, because: str,
            at: datetime) -> CallChange | None:
    """Move a call whose closure target can no longer close it along the fallback chain (None: it may stay)."""
    route = reroute_stranded(call, settings, directory)
    if route is None:
        return None
    return _routed(call, route, Action.FORWARD_TO_ANALYST, Action.FORWARD_TO_GROUP,
                   f"Re-routed because {because}: {route.explanation}", directory, at)


def link_problem(call: CallFacts, actor: Actor, directory: Directory, problem_id: int,
                 problem_ref: str) -> CallChange:
    """Link a recurring call to the Problem raised for it (a closer's decision; the status stays)."""
    require_right(actor, Right.CLOSE, directory.partition_name)
    return _apply(call, Action.LINK_PROBLEM, f"Linked to problem {problem_ref}", {"problem": problem_ref},
                  problem_id=problem_id)


def problem_raised(problem: CallFacts, actor: Actor, directory: Directory, refs: Sequence[str]) -> CallChange:
    """The Problem's own history entry: which recurring calls it was raised for."""
    require_right(actor, Right.CLOSE, directory.partition_name)
    return _apply(problem, Action.LINK_PROBLEM, f"Raised for {len(refs)} recurring calls", {"calls": list(refs)})
