"""The one place every call event is recorded and published.

Each event is published as `closure.events.CallChanged` inside the transaction that records it, so its
handlers (the notifications outbox, among others) write in the same transaction: a refused or rolled-back
action notifies nobody.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from closeloop.closure import Action, Status
from closeloop.closure.events import CallChanged, publish

from .models import Call, CallEvent

__all__ = ["record_event"]


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
    publish(CallChanged(call_id=call.id, ref=call.ref, partition_id=call.partition_id, event_id=event.id,
                        action=event.action, from_status=event.from_status, to_status=event.to_status,
                        actor_id=event.actor_id, at=event.at, note=event.note, details=event.details,
                        visible_to_contact=event.visible_to_contact))
    return event
