"""Who is told what when something happens to a call: the notification kinds and the rule choosing them.

`notices_for` reads one call event (`events.CallChanged`), the call's facts after it, the partition's settings
and directory, and answers with the notices it causes: a kind and an audience (an analyst, a group's own
mailbox, or the call's contact). The notifications area renders and queues each one; which analysts have an
e-mail address or turned a kind off is its business, not the rule's.

The rule never tells an analyst of their own action, tells only active analysts of the call's partition, and
tells a group either at its own mailbox (when it has one) or each of its eligible closers, never both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from .events import CallChanged
from .lifecycle import Action
from .model import CLOSURE_STATUSES, CallFacts, Directory, PartitionSettings, Status
from .routing import eligible_closers

__all__ = [
    "NoticeKind",
    "ANALYST_KINDS",
    "CONTACT_KINDS",
    "Audience",
    "ToAnalyst",
    "ToMailbox",
    "ToContact",
    "Notice",
    "notices_for",
    "CLOSING_ACTIONS",
    "closure_sla_notices",
]


class NoticeKind(StrEnum):
    """The messages Closeloop sends; analysts choose which of the analysts' kinds they want."""

    # to analysts
    ASSIGNED = "assigned"
    FORWARDED_TO_YOU = "forwarded_to_you"
    FORWARDED_TO_GROUP = "forwarded_to_group"
    RESOLUTION_REJECTED = "resolution_rejected"
    RESOLUTION_REFUSED = "resolution_refused"
    REMINDER = "reminder"
    AUTO_CLOSED = "auto_closed"
    # the closure-stage SLA: a call waiting for its closer is about to breach its target, or has breached it
    CLOSURE_SLA_AT_RISK = "closure_sla_at_risk"
    CLOSURE_SLA_BREACHED = "closure_sla_breached"
    # to the call's contact
    CALL_LOGGED = "call_logged"
    CALL_RESOLVED = "call_resolved"
    CALL_CLOSED = "call_closed"
    CONTACT_REMINDER = "contact_reminder"
    NOTE_FOR_CONTACT = "note_for_contact"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def for_analysts(self) -> bool:
        return self in ANALYST_KINDS


_LABELS = {
    NoticeKind.ASSIGNED: "A call assigned to you",
    NoticeKind.FORWARDED_TO_YOU: "Forward to You for Close",
    NoticeKind.FORWARDED_TO_GROUP: "Forward for Closure to a group you close for",
    NoticeKind.RESOLUTION_REJECTED: "Your resolution rejected",
    NoticeKind.RESOLUTION_REFUSED: "Your resolution refused by the user",
    NoticeKind.REMINDER: "Reminders of calls waiting for you",
    NoticeKind.AUTO_CLOSED: "Auto-closed calls you resolved",
    NoticeKind.CLOSURE_SLA_AT_RISK: "Calls waiting for you about to breach the closure SLA",
    NoticeKind.CLOSURE_SLA_BREACHED: "Calls waiting for you that breached the closure SLA",
    NoticeKind.CALL_LOGGED: "Call logged",
    NoticeKind.CALL_RESOLVED: "Call resolved",
    NoticeKind.CALL_CLOSED: "Call closed",
    NoticeKind.CONTACT_REMINDER: "Reminder to the contact",
    NoticeKind.NOTE_FOR_CONTACT: "A note for the contact",
}

_DESCRIPTIONS = {
    NoticeKind.ASSIGNED: "Someone assigns a call to you, logs one for you, or a call is escalated to you.",
    NoticeKind.FORWARDED_TO_YOU: "A resolved call is forwarded to you to validate and close.",
    NoticeKind.FORWARDED_TO_GROUP: "A resolved call waits for a closer of one of your groups (unless the group "
                                   "has its own mailbox, which is told instead).",
    NoticeKind.RESOLUTION_REJECTED: "A closer sends a call you resolved back to you.",
    NoticeKind.RESOLUTION_REFUSED: "The user says a call you resolved is not fixed.",
    NoticeKind.REMINDER: "A Call Auto Close rule reminds you of a call waiting for your decision.",
    NoticeKind.AUTO_CLOSED: "A call you resolved was closed by a Call Auto Close rule without a decision.",
    NoticeKind.CLOSURE_SLA_AT_RISK: "A call waiting for your decision (or your group's) has used most of its "
                                    "closure-stage target.",
    NoticeKind.CLOSURE_SLA_BREACHED: "A call waiting for your decision (or your group's) is past its closure-stage "
                                     "target.",
    NoticeKind.CALL_LOGGED: "The user's acknowledgement, with the call's reference.",
    NoticeKind.CALL_RESOLVED: "The resolution, with links to accept or refuse it.",
    NoticeKind.CALL_CLOSED: "The call is closed.",
    NoticeKind.CONTACT_REMINDER: "A Call Auto Close rule reminds the user that their call waits for their answer.",
    NoticeKind.NOTE_FOR_CONTACT: "An analyst writes a note on the call for the user to read.",
}

