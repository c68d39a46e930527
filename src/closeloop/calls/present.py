"""Calls and their history as plain dicts, shared by the CLI's --json and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from closeloop.closure import CallType, Directory, Status
from closeloop.closure.priority import priority_label
from closeloop.closure.unresolved import UnresolvedKind
from closeloop.contacts.present import contact_as_dict
from closeloop.partitions.catalogue import category_path

from .models import Call, CallEvent

__all__ = ["call_as_dict", "sampling_as_dict", "event_as_dict", "duplicate_refs", "describe_edit"]


def _name(obj: Any) -> str | None:
    if obj is None:
        return None
    return getattr(obj, "username", None) or getattr(obj, "name", None) or str(obj)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _names_from(call: Call, directory: Directory | None) -> tuple[Any, Any]:
    """Name lookups for the analysts and groups a call names: from the partition's directory when the
    caller has it (no query), else from the call's related rows."""

    def analyst(field: str) -> str | None:
        analyst_id = getattr(call, f"{field}_id")
        if directory is not None and (analyst_id is None or analyst_id in directory.analysts):
            return directory.analysts[analyst_id].name if analyst_id is not None else None
        return _name(getattr(call, field))

    def group(field: str) -> str | None:
        group_id = getattr(call, f"{field}_id")
        if directory is not None and (group_id is None or group_id in directory.group_names):
            return directory.group_names[group_id] if group_id is not None else None
        return _name(getattr(call, field))

    return analyst, group


def call_as_dict(call: Call, directory: Directory | None = None) -> dict[str, Any]:
    """The call as the API and `--json` show it; with the partition's directory no name costs a query."""
    analyst, group = _names_from(call, directory)
    return {
        "ref": call.ref,
        "partition": call.partition.name,
        "type": call.call_type,
        "type_label": CallType(call.call_type).label,
        "summary": call.summary,
        "description": call.description,
        "contact": contact_as_dict(call.contact, call.partition.name) if call.contact_id else None,
        "priority": call.priority,
        "priority_label": priority_label(call.priority),
        "impact": call.impact,
        "urgency": call.urgency,
        "category": category_path(call.category) if call.category_id else None,
        "status": call.status,
        "status_label": Status(call.status).label,
        "logged_by": analyst("logged_by"),
        "logged_at": _iso(call.logged_at),
        "log_group": group("log_group"),
        "assigned_group": group("assigned_group"),
        "assigned_analyst": analyst("assigned_analyst"),
        "resolution": call.resolution,
        "resolved_by": analyst("resolved_by"),
        "resolved_at": _iso(call.resolved_at),
        "closure_target_analyst": analyst("closure_target_analyst"),
        "closure_target_group": group("closure_target_group"),
        "forwarded_at": _iso(call.forwarded_at),
        "closure_reason": call.closure_reason.code if call.closure_reason else None,
        "closure_comments": call.closure_comments,
        "closed_by": analyst("closed_by"),
        "closed_at": _iso(call.closed_at),
        "times_rejected": call.times_rejected,
        "user_confirmed_at": _iso(call.user_confirmed_at),
        "times_refused": call.times_refused,
        "unresolved_kind": call.unresolved_kind or None,
        "unresolved_kind_label": UnresolvedKind(call.unresolved_kind).label if call.unresolved_kind else None,
        "duplicate_of": call.duplicate_of.ref if call.duplicate_of_id is not None and call.duplicate_of else None,
        "sampling": sampling_as_dict(call),
        "version": call.version,
    }


def sampling_as_dict(call: Call) -> dict[str, Any]:
    """The sampling decision of the call's last resolution: sampled, why, the draw, and one line saying so."""
    decision = call.sampling()
    return {"sampled": decision.sampled, "reasons": list(decision.reasons), "draw": decision.draw,
            "summary": decision.summary}


def duplicate_refs(call: Call) -> list[str]:
    """References of the calls closed as duplicates of this one (the original's side of the link); no query
    for a call read knowing it has none (`CallQuerySet.with_duplicates_known`)."""
    if getattr(call, "has_duplicates", True) is False:
        return []
    return list(call.duplicates.order_by("ref").values_list("ref", flat=True))


def event_as_dict(event: CallEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "actor": event.actor_name,
        "action": event.action,
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "note": event.note,
        "visible_to_contact": event.visible_to_contact,
        "details": event.details,
    }


def describe_edit(details: dict[str, Any] | None) -> list[str]:
    """An edit event's changes as the history says them: "Summary: 'old' → 'new'", one line per field."""
    from closeloop.closure.editing import FIELD_LABELS

    changes = (details or {}).get("changes") or {}
    lines = []
    for name, pair in changes.items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        lines.append(f"{FIELD_LABELS.get(name, name)}: {_quoted(before)} → {_quoted(after)}")
    return lines


def _quoted(value: Any) -> str:
    text = "(none)" if value in (None, "") else str(value)
    if len(text) > 120:
        text = text[:117] + "…"
    return text if text == "(none)" else f"‘{text}’"
