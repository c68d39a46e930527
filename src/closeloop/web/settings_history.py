"""The settings history as administrators read it: one row per changed setting, in their words.

A SettingsChange keeps the configuration before and after as JSON whose shape depends on what
changed: the closure settings are flat, closure reasons and rejection categories are keyed by
code, the checklist is a list of items. The rows are computed here, in Python, so a template only
loops over plain (what, before, after) strings and no stored key can shadow a template lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from closeloop.closure import CallType, Status
from closeloop.partitions.models import SettingsChange

__all__ = ["ChangeRow", "HistoryEntry", "describe_change", "history_entries"]

NOTHING = "—"

_FIELD_LABELS = {
    "closure_method": "Closure method",
    "closure_rule": "Closure rule",
    "closure_group": "Closure Group",
    "require_independent_closer": "Independent closer required",
    "allow_designated_closer": "Resolver may name the closer",
    "closure_reason_required": "Closure reason required",
    "contact_required": "Contact required on new calls",
    "acceptance_closes": "Contact's acceptance closes the call",
    "acceptance_reason": "Acceptance closure reason",
    "resolver_may_close_unresolved": "Resolver may close as Closed/Unresolved",
    "unresolved": "For Closed/Unresolved",
    "mailbox": "Group mailbox",
    "label": "Label",
    "active": "Active",
    "types": "Call types",
    "text": "Wording",
    "required": "Required to close",
    "position": "Place in the list",
    "answered_by_contact": "Answered by the contact's confirmation",
    "statuses": "Watched statuses",
    "priorities": "Priorities",
    "idle_days": "Idle time (days)",
    "days": "Days counted",
    "reminders": "Reminders",
    "expiry": "At expiry",
    "reason": "Closure reason",
    "comments": "Closure comments",
    "escalation_group": "Escalation group",
    "raise_priority": "Raise priority by",
    "priority_to": "Escalated priority",
    "enabled": "Sampling policy on",
    "min_priority": "Validate priority at or above",
    "call_types": "Call types always validated",
    "rejected_or_refused_before": "Validate calls rejected or refused before",
    "resolver_rejection_rate_above": "Validate resolvers rejected above (% over 30 days)",
    "resolver_first_n": "Validate each resolver's first calls",
    "random_percent": "Validate at random (% of the rest)",
}

# The order fields are shown in: PostgreSQL's jsonb keeps no key order, so the stored order is not used.
_FIELD_ORDER = ["closure_method", "closure_rule", "closure_group", "require_independent_closer",
                "allow_designated_closer", "closure_reason_required", "contact_required", "acceptance_closes",
                "acceptance_reason", "resolver_may_close_unresolved", "label", "text", "required", "active",
                "unresolved", "types", "mailbox", "position", "answered_by_contact", "statuses", "priorities",
                "idle_days", "days", "reminders", "expiry", "reason", "comments", "escalation_group",
                "raise_priority", "priority_to", "enabled", "min_priority", "call_types",
                "rejected_or_refused_before", "resolver_rejection_rate_above", "resolver_first_n", "random_percent"]


def _ordered(*groups_of_keys: Any) -> list[str]:
    """Known fields in their set order, then entries (reason codes alphabetically, checklist items #id by
    number): the same on every database."""
    keys = dict.fromkeys(str(k) for group in groups_of_keys for k in group)

    def rank(key: str) -> tuple[int, int, str]:
        if key in _FIELD_ORDER:
            return (0, _FIELD_ORDER.index(key), "")
        number = key[1:] if key.startswith("#") else ""
        return (1, int(number) if number.isdigit() else 0, key)

    return sorted(keys, key=rank)


_CHOICE_LABELS = {
    "immediate": "Immediate", "comments": "Comments", "rules": "Rules",
    "logged_by": "Logged By", "log_group": "Log Group", "closure_group": "Closure Group",
}

_ENTRY_NAMES = {
    SettingsChange.Subject.CLOSURE_REASONS: "Closure reason",
    SettingsChange.Subject.REJECTION_CATEGORIES: "Rejection category",
    SettingsChange.Subject.CHECKLIST: "Checklist item",
    SettingsChange.Subject.AUTO_CLOSE_RULES: "Call Auto Close rule",
    SettingsChange.Subject.CATEGORIES: "Category",
}


@dataclass(frozen=True)
class ChangeRow:
    """One changed setting: what it is, in users' words, and its value before and after."""

    what: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """A recorded change with its readable rows."""

    change: SettingsChange
    rows: list[ChangeRow]