ANALYST_KINDS = (NoticeKind.ASSIGNED, NoticeKind.FORWARDED_TO_YOU, NoticeKind.FORWARDED_TO_GROUP,
                 NoticeKind.RESOLUTION_REJECTED, NoticeKind.RESOLUTION_REFUSED, NoticeKind.REMINDER,
                 NoticeKind.AUTO_CLOSED, NoticeKind.CLOSURE_SLA_AT_RISK, NoticeKind.CLOSURE_SLA_BREACHED)
CONTACT_KINDS = (NoticeKind.CALL_LOGGED, NoticeKind.CALL_RESOLVED, NoticeKind.CALL_CLOSED,
                 NoticeKind.CONTACT_REMINDER, NoticeKind.NOTE_FOR_CONTACT)

# The actions after which the contact hears that their call is closed (with or without a resolution)
CLOSING_ACTIONS = frozenset({Action.CLOSE, Action.ACCEPT_AND_CLOSE, Action.AUTO_CLOSE, Action.CLOSE_UNRESOLVED,
                             Action.RESOLVE_AND_CLOSE})
_RESOLVING = frozenset({Action.RESOLVE_TO_ANALYST, Action.RESOLVE_TO_GROUP})
_TO_ANALYST = frozenset({Action.RESOLVE_TO_ANALYST, Action.TAKE, Action.FORWARD_TO_ANALYST})
_TO_GROUP = frozenset({Action.RESOLVE_TO_GROUP, Action.FORWARD_TO_GROUP})


@dataclass(frozen=True, order=True)
class ToAnalyst:
    """One analyst of the call's partition."""

    analyst_id: int


@dataclass(frozen=True, order=True)
class ToMailbox:
    """A group's own address, told instead of its members."""

    group_id: int


@dataclass(frozen=True, order=True)
class ToContact:
    """The person who reported the call."""


Audience = ToAnalyst | ToMailbox | ToContact


@dataclass(frozen=True)
class Notice:
    """One message to write: what it tells, and to whom."""

    kind: NoticeKind
    audience: Audience


def notices_for(event: CallChanged, call: CallFacts, settings: PartitionSettings, directory: Directory,
                mailbox_groups: Collection[int] = ()) -> list[Notice]:
    """The notices one call event causes; `call` is the call after it, `mailbox_groups` the groups with their
    own mailbox."""
    try:
        action = Action(event.action)
    except ValueError:
        return []
    wanted = [*_to_analysts(action, event, call, settings, directory, mailbox_groups),
              *_to_contact(action, event)]
    told: list[Notice] = []
    for notice in wanted:
        if isinstance(notice.audience, ToAnalyst) and not _may_tell(notice.audience.analyst_id, event, directory):
            continue
        if notice not in told:
            told.append(notice)
    return told


def _may_tell(analyst_id: int, event: CallChanged, directory: Directory) -> bool:
    candidate = directory.analysts.get(analyst_id)
    return analyst_id != event.actor_id and candidate is not None and candidate.active


def _analyst(kind: NoticeKind, analyst_id: int | None) -> list[Notice]:
    return [] if analyst_id is None else [Notice(kind, ToAnalyst(analyst_id))]


