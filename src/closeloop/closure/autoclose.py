"""Call Auto Close: which rule watches a call, what falls due when, and the changes a rule makes.

A partition's rules watch calls left without a decision in Forward for Closure, Forward to You for
Close or On Hold. A call is *idle* since its last action (a reminder is not an action). While it stays
idle, a rule sends up to three reminders at set intervals, then at expiry closes the call (Closed, or
Closed/Unresolved for a call on hold) with the rule's closure reason, or escalates it instead.

When several rules match a call, the first active one in the partition's order (position, then the
order they were added) applies, and only that one: put narrow rules above broad ones.

Days are calendar days, or business days (Monday to Friday, skipping the holidays given) counted in the
time zone of the datetimes passed in. Plain Python: services turn rows into these values.

Under a sampling policy, a resolved call sampled for validation is never closed by a rule: at expiry its
closure target is reminded once more (`hold_for_validation`) and the call keeps waiting for them.
Unsampled calls, calls on hold and calls resolved under no policy are closed as the rule says.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .changes import CallChange
from .errors import InvalidInput
from .guards import check_assignment, check_close_values, check_reason
from .lifecycle import Action, next_status
from .limits import CLOSURE_COMMENTS
from .model import CLOSURE_STATUSES, CallFacts, CallType, Directory, PartitionSettings, ReasonFacts, Status, Target
from .routing import route_to_target
from .sampling import SamplingDecision
from .unresolved import UnresolvedKind

__all__ = [
    "WATCHABLE_STATUSES",
    "MAX_REMINDERS",
    "MAX_IDLE_DAYS",
    "Audience",
    "DayCount",
    "Expiry",
    "Reminder",
    "AutoCloseRuleFacts",
    "DueKind",
    "Due",
    "check_rule",
    "rule_matches",
    "rule_for",
    "RuleLookup",
    "kinds_ruled",
    "shortest_wait",
    "AUTO_CLOSE_INPUT",
    "facts_for_rules",
    "add_days",
    "reminder_at",
    "expires_at",
    "due",
    "raised_priority",
    "remind",
    "auto_close",
    "escalate",
    "holds_for_validation",
    "hold_for_validation",
]

WATCHABLE_STATUSES = frozenset({Status.FORWARD_FOR_CLOSURE, Status.FORWARD_TO_YOU_FOR_CLOSE, Status.ON_HOLD})
MAX_REMINDERS = 3
MAX_IDLE_DAYS = 365


class Audience(StrEnum):
    """Who a reminder is for: the call's closure target (analyst or group) and/or its contact."""

    TARGET = "target"
    CONTACT = "contact"

    @property
    def label(self) -> str:
        return "closure target" if self is Audience.TARGET else "contact"


class DayCount(StrEnum):
    """How a rule counts days: every day, or Monday to Friday only."""

    CALENDAR = "calendar"
    BUSINESS = "business"

    @property
    def label(self) -> str:
        return f"{self.value} days"


class Expiry(StrEnum):
    """What a rule does when a call has been idle for its idle time."""

    CLOSE = "close"
    ESCALATE = "escalate"


@dataclass(frozen=True)
class Reminder:
    """A reminder sent when the call has been idle `after_days` days, to its target and/or contact."""

    after_days: int
    audience: frozenset[Audience]


@dataclass(frozen=True)
class AutoCloseRuleFacts:
    """A Call Auto Close rule as the core sees it.

    Empty `call_types` or `priorities` mean every call type or priority. At expiry the rule closes with
    `reason` (and `comments` added to the closure comments), or escalates to `escalation_group_id`,
    raising the priority by `raise_priority` levels or to `priority_to` (1 is the highest; never lowered).
    """

    name: str
    statuses: frozenset[Status]
    idle_days: int
    expiry: Expiry
    call_types: frozenset[CallType] = frozenset()
    priorities: frozenset[int] = frozenset()
    days: DayCount = DayCount.CALENDAR
    reminders: tuple[Reminder, ...] = ()
    reason: ReasonFacts | None = None
    comments: str = ""
    escalation_group_id: int | None = None
    raise_priority: int = 0
    priority_to: int | None = None
    active: bool = True
    position: int = 0
    rule_id: int | None = None


