"""Use cases for a partition's sampling policy: read it, and change it with a change reason (audited like the
closure settings, effective at once for calls resolved from then on).

The rules of the policy live in the closure core (`closure.sampling`); this module turns what a caller
typed (a form, a JSON body, command-line options) into a `SamplingPolicy`, has the core check it, and keeps
it on the partition's `SamplingSettings` row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from closeloop.accounts.models import Analyst
from closeloop.closure import CallType, InvalidInput, parse_choice
from closeloop.closure.sampling import SamplingPolicy, check_policy, describe_policy

from .audit import audited_change
from .models import Partition, SamplingSettings, SettingsChange
from .snapshot import remembered

__all__ = ["POLICY_FIELDS", "PolicySaved", "load_sampling_policy", "sampling_settings", "set_sampling_policy",
           "describe_sampling"]

POLICY_FIELDS = ("enabled", "min_priority", "call_types", "rejected_or_refused_before",
                 "resolver_rejection_rate_above", "resolver_first_n", "random_percent")


@dataclass(frozen=True)
class PolicySaved:
    """The policy after a change (or, for a dry run, as it would be), its version and whether it differs."""

    partition: Partition
    policy: SamplingPolicy
    version: int
    changed: bool
    dry_run: bool


def sampling_settings(partition: Partition, lock: bool = False) -> SamplingSettings:
    """The partition's row (version 0 and disabled until first saved)."""
    rows = SamplingSettings.objects.select_for_update() if lock else SamplingSettings.objects
    row = rows.filter(partition=partition).first()
    return row if row is not None else SamplingSettings(partition=partition)


def load_sampling_policy(partition: Partition | int) -> SamplingPolicy:
    """The partition's sampling policy right now (disabled when it has none). Within a request it is read
    once, with the closure settings when those were read first (`services.load_settings`)."""
    partition_id = partition if isinstance(partition, int) else partition.id
    return remembered(("sampling", partition_id), lambda: _read_policy(partition_id), shared=True)


def _read_policy(partition_id: int) -> SamplingPolicy:
    row = SamplingSettings.objects.filter(partition_id=partition_id).first()
    return row.as_value() if row is not None else SamplingPolicy()


def describe_sampling(partition: Partition, policy: SamplingPolicy, version: int) -> dict[str, Any]:
    """The policy as the API and the command line show it."""
    return {"partition": partition.name, "version": version, **describe_policy(policy)}


def _whole(value: Any, field: str, *, empty_is_none: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if empty_is_none:
            return None
        raise InvalidInput(f"Give a whole number for {field.replace('_', ' ')}", field=field)
    if isinstance(value, bool):
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is a whole number (got {value!r})", field=field)
    if isinstance(value, int):
        return value
    text = str(value).strip().upper().removeprefix("P")
    if text.isascii() and text.isdigit():
        return int(text)
    raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is a whole number (got {value!r})", field=field)


def _number(value: Any, field: str, *, empty_is_none: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if empty_is_none:
            return None
        raise InvalidInput(f"Give a number for {field.replace('_', ' ')}", field=field)
    if isinstance(value, bool):
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is a number (got {value!r})", field=field)
    try:
        return float(str(value).strip().removesuffix("%").strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is a number from 0 to 100 (got {value!r})",
                           field=field) from None


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is true or false (got {value!r})", field=field)


def _types(value: Any) -> frozenset[CallType]:
    if isinstance(value, str):
        value = [t for t in value.split(",") if t.strip()]
    if not isinstance(value, list | tuple | set | frozenset):
        raise InvalidInput(f"Call types are a list of call types (got {value!r})", field="call_types")
    return frozenset(parse_choice(CallType, str(t).strip(), "call_types") for t in value)


def policy_with(policy: SamplingPolicy, values: dict[str, Any]) -> SamplingPolicy:
    """The policy with the values given changed (those left out kept), each parsed and named if refused."""
    if unknown := sorted(set(values) - set(POLICY_FIELDS)):
        raise InvalidInput(f"No sampling policy field {unknown[0]!r}", field=unknown[0])
    changed: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("enabled", "rejected_or_refused_before"):
            changed[name] = _flag(value, name)
        elif name == "min_priority":
            changed[name] = _whole(value, name, empty_is_none=True)
        elif name == "resolver_first_n":
            changed[name] = _whole(value, name)
        elif name == "resolver_rejection_rate_above":
            changed[name] = _number(value, name, empty_is_none=True)
        elif name == "random_percent":
            changed[name] = _number(value, name)
        else:
            changed[name] = _types(value)
    new = replace(policy, **changed)
    check_policy(new)
    return new


@transaction.atomic
def set_sampling_policy(partition: Partition, change_reason: str | None, actor: Analyst | None = None, *,
                        dry_run: bool = False, **values: Any) -> PolicySaved:
    """Change the partition's sampling policy (the fields given), with a change reason, audited (IPK Setup).
    It applies to calls resolved from now on; calls already resolved keep the decision they were given.

    With `dry_run` the policy is checked exactly as for a save, which is then rolled back.
    """
    row = sampling_settings(partition, lock=True)
    version = row.version
    before = row.as_value()
    new = before
    with audited_change(partition, SettingsChange.Subject.SAMPLING_POLICY, actor, change_reason,
                        lambda: describe_policy(row.as_value()), dry_run=dry_run) as change:
        new = policy_with(before, values)
        if new != before:
            for name, value in describe_policy(new).items():
                setattr(row, name, value)
            row.version = change.version = version + 1
            row.save()
    return PolicySaved(partition, new, version + 1 if new != before else version, new != before, dry_run)
