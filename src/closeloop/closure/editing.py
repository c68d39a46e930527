"""Editing an open call: who may, what may change, and the before/after its history shows.

An edit changes what the call says (summary, description, type, impact, urgency and so priority,
category, contact, log group), never where it is in its life: the status stays (the lifecycle table
allows `Action.EDIT` in every open status and refuses it on a closed call). The core decides on the
facts it knows (type, priority, log group); the service hands it the other values already in users'
words ("Hardware › Laptop", a contact's name) so the history event says every change the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .changes import CallChange
from .errors import InvalidInput, NotAllowed
from .lifecycle import TRANSITIONS, Action, next_status
from .model import Actor, CallFacts, CallType, Directory, PartitionSettings, ReasonFacts, Right
from .priority import Impact, Urgency, priority_label

__all__ = ["EDIT_RIGHTS", "FIELD_LABELS", "may_edit", "require_edit_right", "check_type_change", "edit",
           "parse_level", "level_label"]

# Whoever may log or work calls in the partition may correct what a call says
EDIT_RIGHTS = frozenset({Right.LOG, Right.RESOLVE})

# The fields of an edit as the history names them, in the order it shows them
FIELD_LABELS = {
    "summary": "Summary",
    "description": "Description",
    "type": "Type",
    "impact": "Impact",
    "urgency": "Urgency",
    "priority": "Priority",
    "category": "Category",
    "contact": "Contact",
    "log_group": "Log group",
}


def may_edit(call: CallFacts, actor: Actor) -> bool:
    """Whether the call page offers Edit: the call is open and the actor holds Log or Resolve."""
    if (call.status, Action.EDIT) not in TRANSITIONS:
        return False
    return actor.is_system or bool(actor.rights & EDIT_RIGHTS)


def require_edit_right(actor: Actor, partition_name: str) -> None:
    """Refuse unless the actor holds the Log or the Resolve right in the partition; the message names both."""
    if not actor.is_system and not actor.rights & EDIT_RIGHTS:
        raise NotAllowed(f"{actor.name} lacks the 'Log' or 'Resolve' right in partition {partition_name}: "
                         "only analysts who log or work calls may edit them")


def check_type_change(new_type: CallType, settings: PartitionSettings, reasons: Iterable[ReasonFacts],
                      partition_name: str) -> None:
    """A call may become `new_type` only if it can still be closed: where the partition requires a closure
    reason, at least one active reason for resolved calls must be linked to that type."""
    if not settings.closure_reason_required:
        return
    if any(r.active and not r.unresolved and new_type in r.call_types for r in reasons):
        return
    raise InvalidInput(f"No active closure reason of partition {partition_name} is linked to type "
                       f"{new_type.label}, so the call could never be closed: link a closure reason to "
                       f"{new_type.label} (System Administration › Closure reasons) or keep the type",
                       field="type")


def _described(before: Any, after: Any) -> list[Any]:
    return [before if before not in (None, "") else "(none)", after if after not in (None, "") else "(none)"]


def edit(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory, *,
         call_type: CallType | None = None, priority: int | None = None,
         log_group_id: int | None | Any = ..., reasons: Iterable[ReasonFacts] = (),
         described: Mapping[str, tuple[Any, Any]] | None = None) -> CallChange:
    """Edit an open call: new values for the facts (None/omitted: unchanged; `log_group_id=None` clears the
    log group) and, in `described`, (before, after) of the other fields in users' words.

    Refuses a closed call, an actor without Log or Resolve, a log group outside the partition, a type no
    active closure reason is linked to (where reasons are required), and an edit that changes nothing.
    """
    require_edit_right(actor, directory.partition_name)
    next_status(call.status, Action.EDIT, call.ref)
    found: dict[str, list[Any]] = {}
    for name, (before, after) in (described or {}).items():
        if name not in FIELD_LABELS:
            raise ValueError(f"unknown field {name!r}")  # a programming error, not a user's
        if (before or None) != (after or None):
            found[name] = _described(before, after)
    new_type = call.call_type if call_type is None else call_type
    if new_type is not call.call_type:
        check_type_change(new_type, settings, reasons, directory.partition_name)
        found["type"] = [call.call_type.label, new_type.label]
    new_priority = call.priority if priority is None else priority
    if new_priority not in (1, 2, 3, 4):
        raise InvalidInput(f"Priority must be 1, 2, 3 or 4 (got {new_priority!r})", field="priority")
    if new_priority != call.priority:
        found["priority"] = [priority_label(call.priority), priority_label(new_priority)]
    new_group = call.log_group_id if log_group_id is ... else log_group_id
    if new_group != call.log_group_id:
        if new_group is not None and new_group not in directory.groups:
            raise InvalidInput(f"{directory.group_name(new_group)} is not an IPK group of partition "
                               f"{directory.partition_name}: choose one of its groups as the log group",
                               field="log_group")
        found["log_group"] = _described(
            directory.group_name(call.log_group_id) if call.log_group_id is not None else None,
            directory.group_name(new_group) if new_group is not None else None)
    if not found:
        raise InvalidInput(f"Nothing to change: {call.ref} already says all that; change a field or cancel",
                           field=None)
    ordered = {name: found[name] for name in FIELD_LABELS if name in found}
    after = call.but(call_type=new_type, priority=new_priority, log_group_id=new_group,
                    status=next_status(call.status, Action.EDIT, call.ref))
    return CallChange(Action.EDIT, call, after, "", {"changes": ordered})


def parse_level(kind: type[Impact] | type[Urgency], value: int | str, field: str) -> int:
    """An impact or urgency given as 1-3 or as its name ("high", "Medium", "low")."""
    text = str(value).strip().lower()
    for member in kind:
        if text in (str(member.value), member.name.lower()) and not isinstance(value, bool):
            return member.value
    raise InvalidInput(f"{field.title()} must be 1 (high), 2 (medium) or 3 (low) (got {value!r})", field=field)


def level_label(kind: type[Impact] | type[Urgency], value: int) -> str:
    """"High", "Medium" or "Low"."""
    return kind(value).name.title()
