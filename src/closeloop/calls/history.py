"""The one place every call event is recorded and published.

Each event is published as `closure.events.CallChanged` inside the transaction that records it, so its
handlers (the notifications outbox, among others) write in the same transaction: a refused or rolled-back
action notifies nobody.

An action that makes several changes at once (logging a call with its assignment) writes the call once and
records all its events in one statement before publishing the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, NamedTuple

from django.utils import timezone

from closeloop.closure import Action, Status
from closeloop.closure.events import CallChanged, publish

from .models import Call, CallEvent

__all__ = ["EventEntry", "record_event", "record_events", "call_being_published"]

_publishing: ContextVar[Call | None] = ContextVar("closeloop_call_being_published", default=None)


class EventEntry(NamedTuple):
    """One history entry to record: the change's action, the statuses it went from and to, its note and details."""

    action: Action | str
    from_status: Status | str | None
    to_status: Status | str
    note: str = ""
    details: dict[str, Any] = {}
    visible_to_contact: bool = False


def call_being_published(call_id: int) -> Call | None:
    """The call whose event the handlers are being told of, as the action just wrote it (so a handler need not
    read it again); None if the event is about another call."""
    call = _publishing.get()
    return call if call is not None and call.id == call_id else None


def record_event(call: Call, actor: Any, action: Action | str, from_status: Status | str | None,
                 note: str = "", at: Any = None, *, visible_to_contact: bool = False, **details: Any) -> CallEvent:
    """Write one history entry for a change just made to `call` (its status is the new status);
    `visible_to_contact` marks a note the call's contact may read (and is told of)."""
    entry = EventEntry(action, from_status, call.status, note, details, visible_to_contact)
    return record_events(call, actor, [entry], at)[0]


def record_events(call: Call, actor: Any, entries: Sequence[EventEntry], at: Any = None) -> list[CallEvent]:
    """Write the history entries of the changes one action just made to `call` (already saved), in one
    statement, then publish each in turn."""
    when = at or timezone.now()
    events = [CallEvent(call=call, at=when, actor=actor, action=str(e.action), from_status=str(e.from_status or ""),
                        to_status=str(e.to_status), note=e.note,
                        details={k: v for k, v in e.details.items() if v is not None},
                        visible_to_contact=e.visible_to_contact) for e in entries]
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        CallEvent.objects.bulk_create(events)
    published = tuple(_changed(call, event) for event in events)
    token = _publishing.set(call)
    try:
        for changed in published:
            publish(changed)
    finally:
        _publishing.reset(token)
    return events


def _changed(call: Call, event: CallEvent) -> CallChanged:
    return CallChanged(call_id=call.id, ref=call.ref, partition_id=call.partition_id, event_id=event.id,
                       action=event.action, from_status=event.from_status, to_status=event.to_status,
                       actor_id=event.actor_id, at=event.at, note=event.note, details=event.details,
                       visible_to_contact=event.visible_to_contact)