def check_rule(rule: AutoCloseRuleFacts) -> None:
    """Refuse a rule that could never act sensibly, naming the field to fix."""
    if not rule.statuses:
        raise InvalidInput("Choose at least one status for the rule to watch", field="statuses")
    if unwatchable := rule.statuses - WATCHABLE_STATUSES:
        names = ", ".join(sorted(s.label for s in unwatchable))
        raise InvalidInput(f"A rule watches only Forward for Closure, Forward to You for Close and On Hold "
                           f"(not {names})", field="statuses")
    if bad := sorted(p for p in rule.priorities if not 1 <= p <= 4):
        raise InvalidInput(f"Priorities are 1 to 4 (got {bad[0]})", field="priorities")
    if not 1 <= rule.idle_days <= MAX_IDLE_DAYS:
        raise InvalidInput(f"The idle time must be 1 to {MAX_IDLE_DAYS} days (got {rule.idle_days})",
                           field="idle_days")
    _check_reminders(rule)
    if rule.expiry is Expiry.CLOSE:
        _check_close(rule)
    else:
        _check_escalation(rule)


def _check_reminders(rule: AutoCloseRuleFacts) -> None:
    if len(rule.reminders) > MAX_REMINDERS:
        raise InvalidInput(f"A rule sends at most {MAX_REMINDERS} reminders", field="reminders")
    previous = 0
    for number, reminder in enumerate(rule.reminders, start=1):
        if not reminder.audience:
            raise InvalidInput(f"Reminder {number} needs someone to remind: the closure target and/or the contact",
                               field="reminders")
        if not previous < reminder.after_days < rule.idle_days:
            raise InvalidInput(f"Reminder {number} must come after {previous} and before the idle time of "
                               f"{rule.idle_days} days (got {reminder.after_days})", field="reminders")
        previous = reminder.after_days


def _check_close(rule: AutoCloseRuleFacts) -> None:
    if rule.reason is None:
        raise InvalidInput("A rule that closes calls needs the closure reason they are closed with", field="reason")
    if not rule.reason.active:
        raise InvalidInput(f"Closure reason {rule.reason.code} is no longer in use", field="reason")
    types = rule.call_types or frozenset(CallType)
    if missing := types - rule.reason.call_types:
        names = ", ".join(sorted(t.label for t in missing))
        raise InvalidInput(f"Closure reason {rule.reason.code} does not apply to {names}: choose a reason linked "
                           "to every call type the rule watches, or narrow its call types", field="reason")
    if Status.ON_HOLD in rule.statuses and rule.statuses & CLOSURE_STATUSES:
        raise InvalidInput("A rule that closes calls watches either On Hold (closed as Closed/Unresolved) or the "
                           "closure statuses (Closed), not both: make two rules", field="statuses")
    if rule.escalation_group_id is not None or rule.raise_priority or rule.priority_to is not None:
        raise InvalidInput("A rule that closes calls does not escalate: leave the escalation group and "
                           "priority out", field="escalation_group")


def _check_escalation(rule: AutoCloseRuleFacts) -> None:
    if rule.escalation_group_id is None:
        raise InvalidInput("A rule that escalates calls needs the group they are escalated to",
                           field="escalation_group")
    if not 0 <= rule.raise_priority <= 3:
        raise InvalidInput(f"Raise the priority by 0 to 3 levels (got {rule.raise_priority})",
                           field="raise_priority")
    if rule.priority_to is not None and not 1 <= rule.priority_to <= 4:
        raise InvalidInput(f"The escalated priority is 1 to 4 (got {rule.priority_to})", field="priority_to")
    if rule.raise_priority and rule.priority_to is not None:
        raise InvalidInput("Either raise the priority by some levels or set it, not both", field="priority_to")


def rule_matches(rule: AutoCloseRuleFacts, call: CallFacts) -> bool:
    """The rule is active and watches this call's status, call type and priority."""
    return (rule.active and call.status in rule.statuses
            and (not rule.call_types or call.call_type in rule.call_types)
            and (not rule.priorities or call.priority in rule.priorities))


