"""The one place every call event is recorded, and where later features subscribe to events.

Notifications, auto-close reminders and SLA clocks register a listener with `on_call_event`; each
listener runs after the transaction that recorded the event commits, so a refused action never
notifies anybody.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from closeloop.closure import Action, Status

from .models import Call, CallEvent

__all__ = ["record_event", "on_call_event"]

_listeners: list[Callable[[CallEvent], None]] = []


def on_call_event(listener: Callable[[CallEvent], None]) -> Callable[[CallEvent], None]:
    """Register a listener called with each committed call event."""
    _listeners.append(listener)
    return listener


def record_event(call: Call, actor: Any, action: Action | str, from_status: Status | str | None,
                 note: str = "", at: Any = None, **details: Any) -> CallEvent:
    """Write one history entry for a change just made to `call` (its status is the new status)."""
    event = CallEvent.objects.create(
        call=call,
        at=at or timezone.now(),
        actor=actor,
        action=str(action),
        from_status=str(from_status or ""),
        to_status=call.status,
        note=note,
        details={k: v for k, v in details.items() if v is not None},
    )
    for listener in _listeners:
        transaction.on_commit(lambda listener=listener: listener(event))
    return event
