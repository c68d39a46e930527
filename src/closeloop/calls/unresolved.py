"""Closing a call as Closed/Unresolved (cancelled, a duplicate, no response), and the duplicate's link.

A duplicate close changes two calls: the duplicate is closed and points at its original, and the original's
history says which call was closed as its duplicate. Both rows are locked in one fixed order (by reference),
so two analysts closing two calls as duplicates of each other at once cannot deadlock.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.closure import NotFound, parse_choice
from closeloop.closure.unresolved import Original, UnresolvedKind, close_unresolved, link_duplicate
from closeloop.partitions.services import load_directory, load_settings

from .models import Call
from .services import _lock, _reason_facts, know_reason, save_change

__all__ = ["close_unresolved_call", "STANDARD_UNRESOLVED_REASONS"]

_EVERY_TYPE = ["incident", "problem", "major_incident", "known_error", "service_request"]
# The reasons for Closed/Unresolved a new desk starts with (code, label, call types): the demo and generated
# desks add them; a real desk adds its own (`closeloop reason add ... --unresolved`).
STANDARD_UNRESOLVED_REASONS = [
    ("CANCELLED", "Cancelled - logged in error", _EVERY_TYPE),
    ("DUPLICATE", "Duplicate of another call", _EVERY_TYPE),
    ("NO-RESPONSE", "No response from user", ["incident", "service_request"]),
]

_LONGEST_CHAIN = 100  # duplicates of duplicates: far more than any desk makes, and a guard against bad rows


def _refs(ref: str, duplicate_of: str | None) -> list[str]:
    refs = {ref.strip().upper()}
    if duplicate_of and duplicate_of.strip():
        refs.add(duplicate_of.strip().upper())
    return sorted(refs)


def _original(call: Call, duplicate_of: str, locked: dict[str, Call]) -> Original:
    """The other call, which must be in the duplicate's partition (any other is "not found")."""
    original = locked.get(duplicate_of.strip().upper())
    if original is None or original.partition_id != call.partition_id:
        raise NotFound(f"No call {duplicate_of.strip()!r} in partition {call.partition.name}", field="duplicate_of")
    chain: list[str] = []
    next_id = original.duplicate_of_id
    while next_id is not None and len(chain) < _LONGEST_CHAIN:
        ref, next_id = Call.objects.filter(id=next_id).values_list("ref", "duplicate_of_id").get()
        chain.append(ref)
    return Original(original.id, original.facts(), tuple(chain))


@transaction.atomic
def close_unresolved_call(ref: str, actor: Analyst | None, kind: str | UnresolvedKind, *, reason: str | None,
                          comments: str | None, duplicate_of: str | None = None,
                          expected_version: int | None = None, at: datetime | None = None) -> Call:
    """Close a call without a resolution: Closed/Unresolved as cancelled, a duplicate of another call (linked
    both ways), or for no response from the user, with a reason for unresolved calls and closure comments."""
    chosen = parse_choice(UnresolvedKind, str(kind), "kind")
    locked: dict[str, Call] = {}
    for each in _refs(ref, duplicate_of):  # a fixed order: no deadlock between two duplicate closes
        try:
            locked[each] = _lock(each, actor, expected_version if each == ref.strip().upper() else None)
        except NotFound:
            if each == ref.strip().upper():
                raise
    call = locked[ref.strip().upper()]
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    original = _original(call, duplicate_of, locked) if duplicate_of and duplicate_of.strip() else None
    now = at or timezone.now()
    change = close_unresolved(call.facts(), actor_in(actor, call.partition_id, directory), settings, directory,
                              chosen, _reason_facts(call, reason)[1], comments, now, original)
    save_change(call, actor, change, now)
    know_reason(call)
    if original is not None:
        other = locked[original.facts.ref]
        save_change(other, actor, link_duplicate(other.facts(), call.ref), now)
    return call