def rule_for(call: CallFacts, rules: Iterable[AutoCloseRuleFacts]) -> AutoCloseRuleFacts | None:
    """The one rule that applies to the call: the first active match by position (ties: first added)."""
    ordered = sorted(rules, key=lambda r: (r.position, r.rule_id if r.rule_id is not None else 0))
    return next((rule for rule in ordered if rule_matches(rule, call)), None)


def kinds_ruled(rules: Iterable[AutoCloseRuleFacts]) -> dict[CallType, frozenset[int] | None]:
    """The call types some active rule applies to, each with the priorities it applies to them at (None: every
    priority). The rules leave a call of any other type or priority alone, whatever its status: a preview need
    only count such calls."""
    kinds: dict[CallType, frozenset[int] | None] = {}
    for rule in rules:
        if not rule.active or not rule.statuses:
            continue
        for kind in rule.call_types or CallType:
            known = kinds.get(kind, frozenset())
            kinds[kind] = None if known is None or not rule.priorities else known | frozenset(rule.priorities)
    return kinds


def shortest_wait(rules: Iterable[AutoCloseRuleFacts]) -> timedelta | None:
    """The least time any active rule leaves a call idle before it does anything: its first reminder or its
    expiry, counted in calendar days (business days only wait longer). None when no rule is active. A verdict
    given sooner than this after the resolution came before any of the rules would have acted."""
    days = [d for rule in rules if rule.active and rule.statuses
            for d in (rule.idle_days, *(reminder.after_days for reminder in rule.reminders))]
    return timedelta(days=min(days)) if days else None


# Everything of a call that the Call Auto Close rules read: which rule applies (`rule_matches`) and whether its
# sampling holds it (`holds_for_validation`); the reference names it.
AUTO_CLOSE_INPUT = ("ref", "call_type", "status", "priority")


def facts_for_rules(ref: str, call_type: CallType, status: Status, priority: int) -> CallFacts:
    """A call as the rules read it (AUTO_CLOSE_INPUT), every other fact at its default: the preview reads
    tens of thousands of calls, and only these columns of each."""
    return _READ_BY_RULES.but(ref=ref, call_type=call_type, status=status, priority=priority)


# every fact the rules do not read, at its default (`but` copies them: a fifth of what `__init__` costs)
_READ_BY_RULES = CallFacts(ref="", call_type=CallType.INCIDENT, status=Status.LOGGED, logged_by_id=None)


class RuleLookup:
    """`rule_for` over one set of rules, for many calls: the rules put in order once, and the answer kept per
    (status, call type, priority), all that `rule_matches` reads of a call."""

    def __init__(self, rules: Iterable[AutoCloseRuleFacts]) -> None:
        self.rules = tuple(sorted(rules, key=lambda r: (r.position, r.rule_id if r.rule_id is not None else 0)))
        self._found: dict[tuple[Status, CallType, int], AutoCloseRuleFacts | None] = {}

    def for_call(self, call: CallFacts, status: Status | None = None) -> AutoCloseRuleFacts | None:
        """The rule for the call (as if in `status`, when given)."""
        key = (status or call.status, call.call_type, call.priority)
        try:
            return self._found[key]
        except KeyError:
            found = self._found[key] = rule_for(call if status is None else call.but(status=status), self.rules)
            return found


def add_days(start: datetime, days: int, count: DayCount, holidays: Collection[date] = ()) -> datetime:
    """`days` calendar or business days after `start`, at the same time of day.

    A business day is Monday to Friday and not a holiday: one business day after a Friday (or a
    Saturday) at 10:00 is the next Monday at 10:00.
    """
    if count is DayCount.CALENDAR:
        return start + timedelta(days=days)
    moment, counted = start, 0
    while counted < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5 and moment.date() not in holidays:
            counted += 1
    return moment


