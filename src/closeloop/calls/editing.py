"""Editing an open call: one use case, one transaction, one history event with every change before/after.

The call is locked and its version checked as for every action, so an edit made on a stale page is
refused ("changed by someone else"), never written over the newer values. The priority is read off the
partition's impact × urgency matrix when the impact or the urgency changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.closure import Action, CallType, ReasonFacts, limits, parse_choice
from closeloop.closure.contacts import check_call_contact
from closeloop.closure.editing import edit, level_label, may_edit, parse_level, require_edit_right
from closeloop.closure.priority import Impact, Urgency, priority_for
from closeloop.contacts.models import Contact
from closeloop.contacts.services import contact_facts, find_contact
from closeloop.partitions.catalogue import category_path, find_category, load_matrix
from closeloop.partitions.kept import closure_reasons
from closeloop.partitions.models import Category, IpkGroup, Partition
from closeloop.partitions.services import UNSET, Unset, load_directory, load_settings

from .models import Call
from .services import _group_id, _lock, save_change

__all__ = ["edit_call", "edited_fields", "may_edit_call", "call_contact", "call_category"]


def may_edit_call(call: Call, viewer: Analyst | None) -> bool:
    """Whether the call page offers Edit to this viewer."""
    return may_edit(call.facts(), actor_in(viewer, call.partition_id, load_directory(call.partition)))


def call_contact(partition: Partition, contact: Contact | int | str) -> Contact:
    """A contact of the partition named as a row, an id or an e-mail address (read as it is now)."""
    return find_contact(partition, contact.pk if isinstance(contact, Contact) else contact)


def call_category(partition: Partition, category: Category | int | str | None,
                  current_id: int | None = None) -> Category | None:
    """The category named (id, path or row), of this partition; a new choice must be active."""
    if category is None or (isinstance(category, str) and not category.strip()):
        return None
    found = find_category(partition, category, active=False)
    return find_category(partition, found) if found.id != current_id else found


def _reasons(partition: Partition) -> list[ReasonFacts]:
    """The partition's closure reasons (as this node keeps them, like a close does), for the core to check a new
    type against."""
    return [ReasonFacts(r.code, r.active, frozenset(CallType(t) for t in r.call_types), r.id, r.unresolved)
            for r in closure_reasons(partition.id).values()]


@transaction.atomic
def edit_call(ref: str, actor: Analyst | None, *, expected_version: int | None,
              summary: str | Unset = UNSET, description: str | Unset = UNSET,
              call_type: str | CallType | Unset = UNSET, impact: int | str | Unset = UNSET,
              urgency: int | str | Unset = UNSET, category: Category | int | str | None | Unset = UNSET,
              contact: Contact | int | str | None | Unset = UNSET, log_group: IpkGroup | str | None | Unset = UNSET,
              at: datetime | None = None) -> Call:
    """Change what an open call says; fields left UNSET stay as they are, None clears category, contact or
    log group. Refused as a whole (nothing written) if any value is refused or nothing would change."""
    call = _lock(ref, actor, expected_version)
    partition = call.partition
    settings, directory = load_settings(partition), load_directory(partition)
    who = actor_in(actor, partition.id, directory)
    require_edit_right(who, partition.name)  # before the values: a reader is told they may not edit
    described: dict[str, tuple[Any, Any]] = {}
    columns: dict[str, Any] = {}
    if summary is not UNSET:
        columns["summary"] = limits.SUMMARY.clean(summary)
        described["summary"] = (call.summary, columns["summary"])
    if description is not UNSET:
        columns["description"] = limits.DESCRIPTION.clean(description)
        described["description"] = (call.description, columns["description"])
    kind = parse_choice(CallType, str(call_type), "type") if call_type is not UNSET else None
    levels = {"impact": (Impact, impact, call.impact), "urgency": (Urgency, urgency, call.urgency)}
    for name, (scale, given, now) in levels.items():
        if given is not UNSET:
            columns[name] = parse_level(scale, given, name)
            described[name] = (level_label(scale, now), level_label(scale, columns[name]))
    priority = None
    if any(columns.get(name, now) != now for name, (_, _, now) in levels.items()):
        priority = priority_for(columns.get("impact", call.impact), columns.get("urgency", call.urgency),
                                load_matrix(partition))
    if category is not UNSET:
        columns["category"] = call_category(partition, category, call.category_id)
        described["category"] = (category_path(call.category), category_path(columns["category"]))
    if contact is not UNSET:
        columns["contact"] = call_contact(partition, contact) if contact not in (None, "") else None
        new = columns["contact"]
        if (new and new.id) != call.contact_id:
            check_call_contact(settings, kind or CallType(call.call_type), partition.id, partition.name,
                               contact_facts(new) if new is not None else None)
        described["contact"] = (call.contact.name if call.contact else None, new.name if new else None)
    group_id: Any = ...
    if log_group is not UNSET:
        group_id = _group_id(partition, directory, log_group, "log_group")
    change = edit(call.facts(), who, settings, directory, call_type=kind, priority=priority,
                  log_group_id=group_id, reasons=_reasons(partition) if kind else (), described=described)
    for column, value in columns.items():
        setattr(call, column, value)
    call.call_type = change.after.call_type.value  # not among the facts every action writes back
    return save_change(call, actor, change, at)


def edited_fields(call: Call) -> dict[str, Any]:
    """What the edit just saved on `call` (the instance `edit_call` returned) changed: {field: [before, after]},
    as its history event recorded it."""
    event = next((e for e in reversed(call.recorded_events) if e.action == Action.EDIT.value), None)
    return dict(event.details.get("changes") or {}) if event is not None else {}