def _group(kind: NoticeKind, group_id: int | None, call: CallFacts, settings: PartitionSettings,
           directory: Directory, mailbox_groups: Collection[int]) -> list[Notice]:
    if group_id is None:
        return []
    if group_id in mailbox_groups:
        return [Notice(kind, ToMailbox(group_id))]
    return [Notice(kind, ToAnalyst(closer))
            for closer in eligible_closers(group_id, directory, settings, call.resolved_by_id)]


def _closure_target(kind: NoticeKind, call: CallFacts, settings: PartitionSettings, directory: Directory,
                    mailbox_groups: Collection[int]) -> list[Notice]:
    """Whoever the call waits for now: its closing analyst, its closure group, or (on hold) its analyst."""
    if call.status is Status.FORWARD_TO_YOU_FOR_CLOSE:
        return _analyst(kind, call.target_analyst_id)
    if call.status is Status.FORWARD_FOR_CLOSURE:
        return _group(kind, call.target_group_id, call, settings, directory, mailbox_groups)
    if call.status is Status.ON_HOLD:
        return _analyst(kind, call.assigned_analyst_id)
    return []


def closure_sla_notices(kind: NoticeKind, call: CallFacts, settings: PartitionSettings, directory: Directory,
                        mailbox_groups: Collection[int] = ()) -> list[Notice]:
    """Who hears that a call is about to breach, or has breached, its closure-stage target: whoever it waits
    for (its closing analyst, or its closure group's mailbox or eligible closers), if active."""
    told = _closure_target(kind, call, settings, directory, mailbox_groups) if call.status in CLOSURE_STATUSES \
        else []
    return [n for n in told if not isinstance(n.audience, ToAnalyst)
            or (a := directory.analysts.get(n.audience.analyst_id)) is not None and a.active]


def _reminded(event: CallChanged) -> Iterable[str]:
    to = event.details.get("to", ())
    return (to,) if isinstance(to, str) else to


def _to_analysts(action: Action, event: CallChanged, call: CallFacts, settings: PartitionSettings,
                 directory: Directory, mailbox_groups: Collection[int]) -> list[Notice]:
    if action is Action.ASSIGN:
        return _analyst(NoticeKind.ASSIGNED, call.assigned_analyst_id)
    if action in _TO_ANALYST:
        return _analyst(NoticeKind.FORWARDED_TO_YOU, call.target_analyst_id)
    if action in _TO_GROUP:
        return _group(NoticeKind.FORWARDED_TO_GROUP, call.target_group_id, call, settings, directory,
                      mailbox_groups)
    if action is Action.ESCALATE:
        if call.status is Status.FORWARD_FOR_CLOSURE:
            return _group(NoticeKind.FORWARDED_TO_GROUP, call.target_group_id, call, settings, directory,
                          mailbox_groups)
        return _analyst(NoticeKind.ASSIGNED, call.assigned_analyst_id)
    if action is Action.REJECT:
        return _analyst(NoticeKind.RESOLUTION_REJECTED, _resolver(call))
    if action is Action.USER_REFUSE:
        return _analyst(NoticeKind.RESOLUTION_REFUSED, _resolver(call))
    if action is Action.REMIND and "target" in _reminded(event):
        return _closure_target(NoticeKind.REMINDER, call, settings, directory, mailbox_groups)
    if action is Action.AUTO_CLOSE and event.from_status in CLOSURE_STATUSES:
        return _analyst(NoticeKind.AUTO_CLOSED, call.resolved_by_id)
    return []


def _resolver(call: CallFacts) -> int | None:
    return call.resolved_by_id if call.resolved_by_id is not None else call.assigned_analyst_id


def _to_contact(action: Action, event: CallChanged) -> list[Notice]:
    if action is Action.LOG:
        kind: NoticeKind | None = NoticeKind.CALL_LOGGED
    elif action in _RESOLVING:
        kind = NoticeKind.CALL_RESOLVED
    elif action in CLOSING_ACTIONS:
        kind = NoticeKind.CALL_CLOSED
    elif action is Action.REMIND and "contact" in _reminded(event):
        kind = NoticeKind.CONTACT_REMINDER
    elif action is Action.ADD_NOTE and event.visible_to_contact:
        kind = NoticeKind.NOTE_FOR_CONTACT  # internal notes tell nobody
    else:
        kind = None
    return [] if kind is None else [Notice(kind, ToContact())]