def reminder_at(rule: AutoCloseRuleFacts, idle_since: datetime, number: int,
                holidays: Collection[date] = ()) -> datetime:
    """When reminder `number` (1-based) of the rule falls due for a call idle since `idle_since`."""
    return add_days(idle_since, rule.reminders[number - 1].after_days, rule.days, holidays)


def expires_at(rule: AutoCloseRuleFacts, idle_since: datetime, holidays: Collection[date] = ()) -> datetime:
    """When the rule closes or escalates a call idle since `idle_since`."""
    return add_days(idle_since, rule.idle_days, rule.days, holidays)


class DueKind(StrEnum):
    NOTHING = "nothing"
    REMIND = "remind"
    EXPIRE = "expire"


@dataclass(frozen=True)
class Due:
    """What the rule does to an idle call now: nothing yet, reminder `number`, or its expiry action.

    `at` is when that fell due; `next_at` when the rule next has something to do if nothing happens
    (None once it has expired); `expires_at` when it closes or escalates the call.
    """

    kind: DueKind
    expires_at: datetime
    number: int | None = None
    at: datetime | None = None
    next_at: datetime | None = None


def due(rule: AutoCloseRuleFacts, idle_since: datetime, reminders_sent: int, now: datetime,
        holidays: Collection[date] = ()) -> Due:
    """What is due for a call idle since `idle_since` that got `reminders_sent` reminders in this idle period.

    Expiry comes exactly at the idle time and wins over any reminder not yet sent (no reminder is sent at
    or after expiry); reminders come one at a time, in order, each once.
    """
    expiry = expires_at(rule, idle_since, holidays)
    if now >= expiry:
        return Due(DueKind.EXPIRE, expiry, at=expiry)
    number = reminders_sent + 1
    if number <= len(rule.reminders):
        when = reminder_at(rule, idle_since, number, holidays)
        if now >= when:
            following = (reminder_at(rule, idle_since, number + 1, holidays)
                         if number < len(rule.reminders) else expiry)
            return Due(DueKind.REMIND, expiry, number, when, min(following, expiry))
        return Due(DueKind.NOTHING, expiry, next_at=min(when, expiry))
    return Due(DueKind.NOTHING, expiry, next_at=expiry)


def raised_priority(rule: AutoCloseRuleFacts, priority: int) -> int:
    """The call's priority after escalation: raised (1 is the highest), never lowered."""
    if rule.priority_to is not None:
        return min(priority, rule.priority_to)
    return max(1, priority - rule.raise_priority)


def _days(rule: AutoCloseRuleFacts) -> str:
    return f"{rule.idle_days} {'business ' if rule.days is DayCount.BUSINESS else ''}day" + (
        "s" if rule.idle_days != 1 else "")


def _change(call: CallFacts, action: Action, note: str, details: dict[str, Any], **changed: Any) -> CallChange:
    after = call.but(status=next_status(call.status, action, call.ref), **changed)
    return CallChange(action, call, after, note, {k: v for k, v in details.items() if v is not None})


def remind(call: CallFacts, rule: AutoCloseRuleFacts, number: int, expires: datetime) -> CallChange:
    """Reminder `number` of the rule: the status stays, and the idle time goes on (it is not an action).

    Its details say whom to remind and when the rule acts: {"rule", "number", "to", "due_at"}.
    """
    if not rule_matches(rule, call):
        raise InvalidInput(f"Rule {rule.name} does not watch {call.ref}", field="rule")
    if not 1 <= number <= len(rule.reminders):
        raise InvalidInput(f"Rule {rule.name} has no reminder {number}", field="number")
    audience = sorted(a.value for a in rule.reminders[number - 1].audience)
    action = "closes" if rule.expiry is Expiry.CLOSE else "escalates"
    note = (f"Reminder {number} of rule {rule.name}: no decision yet; the rule {action} the call on "
            f"{expires:%Y-%m-%d %H:%M}")
    return _change(call, Action.REMIND, note, {"rule": rule.name, "number": number, "to": audience,
                                               "due_at": expires.isoformat()})


