"""The one place every call event is recorded and published.

Each event is published as `closure.events.CallChanged` inside the transaction that records it, so its
handlers (the notifications outbox, among others) write in the same transaction: a refused or rolled-back
action notifies nobody.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.utils import timezone

from closeloop.closure import Action, Status
from closeloop.closure.events import CallChanged, publish

from .models import Call, CallEvent

__all__ = ["record_event", "call_being_published"]

_publishing: ContextVar[Call | None] = ContextVar("closeloop_call_being_published", default=None)


def call_being_published(call_id: int) -> Call | None:
    """The call whose event the handlers are being told of, as the action just wrote it (so a handler need not
    read it again); None if the event is about another call."""
    call = _publishing.get()
    return call if call is not None and call.id == call_id else None


def record_event(call: Call, actor: Any, action: Action | str, from_status: Status | str | None,
                 note: str = "", at: Any = None, *, visible_to_contact: bool = False, **details: Any) -> CallEvent:
    """Write one history entry for a change just made to `call` (its status is the new status);
    `visible_to_contact` marks a note the call's contact may read (and is told of)."""
    event = CallEvent.objects.create(
        call=call,
        at=at or timezone.now(),
        actor=actor,
        action=str(action),
        from_status=str(from_status or ""),
        to_status=call.status,
        note=note,
        details={k: v for k, v in details.items() if v is not None},
        visible_to_contact=visible_to_contact,
    )
    token = _publishing.set(call)
    try:
        _publish(call, event)
    finally:
        _publishing.reset(token)
    return event


def _publish(call: Call, event: CallEvent) -> None:
    publish(CallChanged(call_id=call.id, ref=call.ref, partition_id=call.partition_id, event_id=event.id,
                        action=event.action, from_status=event.from_status, to_status=event.to_status,
                        actor_id=event.actor_id, at=event.at, note=event.note, details=event.details,
                        visible_to_contact=event.visible_to_contact))
