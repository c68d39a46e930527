"""One synthetic call's whole life as rows: the call, its history events and its closure decisions.

Every step is applied by the closure core (`changes`, as in the services), so a generated call is routed,
taken, rejected and closed exactly as analysts would have done it through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from closeloop.calls.models import fact_columns
from closeloop.closure import (
    OPEN_STATUSES,
    Actor,
    CallFacts,
    CallType,
    ChecklistItemFacts,
    ReasonFacts,
    Right,
    Status,
    changes,
)
from closeloop.closure.priority import DEFAULT_MATRIX
from closeloop.closure.routing import eligible_closers
from closeloop.closure.unresolved import Original, UnresolvedKind, close_unresolved, link_duplicate

from .synthetic_desk import PartitionPlan

__all__ = ["CALL_COLUMNS", "EVENT_COLUMNS", "DECISION_COLUMNS", "CallLife", "live_call", "pick_status",
           "pick_type"]

CALL_COLUMNS = ("id", "partition_id", "ref", "call_type", "summary", "description", "priority", "status",
                "logged_by_id", "logged_at", "log_group_id", "assigned_group_id", "assigned_analyst_id",
                "resolution", "resolved_by_id", "resolved_at", "closure_target_analyst_id",
                "closure_target_group_id", "forwarded_at", "closure_reason_id", "closure_comments", "closed_by_id",
                "closed_at", "times_rejected", "problem_id", "version", "updated_at", "times_refused",
                "user_confirmed_at", "duplicate_of_id", "contact_id", "last_action_at", "unresolved_kind",
                "impact", "urgency", "category_id", "sampled", "sampling_draw", "sampling_reasons")
# a generated call is resolved under no sampling policy: validated as the closure settings say
_NO_SAMPLING = {"sampled": True, "sampling_draw": None, "sampling_reasons": []}
# generated events are never notes visible to the contact: the last column is False for each
EVENT_COLUMNS = ("id", "call_id", "at", "actor_id", "action", "from_status", "to_status", "note", "details",
                 "visible_to_contact", "rolled_up")
# an impact × urgency pair the default matrix rates at each priority
_IMPACT_URGENCY = {p: sorted(cell for cell, value in DEFAULT_MATRIX.items() if value == p) for p in (1, 2, 3, 4)}
DECISION_COLUMNS = ("id", "call_id", "partition_id", "decided_by_id", "decided_at", "outcome", "rejections_before",
                    "resolver_id", "resolver_group_id", "call_type", "resolved_at", "rejection_category_id",
                    "reason", "checklist_answers", "priority", "closure_sla_met", "rolled_up")

THEMES = [
    ("Outlook keeps asking for password", "Cleared cached credentials and repaired the Outlook profile."),
    ("VPN disconnects every few minutes", "Updated the VPN client and set the MTU on the tunnel adapter."),
    ("Printer on floor {n} shows paper jam", "Removed jammed paper from tray 2 and cleaned the rollers."),
    ("Laptop will not connect to office Wi-Fi", "Re-enrolled the device certificate for the corporate SSID."),
    ("New starter needs account and laptop", "Created the account, assigned licences and imaged a laptop."),
    ("Shared drive S: not mapped after login", "Fixed the login script mapping for the department."),
    ("Teams calls drop audio", "Updated the headset firmware and the Teams client."),
    ("Password reset for user {n}", "Reset the password and confirmed the user can sign in."),
    ("Payroll report times out", "Added the missing index on the payroll database and re-ran the report."),
    ("Website returns error 502 for branch {n}", "Restarted the application pool and cleared the cache."),
]
REJECTIONS = ["Resolution does not say what was changed", "User reports the problem is still happening",
              "Wrong closure reason for a workaround"]
TYPE_MIX = [(CallType.INCIDENT, 70), (CallType.SERVICE_REQUEST, 18), (CallType.PROBLEM, 5),
            (CallType.KNOWN_ERROR, 5), (CallType.MAJOR_INCIDENT, 2)]
# Calls younger than eight weeks are spread over every stage; older ones are nearly all closed.
RECENT_MIX = [(Status.LOGGED, 6), (Status.ASSIGNED, 26), (Status.ON_HOLD, 6), (Status.FORWARD_FOR_CLOSURE, 10),
              (Status.FORWARD_TO_YOU_FOR_CLOSE, 7), (Status.CLOSED_UNRESOLVED, 3), (Status.CLOSED, 45)]
OLD_OPEN_SHARE = 0.015
UNRESOLVED_SHARE = 0.04  # of old closed calls: cancelled, or a duplicate of another call
RECENT = timedelta(weeks=8)


def pick_type(rng: random.Random) -> CallType:
    return rng.choices([t for t, _ in TYPE_MIX], weights=[w for _, w in TYPE_MIX])[0]


def pick_status(rng: random.Random, age: timedelta) -> Status:
    if age < timedelta(hours=1):
        return Status.LOGGED
    if age > RECENT and rng.random() > OLD_OPEN_SHARE:
        return Status.CLOSED_UNRESOLVED if rng.random() < UNRESOLVED_SHARE else Status.CLOSED
    mix = RECENT_MIX if age <= RECENT else [m for m in RECENT_MIX if m[0] in OPEN_STATUSES]
    return rng.choices([s for s, _ in mix], weights=[w for _, w in mix])[0]


@dataclass
class CallLife:
    """A call being played forward; `events` and `decisions` are rows without their ids yet."""

    plan: PartitionPlan
    rng: random.Random
    ref: str
    kind: CallType
    at: datetime
    step: timedelta
    facts: CallFacts | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    events: list[list[Any]] = field(default_factory=list)
    decisions: list[list[Any]] = field(default_factory=list)
    # an earlier call of the partition this one may be closed as a duplicate of, and that call's link event
    original: Original | None = None
    original_events: list[list[Any]] = field(default_factory=list)

    @property
    def call(self) -> CallFacts:
        assert self.facts is not None, "log the call first"
        return self.facts

    @property
    def status(self) -> Status:
        return self.call.status

    def columns(self) -> dict[str, Any]:
        """The call's row: what the core decided, and the rest (summary, priority, when logged...)."""
        return {**_NO_SAMPLING, **self.fields, **fact_columns(self.call)}

    def actor(self, analyst_id: int) -> Actor:
        candidate = self.plan.directory.analysts[analyst_id]
        return Actor(analyst_id, candidate.name, candidate.rights)

    def tick(self) -> datetime:
        self.at += self.step * self.rng.uniform(0.5, 1.5)
        return self.at

    def apply(self, actor_id: int | None, change: changes.CallChange, **details: Any) -> None:
        """Take the core's change: the new facts, and the history event as a row."""
        self.facts = change.after
        self.events.append([self.at, actor_id, change.action.value,
                            change.from_status.value if change.from_status else "", change.after.status.value,
                            change.note, {**change.details, **{k: v for k, v in details.items() if v is not None}},
                            False, True])  # rolled up: the load rebuilds the roll-ups from every row