def history_entries(changes: Any) -> list[HistoryEntry]:
    return [HistoryEntry(change, describe_change(change)) for change in changes]


def describe_change(change: SettingsChange) -> list[ChangeRow]:
    """The rows of one change; settings that did not change are left out."""
    before, after = _entries(change.subject, change.before), _entries(change.subject, change.after)
    entry_name = _ENTRY_NAMES.get(change.subject)
    rows: list[ChangeRow] = []
    for key in _ordered(before, after):
        old, new = before.get(key, None), after.get(key, None)
        if old == new:
            continue
        if entry_name is None:  # a flat setting (the closure settings)
            rows.append(ChangeRow(_label(key), _value(key, old), _value(key, new)))
            continue
        name = f"{entry_name} {_entry_title(key, old, new)}"
        if isinstance(old, dict) and isinstance(new, dict):
            rows.extend(ChangeRow(f"{name}: {_label(field).lower()}", _value(field, old.get(field)),
                                  _value(field, new.get(field)))
                        for field in _ordered(old, new) if old.get(field) != new.get(field))
        else:
            rows.append(ChangeRow(name, _summary(old), _summary(new)))
    return rows


def _entries(subject: str, data: Any) -> dict[str, Any]:
    """The recorded value as {entry: value}; the checklist's list of items is keyed by item."""
    if not isinstance(data, dict):
        return {"value": data} if data not in (None, "") else {}
    items = data.get("items")
    if subject == SettingsChange.Subject.CHECKLIST and isinstance(items, list) and len(data) == 1:
        return {f"#{item.get('id', n)}": {k: v for k, v in item.items() if k != "id"}
                for n, item in enumerate(items) if isinstance(item, dict)}
    return {str(key): value for key, value in data.items()}


def _entry_title(key: str, old: Any, new: Any) -> str:
    for value in (new, old):
        if isinstance(value, dict) and value.get("text"):
            return f"“{value['text']}”"
    return f"“{key}”" if not key.startswith("#") else key


def _label(field: str) -> str:
    """A setting's name in users' words; a recorded phrase ("Network: members", "rita: IPK role") as written,
    so group and user names keep their case."""
    if field in _FIELD_LABELS or " " not in field:
        return _FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()
    return field


def _summary(value: Any) -> str:
    """A whole entry in one line, e.g. 'Fixed · active: yes · call types: Incident, Problem'
    (a checklist item's wording is already its title)."""
    if value is None:
        return NOTHING
    if not isinstance(value, dict):
        return _plain(value)
    parts = [_plain(value["label"])] if "label" in value else []
    parts += [f"{_label(k).lower()}: {_value(k, value[k])}" for k in _ordered(value) if k not in ("label", "text")]
    return " · ".join(parts) or NOTHING


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "closure_method": lambda v: _CHOICE_LABELS.get(v, _plain(v)),
    "closure_rule": lambda v: _CHOICE_LABELS.get(v, _plain(v)),
    "types": lambda v: (", ".join(_call_type(t) for t in v) or "any") if isinstance(v, list) else _plain(v),
    "position": lambda v: str(v + 1) if isinstance(v, int) and not isinstance(v, bool) else _plain(v),
    "statuses": lambda v: ", ".join(_status(s) for s in v) if isinstance(v, list) else _plain(v),
    "priorities": lambda v: ", ".join(map(str, v)) if isinstance(v, list) and v else "any",
    "expiry": lambda v: {"close": "Close", "escalate": "Escalate"}.get(v, _plain(v)),
}


def _value(field: str, value: Any) -> str:
    if value is None:
        return NOTHING
    return _FORMATTERS.get(field, _plain)(value)


def _status(value: Any) -> str:
    try:
        return Status(value).label
    except ValueError:
        return _plain(value)


def _call_type(value: Any) -> str:
    try:
        return CallType(value).label
    except ValueError:
        return _plain(value)


def _plain(value: Any) -> str:
    """Any recorded value without Python's punctuation: lists joined, nested values spelled out."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k)).lower()}: {_plain(v)}" for k, v in value.items()) or NOTHING
    return str(value)
