"""The work log of a call: a note added by an analyst, internal or visible to the contact.

A note is a call event (`Action.ADD_NOTE`) that leaves the status as it is. Any analyst who works calls in
the partition may write one: holding at least one call right (Log, Resolve, Closure Comments or Reassign);
a Read only analyst may not. Closed calls take no more notes (the lifecycle refuses them). A note the
contact may read needs a call with a contact to read it. Files may come with a note; a note of files alone
has no text.
"""

from __future__ import annotations

from .changes import CallChange
from .errors import InvalidInput, NotAllowed
from .lifecycle import Action, next_status
from .limits import NOTE
from .model import Actor, CallFacts, Directory, Right

__all__ = ["NOTE_RIGHTS", "add_note", "may_add_notes"]

# Holding any one of these rights in the partition lets an analyst write in a call's work log.
NOTE_RIGHTS = (Right.LOG, Right.RESOLVE, Right.CLOSE, Right.REASSIGN)


def may_add_notes(actor: Actor) -> bool:
    """Whether the actor works calls in the partition (holds a call right), so may write notes."""
    return actor.is_system or any(right in actor.rights for right in NOTE_RIGHTS)


def add_note(call: CallFacts, actor: Actor, directory: Directory, text: str | None, *,
             visible_to_contact: bool = False, has_contact: bool = False, files: int = 0) -> CallChange:
    """A note in the call's work log; `files` is how many files come with it (a note may be files alone)."""
    if not may_add_notes(actor):
        rights = ", ".join(f"'{r.label}'" for r in NOTE_RIGHTS)
        raise NotAllowed(f"{actor.name} is Read only in partition {directory.partition_name}: writing a note "
                         f"needs one of the rights {rights} (e.g. the '{Right.LOG.label}' right, {Right.LOG.value})")
    status = next_status(call.status, Action.ADD_NOTE, call.ref)
    note = NOTE.clean(text)
    if not note and not files:
        raise InvalidInput("The note is required and cannot be blank (or attach a file)", field=NOTE.field)
    if visible_to_contact and not has_contact:
        raise InvalidInput(f"{call.ref} has no contact to read the note: make it internal, or set the call's "
                           "contact first", field="visible_to_contact")
    return CallChange(Action.ADD_NOTE, call, call.but(status=status), note)
