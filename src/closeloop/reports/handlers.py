"""How the reports area hears of changes: every call event updates the daily roll-ups in its transaction."""

from __future__ import annotations

from closeloop.closure.events import CallChanged, subscribe

from .rollups import count_call_event

__all__ = ["subscribe_handlers"]


def subscribe_handlers() -> None:
    subscribe(CallChanged, count_call_event)
