"""Calls and their history as plain dicts, shared by the CLI's --json and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from closeloop.closure import CallType, Status

from .models import Call, CallEvent

__all__ = ["call_as_dict", "event_as_dict"]


def _name(obj: Any) -> str | None:
    if obj is None:
        return None
    return getattr(obj, "username", None) or getattr(obj, "name", None) or str(obj)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def call_as_dict(call: Call) -> dict[str, Any]:
    return {
        "ref": call.ref,
        "partition": call.partition.name,
        "type": call.call_type,
        "type_label": CallType(call.call_type).label,
        "summary": call.summary,
        "description": call.description,
        "priority": call.priority,
        "status": call.status,
        "status_label": Status(call.status).label,
        "logged_by": _name(call.logged_by),
        "logged_at": _iso(call.logged_at),
        "log_group": _name(call.log_group),
        "assigned_group": _name(call.assigned_group),
        "assigned_analyst": _name(call.assigned_analyst),
        "resolution": call.resolution,
        "resolved_by": _name(call.resolved_by),
        "resolved_at": _iso(call.resolved_at),
        "closure_target_analyst": _name(call.closure_target_analyst),
        "closure_target_group": _name(call.closure_target_group),
        "forwarded_at": _iso(call.forwarded_at),
        "closure_reason": call.closure_reason.code if call.closure_reason else None,
        "closure_comments": call.closure_comments,
        "closed_by": _name(call.closed_by),
        "closed_at": _iso(call.closed_at),
        "times_rejected": call.times_rejected,
        "version": call.version,
    }


def event_as_dict(event: CallEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "actor": event.actor_name,
        "action": event.action,
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "note": event.note,
        "details": event.details,
    }