def auto_close(call: CallFacts, rule: AutoCloseRuleFacts, at: datetime) -> CallChange:
    """Close an idle call at expiry, by the system: Closed (Closed/Unresolved if it was on hold), with the
    rule's closure reason and comments saying which rule closed it after how long."""
    if not rule_matches(rule, call) or rule.expiry is not Expiry.CLOSE:
        raise InvalidInput(f"Rule {rule.name} does not close {call.ref}", field="rule")
    text = f"Auto-closed by rule {rule.name} after {_days(rule)} without a decision"
    if rule.comments.strip():
        text += f". {rule.comments.strip()}"
    required = PartitionSettings(closure_reason_required=True)
    unresolved: dict[str, Any] = {}
    if call.status is Status.ON_HOLD:  # never resolved: Closed/Unresolved for no response, with such a reason
        comments = CLOSURE_COMMENTS.clean(text)
        check_reason(call, required, rule.reason, unresolved=True)
        unresolved = {"unresolved_kind": UnresolvedKind.NO_RESPONSE}
    else:
        comments = check_close_values(call, required, text, rule.reason)
    reason = rule.reason
    assert reason is not None  # the reason checks require it
    return _change(call, Action.AUTO_CLOSE, comments,
                   {"rule": rule.name, "reason": reason.code, "idle_days": rule.idle_days, "days": rule.days.value},
                   closure_comments=comments, closure_reason_id=reason.reason_id, closed_by_id=None, closed_at=at,
                   **unresolved)


def escalate(call: CallFacts, rule: AutoCloseRuleFacts, settings: PartitionSettings, directory: Directory,
             at: datetime) -> CallChange:
    """Escalate an idle call at expiry, priority raised: a resolved call is forwarded for closure to the rule's
    group (which must have an eligible closer); a call on hold goes off hold to that group's queue."""
    if not rule_matches(rule, call) or rule.expiry is not Expiry.ESCALATE or rule.escalation_group_id is None:
        raise InvalidInput(f"Rule {rule.name} does not escalate {call.ref}", field="rule")
    group_id = rule.escalation_group_id
    priority = raised_priority(rule, call.priority)
    moved: dict[str, Any]
    if call.status in CLOSURE_STATUSES:
        route = route_to_target(call, Target(group_id=group_id), settings, directory)
        moved = {"target_analyst_id": None, "target_group_id": route.group_id, "forwarded_at": at}
    else:
        check_assignment(directory, group_id, None)
        moved = {"assigned_group_id": group_id, "assigned_analyst_id": None}
    group = directory.group_name(group_id)
    note = f"Escalated by rule {rule.name} after {_days(rule)} without a decision, to group {group}"
    if priority != call.priority:
        note += f"; priority {call.priority} → {priority}"
    return _change(call, Action.ESCALATE, note, {"rule": rule.name, "to_group": group, "priority": priority},
                   priority=priority, **moved)



def holds_for_validation(call: CallFacts, rule: AutoCloseRuleFacts, sampling: SamplingDecision | None) -> bool:
    """The rule would close a resolved call that its sampling policy sampled for validation: it must not."""
    return (rule.expiry is Expiry.CLOSE and call.status in CLOSURE_STATUSES
            and sampling is not None and sampling.requires_validation)


def hold_for_validation(call: CallFacts, rule: AutoCloseRuleFacts, sampling: SamplingDecision,
                        expired: datetime) -> CallChange:
    """At the expiry of a closing rule, a call sampled for validation stays where it is: its closure target is
    reminded that it waits for them (once per idle period; the idle time goes on, as for a reminder)."""
    if not rule_matches(rule, call) or not holds_for_validation(call, rule, sampling):
        raise InvalidInput(f"Rule {rule.name} would not hold {call.ref} for validation", field="rule")
    note = (f"Rule {rule.name} would close the call after {_days(rule)} without a decision, but it was sampled "
            f"for validation ({'; '.join(sampling.reasons)}): it waits for its closure target")
    return _change(call, Action.REMIND, note, {"rule": rule.name, "number": len(rule.reminders) + 1,
                                               "to": [Audience.TARGET.value], "due_at": expired.isoformat(),
                                               "held_for_validation": True})
