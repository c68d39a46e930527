"""Use cases of a call's work log: add a note (internal or for the contact, with files), and read the log.

A note is a call event (`add_note`) and changes nothing else on the call: not its status, not its version.
So two analysts writing notes at once both succeed, and a note never makes another analyst's open edit or
action stale. A caller that wants the note refused when the call changed since it was read passes
`expected_version`. The files are checked before anything is written; if the note is refused or its
transaction fails, the files already stored are removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.closure import Action
from closeloop.closure import notes as work_log
from closeloop.partitions.services import load_directory

from .attachments import Upload, attach_files, check_files, discard_files
from .history import record_event
from .models import Attachment, Call, CallEvent
from .services import _lock

__all__ = ["WORK_LOG_ACTIONS", "NoteAdded", "add_note", "work_log_of", "note_as_dict", "attachment_as_dict"]

# The actions whose note an analyst (or the contact) wrote, shown in the work log beside the notes: the
# reason for taking, holding, resuming, forwarding or rejecting, and the contact's words when refusing.
WORK_LOG_ACTIONS = (Action.TAKE, Action.HOLD, Action.RESUME, Action.FORWARD_TO_ANALYST, Action.FORWARD_TO_GROUP,
                    Action.REJECT, Action.USER_REFUSE)


@dataclass(frozen=True)
class NoteAdded:
    """A note just written: the call, its event and the files that came with it."""

    call: Call
    event: CallEvent
    attachments: list[Attachment] = field(default_factory=list)


def add_note(ref: str, actor: Analyst | None, text: str | None, *, visible_to_contact: bool = False,
             files: Iterable[Any] = (), expected_version: int | None = None, at: datetime | None = None) -> NoteAdded:
    """Write a note in the call's work log, with any files; internal unless `visible_to_contact`."""
    uploads = check_files(files)  # before anything is written
    stored: list[str] = []
    try:
        return _add_note(ref, actor, text, visible_to_contact, uploads, expected_version, stored, at)
    except BaseException:
        discard_files(stored)
        raise


@transaction.atomic
def _add_note(ref: str, actor: Analyst | None, text: str | None, visible_to_contact: bool, uploads: list[Upload],
              expected_version: int | None, stored: list[str], at: datetime | None) -> NoteAdded:
    call = _lock(ref, actor, expected_version)
    directory = load_directory(call.partition)
    change = work_log.add_note(call.facts(), actor_in(actor, call.partition_id, directory), directory, text,
                               visible_to_contact=visible_to_contact, has_contact=call.contact_id is not None,
                               files=len(uploads))
    event = record_event(call, actor, change.action, change.from_status, change.note, at=at,
                         visible_to_contact=visible_to_contact,
                         files=", ".join(u.name for u in uploads) or None)  # read as words in the history
    return NoteAdded(call, event, attach_files(call, event, uploads, actor, stored, at=event.at))


def _in_work_log(event: CallEvent) -> bool:
    """A note, or an action that carried one (the same rule as the query of `work_log_of`)."""
    return event.action == Action.ADD_NOTE.value or (event.action in _NOTED_ACTIONS and event.note != "")


_NOTED_ACTIONS = frozenset(a.value for a in WORK_LOG_ACTIONS)
_FILES = Prefetch("attachments", Attachment.objects.select_related("uploaded_by"))


def work_log_of(call: Call, history: list[CallEvent] | None = None) -> list[CallEvent]:
    """The call's notes and every action that carried a note, oldest first, each with its files (two queries
    whatever the length of the log). `history`: the call's whole history as already read, oldest first with
    its actors (the call page shows both): the log is taken from it, and only the files are read."""
    if history is not None:
        entries = [event for event in history if _in_work_log(event)]
        prefetch_related_objects(entries, _FILES)
        return entries
    noted = Q(action__in=_NOTED_ACTIONS) & ~Q(note="")
    return list(call.events.filter(Q(action=Action.ADD_NOTE.value) | noted).select_related("actor")
                .prefetch_related(_FILES))


def attachment_as_dict(attachment: Attachment) -> dict[str, Any]:
    """One file as the API and the command line show it."""
    return {
        "id": attachment.id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "note_id": attachment.event_id,
        "uploaded_by": attachment.uploaded_by.username if attachment.uploaded_by else "system",
        "uploaded_at": attachment.uploaded_at.isoformat(),
        "download": f"/api/v1/attachments/{attachment.id}",
    }


def note_as_dict(event: CallEvent) -> dict[str, Any]:
    """One work-log entry (a note, or an action's note) with its files, as the API and command line show it."""
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "author": event.actor_name,
        "action": event.action,
        "note": event.note,
        "visible_to_contact": event.visible_to_contact,
        "attachments": [attachment_as_dict(a) for a in event.attachments.all()],
    }