def _weighted(rng: random.Random, ids: list[int]) -> int:
    # A few analysts carry most of the work, as on a real desk.
    return rng.choices(ids, weights=[1 / (rank + 1) for rank in range(len(ids))])[0]


def _resolve(life: CallLife, resolver: int, resolution: str) -> None:
    plan = life.plan
    life.tick()
    life.apply(resolver, changes.resolve(life.call, life.actor(resolver), plan.settings, plan.directory, resolution,
                                         life.at))


def _take(life: CallLife) -> int:
    plan, call = life.plan, life.call
    if call.target_analyst_id:
        return int(call.target_analyst_id)
    assert call.target_group_id is not None
    taker = life.rng.choice(eligible_closers(call.target_group_id, plan.directory, plan.settings,
                                             call.resolved_by_id))
    life.tick()
    life.apply(taker, changes.take(call, life.actor(taker), plan.settings, plan.directory, life.at))
    return taker


def _answers(plan: PartitionPlan, ticked: set[int]) -> list[dict[str, Any]]:
    return [{"item_id": i, "text": t, "required": r, "ticked": i in ticked} for i, t, r in plan.checklist]


def _decision(life: CallLife, closer: int, outcome: str, **extra: Any) -> None:
    call, policy = life.call, life.plan.closure_sla
    # judged as the services judge a decision: on the partition's closure SLA in force (when the desk is loaded)
    met = policy.met(call.priority, call.resolved_at, life.at) if policy is not None else None
    life.decisions.append([closer, life.at, outcome, call.times_rejected, call.resolved_by_id,
                           call.assigned_group_id, life.kind.value, call.resolved_at, extra.get("category_id"),
                           extra.get("reason", ""), extra["answers"], call.priority, met, True])


def _reject(life: CallLife, closer: int) -> None:
    plan, rng = life.plan, life.rng
    text = rng.choice(REJECTIONS)
    category = rng.choice(plan.categories) if plan.categories else (None, None)
    change = changes.reject(life.call, life.actor(closer), plan.settings, plan.directory, text, category[1])
    life.tick()
    ticked = {i for i, _, r in plan.checklist if not r or rng.random() < 0.5}
    _decision(life, closer, "rejected", category_id=category[0], reason=change.note, answers=_answers(plan, ticked))
    life.apply(closer, change)


