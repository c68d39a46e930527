"""What happened to a partition's people, groups and settings, and the handlers that react to it.

A service that changes the directory or the closure settings publishes one of these events inside its
transaction. Handlers registered by other areas react in the same transaction: the calls area checks that
no call awaiting closure is left with nobody to close it (raising refuses the whole change) and re-routes
the calls whose target can no longer close them; the partitions area records the change in the audit
trail. So a lower area never calls a higher one's services: it publishes, and the higher one subscribes.

Every one of these changes is also a row of the partition's audit trail. Changes to a call are recorded
as call events (`lifecycle.Action`) in the call's history, and each is published as `CallChanged` in the
same transaction: the notifications area writes its outbox messages in its handler, so a change that is
rolled back sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

__all__ = [
    "DeskEvent",
    "ADDITIONS",
    "DirectoryChanged",
    "SettingsChanged",
    "CallChanged",
    "subscribe",
    "unsubscribe",
    "publish",
]


class DeskEvent(StrEnum):
    """The closed list of changes to a partition's people, groups and settings."""

    CLOSURE_SETTINGS_CHANGED = "closure_settings_changed"
    CLOSURE_REASONS_CHANGED = "closure_reasons_changed"
    CHECKLIST_CHANGED = "checklist_changed"
    REJECTION_CATEGORIES_CHANGED = "rejection_categories_changed"
    AUTO_CLOSE_RULES_CHANGED = "auto_close_rules_changed"
    CATEGORIES_CHANGED = "categories_changed"
    PRIORITY_MATRIX_CHANGED = "priority_matrix_changed"
    BUSINESS_CALENDAR_CHANGED = "business_calendar_changed"
    CLOSURE_SLA_CHANGED = "closure_sla_changed"
    SAMPLING_POLICY_CHANGED = "sampling_policy_changed"
    GROUP_CREATED = "group_created"
    GROUP_MEMBER_ADDED = "group_member_added"
    GROUP_MEMBER_REMOVED = "group_member_removed"
    GROUP_MAILBOX_CHANGED = "group_mailbox_changed"
    ANALYST_JOINED = "analyst_joined"
    ANALYST_ROLE_CHANGED = "analyst_role_changed"
    ANALYST_DEACTIVATED = "analyst_deactivated"


# Changes that only add people or groups, or only say where a group's mail goes: they can never leave a
# call with nobody to close it.
ADDITIONS = frozenset({DeskEvent.GROUP_CREATED, DeskEvent.GROUP_MEMBER_ADDED, DeskEvent.ANALYST_JOINED,
                       DeskEvent.GROUP_MAILBOX_CHANGED})


@dataclass(frozen=True)
class DirectoryChanged:
    """Analysts, group members or rights of one partition changed (already written, not yet committed).

    `change` names it for a refusal ("Removing alice from group Network"); `because` for the history of a
    call re-routed by it ("alice was removed from group Network"); `before`/`after` for the audit trail.
    """

    name: DeskEvent
    partition_id: int
    actor_id: int | None
    change: str
    because: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SettingsChanged:
    """A partition's closure settings, reasons, checklist or rejection categories changed (already written
    and audited, not yet committed); `because` is said in the history of a call re-routed by it."""

    name: DeskEvent
    partition_id: int
    because: str


@dataclass(frozen=True)
class CallChanged:
    """One event of a call's history, just recorded (not yet committed).

    `action` and the statuses are the values of `lifecycle.Action` and `model.Status`; `details` are the
    event's details as recorded (e.g. the reminder number, the closure reason, the user's words).
    """

    call_id: int
    ref: str
    partition_id: int
    event_id: int
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    at: datetime
    note: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    # the note is one the call's contact may read (a work-log note written for them)
    visible_to_contact: bool = False


E = TypeVar("E", DirectoryChanged, SettingsChanged, CallChanged)
# A handler returns how many calls it moved (re-routed), or None when it moves none by nature.
Handler = Callable[[E], int | None]
_handlers: dict[type[Any], list[Callable[[Any], int | None]]] = {}


def subscribe(event_type: type[E], handler: Handler[E]) -> Handler[E]:
    """Have `handler` called with every published event of `event_type` (once per handler)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)
    return handler


def unsubscribe(event_type: type[E], handler: Handler[E]) -> None:
    """Stop calling `handler` for `event_type` (a no-op if it was not subscribed)."""
    handlers = _handlers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def publish(event: DirectoryChanged | SettingsChanged | CallChanged) -> int:
    """Hand the event to each of its handlers in turn; a handler that raises refuses the change.

    Returns how many calls the handlers moved because of it (shown to the administrator).
    """
    return sum(handler(event) or 0 for handler in _handlers.get(type(event), ()))
