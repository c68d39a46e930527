"""A call's history in users' words: event details as labels and values an analyst reads, never Python values.

The details of a history event are stored as the core wrote them ({"type": "incident", "calls": [...]}); the
call page, the CLI and reports show them through these functions: "Type: Incident", "Calls: INC-000001,
INC-000002", "Category: Not fixed". The web page turns the call references into links (`detail_refs`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from closeloop.closure import CallType, Status
from closeloop.closure.lifecycle import Action
from closeloop.closure.priority import priority_label
from closeloop.closure.sampling import SamplingDecision
from closeloop.closure.unresolved import UnresolvedKind

__all__ = ["action_words", "code_words", "detail_label", "detail_text", "detail_refs", "details_text"]

_REF = re.compile(r"^[A-Z]{2,3}-\d{6,}$")
_LABELS = {"to_group": "To group", "to_analyst": "To analyst", "back_to": "Back to", "calls": "Calls",
           "problem": "Problem", "type": "Type", "kind": "Why", "duplicate_of": "Duplicate of"}
_ENUMS: dict[str, Any] = {"type": CallType, "call_type": CallType, "status": Status, "kind": UnresolvedKind}
# details holding a stored code rather than a name (a rejection category, a closure reason, a closure rule)
_CODES = frozenset({"category", "reason", "rule", "kind", "type", "call_type"})
_FIELD_LABELS = {"call_type": "Type", "log_group": "Log group", "impact": "Impact", "urgency": "Urgency"}


def code_words(value: str) -> str:
    """A stored code as words: "not_fixed" -> "Not fixed", "FIXED" -> "Fixed", "major_incident" -> "Major
    incident"; text that is already words ("Service Desk", "carol") stays as it is."""
    if not re.fullmatch(r"[A-Za-z0-9]+(_[A-Za-z0-9]+)*", value) or not (value.islower() or value.isupper()):
        return value
    words = value.replace("_", " ").lower()
    return words[:1].upper() + words[1:]


def action_words(action: str) -> str:
    """"resolve_to_group" -> "Resolve to group" (the history's action names)."""
    try:
        Action(action)
    except ValueError:
        return action
    return code_words(action.lower())


def detail_label(key: str) -> str:
    return _LABELS.get(key) or _FIELD_LABELS.get(key) or code_words(key.lower())


def _value_words(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "priority" and (isinstance(value, int) or str(value).isdigit()):
        return priority_label(int(value))
    if isinstance(value, str):
        enum = _ENUMS.get(key)
        if enum is not None and value in enum._value2member_map_:
            return str(enum(value).label)  # type: ignore[attr-defined]
        return code_words(value) if key in _CODES else value
    if isinstance(value, list | tuple):
        return ", ".join(_value_words(key, v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{detail_label(k)}: {_value_words(k, v)}" for k, v in value.items())
    return str(value)


def detail_text(key: str, value: Any) -> str:
    """One detail's value as plain words; an edit's {"field": [before, after]} reads "Summary: a → b"; a
    resolution's sampling decision reads "Sampled for validation: P1 is at or above P2"."""
    if key == "sampling" and isinstance(value, Mapping) and "sampled" in value:
        decision = SamplingDecision(bool(value["sampled"]), tuple(value.get("reasons") or ()), value.get("draw"))
        return decision.summary
    if key == "changes" and isinstance(value, Mapping):
        parts = []
        for field_name, change in value.items():
            if isinstance(change, list | tuple) and len(change) == 2:
                before, after = (_value_words(field_name, v) for v in change)
                parts.append(f"{detail_label(field_name)}: {before} → {after}")
            else:
                parts.append(f"{detail_label(field_name)}: {_value_words(field_name, change)}")
        return "; ".join(parts)
    return _value_words(key, value)


def detail_refs(value: Any) -> list[str] | None:
    """The call references a detail names (to link them), or None when it names none."""
    items = value if isinstance(value, list | tuple) else [value]
    if items and all(isinstance(v, str) and _REF.match(v) for v in items):
        return list(items)
    return None


def details_text(details: Mapping[str, Any]) -> str:
    """All of an event's details on one line: "Type: Incident · Priority: P3 Medium"."""
    return " · ".join(detail_text(k, v) if k in ("changes", "sampling") else f"{detail_label(k)}: {detail_text(k, v)}"
                      for k, v in details.items())
