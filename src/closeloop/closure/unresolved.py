"""Closed/Unresolved: closing a call without a resolution, and linking a duplicate to its original.

A call logged in error is *Cancelled*; a second report of something already logged is a *Duplicate of*
the first call (both calls' histories say so); a call whose user never answered is closed for *No response
from user*. Each close needs a closure reason of its own (a reason marked for Closed/Unresolved calls) and
closure comments; it leaves the resolution empty, so reports never count it as a validated resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .changes import CallChange, _apply
from .errors import InvalidInput
from .guards import check_reason, check_unresolved_closer
from .lifecycle import Action
from .limits import CLOSURE_COMMENTS
from .model import Actor, CallFacts, Directory, PartitionSettings, ReasonFacts

__all__ = ["UnresolvedKind", "Original", "close_unresolved", "link_duplicate", "unresolved_headline"]


class UnresolvedKind(StrEnum):
    """Why a call was closed without a resolution."""

    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    NO_RESPONSE = "no_response"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    UnresolvedKind.CANCELLED: "Cancelled (logged in error)",
    UnresolvedKind.DUPLICATE: "Duplicate of another call",
    UnresolvedKind.NO_RESPONSE: "No response from user",
}


@dataclass(frozen=True)
class Original:
    """The call a duplicate is closed against: its id and facts, and the references of the calls it is itself
    (transitively) a duplicate of, so a duplicate can never point round in a circle."""

    call_id: int
    facts: CallFacts
    duplicate_chain: Sequence[str] = ()


def unresolved_headline(kind: UnresolvedKind | None, duplicate_of_ref: str | None = None) -> str:
    """How a Closed/Unresolved call is named wherever it appears: "Closed/Unresolved — Cancelled (...)"."""
    if kind is UnresolvedKind.DUPLICATE and duplicate_of_ref:
        return f"Closed/Unresolved — Duplicate of {duplicate_of_ref}"
    return f"Closed/Unresolved — {kind.label}" if kind is not None else "Closed/Unresolved"


def _check_original(call: CallFacts, kind: UnresolvedKind, original: Original | None) -> None:
    if kind is not UnresolvedKind.DUPLICATE:
        if original is not None:
            raise InvalidInput(f"Only a duplicate names another call: {call.ref} is being closed as "
                               f"{kind.label.lower()}", field="duplicate_of")
        return
    if original is None:
        raise InvalidInput(f"Name the call {call.ref} duplicates (its reference)", field="duplicate_of")
    if original.facts.ref == call.ref:
        raise InvalidInput(f"{call.ref} cannot be a duplicate of itself", field="duplicate_of")
    if call.ref in original.duplicate_chain:
        raise InvalidInput(f"{original.facts.ref} is already closed as a duplicate of {call.ref}: a duplicate "
                           "cannot point back at its own original", field="duplicate_of")


def close_unresolved(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory,
                     kind: UnresolvedKind, reason: ReasonFacts | None, comments: str | None, at: datetime,
                     duplicate_of: Original | None = None) -> CallChange:
    """Close a call without a resolution: Closed/Unresolved, cancelled, a duplicate, or for no response.

    Refused unless the actor may (`guards.check_unresolved_closer`), the reason is an active reason for
    unresolved calls linked to the call's type, and a duplicate names another call that is not itself a
    duplicate of this one.
    """
    check_unresolved_closer(call, actor, settings, directory)
    text = CLOSURE_COMMENTS.clean(comments)
    check_reason(call, settings, reason, unresolved=True)
    _check_original(call, kind, duplicate_of)
    original_ref = duplicate_of.facts.ref if duplicate_of is not None else None
    note = f"{unresolved_headline(kind, original_ref)}: {text}"
    details = {"kind": kind.value, "reason": reason.code if reason else None, "duplicate_of": original_ref}
    return _apply(call, Action.CLOSE_UNRESOLVED, note, details, unresolved_kind=kind, closure_comments=text,
                  closure_reason_id=reason.reason_id if reason else None, closed_by_id=actor.analyst_id,
                  closed_at=at, duplicate_of_id=duplicate_of.call_id if duplicate_of is not None else None)


def link_duplicate(original: CallFacts, duplicate_ref: str) -> CallChange:
    """The original's own history entry: `duplicate_ref` was closed as a duplicate of it (its status stays)."""
    return _apply(original, Action.LINK_DUPLICATE, f"{duplicate_ref} was closed as a duplicate of this call",
                  {"duplicate": duplicate_ref})