def _close(life: CallLife, closer: int) -> None:
    plan, rng = life.plan, life.rng
    reason_id, code = rng.choice(plan.reasons[life.kind])
    ticked = {i for i, _, _ in plan.checklist}
    items = [ChecklistItemFacts(i, t, r) for i, t, r in plan.checklist]
    life.tick()
    change = changes.close(life.call, life.actor(closer), plan.settings, plan.directory,
                           "Resolution checked with the user; documentation complete.",
                           ReasonFacts(code, True, frozenset({life.kind}), reason_id), life.at, items, ticked)
    outcome = "closed_after_rejection" if life.call.times_rejected else "closed_first_time"
    _decision(life, closer, outcome, answers=_answers(plan, ticked))
    life.apply(closer, change)


def _close_unresolved(life: CallLife) -> None:
    """A closer cancels the call, or closes it as a duplicate of an earlier call of the partition."""
    plan, rng, original = life.plan, life.rng, life.original
    duplicate = original is not None and rng.random() < 0.5
    kind, code = (UnresolvedKind.DUPLICATE, "DUPLICATE") if duplicate else (UnresolvedKind.CANCELLED, "CANCELLED")
    reason_id = plan.unresolved_reasons.get(life.kind, {}).get(code)
    closers = sorted(a for a, c in plan.directory.analysts.items() if c.active and Right.CLOSE in c.rights)
    if reason_id is None or not closers:
        return  # a desk without reasons for unresolved calls leaves the call assigned
    closer = rng.choice(closers)
    life.tick()
    life.apply(closer, close_unresolved(life.call, life.actor(closer), plan.settings, plan.directory, kind,
                                        ReasonFacts(code, True, frozenset({life.kind}), reason_id, unresolved=True),
                                        "Confirmed with the user." if not duplicate else "Same issue as the original.",
                                        life.at, original if duplicate else None))
    if duplicate and original is not None:
        link = link_duplicate(original.facts, life.ref)
        life.original_events.append([life.at, closer, link.action.value, original.facts.status.value,
                                     original.facts.status.value, link.note, dict(link.details), False, True])


def live_call(life: CallLife, target: Status) -> None:
    """Play the call forward from logging until it reaches `target` status."""
    plan, rng = life.plan, life.rng
    group = rng.choice(plan.work_groups)
    logger = rng.choice(plan.loggers[group])
    summary, resolution = rng.choice(THEMES)
    priority = rng.choice([1, 2, 3, 3, 3, 4, 4])
    impact, urgency = rng.choice(_IMPACT_URGENCY[priority])
    life.fields.update(summary=summary.format(n=rng.randint(1, 9)), priority=priority, impact=impact,
                       urgency=urgency, category_id=None, description="Reported by phone.", logged_at=life.at)
    life.apply(logger, changes.log(life.ref, life.kind, life.actor(logger), plan.directory, group, priority),
               priority=priority)
    if target is Status.LOGGED:
        return
    worker_group = group if rng.random() < 0.7 else rng.choice(plan.work_groups)
    worker = _weighted(rng, plan.resolvers[worker_group])
    life.tick()
    life.apply(logger, changes.assign(life.call, life.actor(logger), plan.directory, worker_group, worker,
                                      on_logging=True))
    if target is Status.CLOSED_UNRESOLVED:
        _close_unresolved(life)
        return
    if target is Status.ON_HOLD or (target is not Status.ASSIGNED and rng.random() < 0.1):
        life.tick()
        life.apply(worker, changes.hold(life.call, life.actor(worker), plan.directory, "Waiting for the user"))
        if target is Status.ON_HOLD:
            return
        life.tick()
        life.apply(worker, changes.resume(life.call, life.actor(worker), plan.directory, "User replied"))
    if target is Status.ASSIGNED and rng.random() > 0.1:
        return
    roll = rng.random()
    rejections = 1 if target is Status.ASSIGNED else (0 if roll < 0.85 else 1 if roll < 0.97 else 2)
    for round_ in range(rejections + 1):
        text = resolution if round_ == 0 else resolution + " Confirmed with the user by phone."
        _resolve(life, worker, text)
        if target is Status.FORWARD_FOR_CLOSURE and life.status is target and round_ == rejections:
            return
        closer = _take(life)
        if round_ < rejections:
            _reject(life, closer)
            if target is Status.ASSIGNED:
                return
        elif target is not Status.CLOSED:
            return
        else:
            _close(life, closer)
