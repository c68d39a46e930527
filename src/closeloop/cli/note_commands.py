"""Handlers for the work log and attachments: `closeloop call note|notes|attachments` and
`closeloop attachment get`."""

from __future__ import annotations

import shutil
from argparse import Namespace
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.files import File

from closeloop.calls import services as calls
from closeloop.calls.attachments import attachments_of, file_size_label, get_attachment, open_attachment
from closeloop.calls.notes import add_note, attachment_as_dict, note_as_dict, work_log_of
from closeloop.closure import InvalidInput

from .commands import CommandTree, Output

__all__ = ["register_call_commands", "register"]

Actor = Any


def _opened(stack: ExitStack, paths: list[str]) -> list[File]:
    files = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise InvalidInput(f"No file at {raw}: name a file to attach", field="attach")
        handle = stack.enter_context(path.open("rb"))
        files.append(File(handle, name=path.name))
    return files


def call_note(args: Namespace, actor: Actor) -> Output:
    with ExitStack() as stack:
        added = add_note(args.ref, actor, args.text, visible_to_contact=args.contact_visible,
                         files=_opened(stack, args.attach))
    data = note_as_dict(added.event)
    who = "visible to the contact" if added.event.visible_to_contact else "internal"
    files = "".join(f"\n  attached {a['name']} ({file_size_label(a['size'])}) id {a['id']}"
                    for a in data["attachments"])
    return Output(f"{added.call.ref}: note added ({who}){files}", data)


def _note_lines(note: dict[str, Any]) -> list[str]:
    badge = "to contact" if note["visible_to_contact"] else "internal"
    action = "" if note["action"] == "add_note" else f" [{note['action'].replace('_', ' ')}]"
    lines = [f"{note['at'][:16]} {note['author']}{action} ({badge}): {note['note']}".rstrip()]
    lines += [f"    file {a['id']}: {a['name']} ({file_size_label(a['size'])})" for a in note["attachments"]]
    return lines


def call_notes(args: Namespace, actor: Actor) -> Output:
    call = calls.get_call(args.ref, actor)
    notes = [note_as_dict(e) for e in work_log_of(call)]
    lines = [f"{call.ref} work log: {len(notes)} entr{'y' if len(notes) == 1 else 'ies'}"]
    for note in notes:
        lines += ["  " + line for line in _note_lines(note)]
    return Output("\n".join(lines), notes)


def call_attachments(args: Namespace, actor: Actor) -> Output:
    call = calls.get_call(args.ref, actor)
    files = [attachment_as_dict(a) for a in attachments_of(call)]
    lines = [f"{call.ref}: {len(files)} file{'s' if len(files) != 1 else ''}"]
    lines += [f"  {f['id']:>6}  {f['name']}  {file_size_label(f['size'])}  {f['content_type']}  "
              f"by {f['uploaded_by']} {f['uploaded_at'][:16]}" for f in files]
    return Output("\n".join(lines), files)


def attachment_get(args: Namespace, actor: Actor) -> Output:
    found = get_attachment(args.id, actor)
    out = Path(args.out)
    if out.is_dir():
        out = out / found.name
    with open_attachment(found) as source, out.open("wb") as target:
        shutil.copyfileobj(source, target)
    data = {**attachment_as_dict(found), "saved_to": str(out)}
    return Output(f"Saved {found.name} ({file_size_label(found.size)}) to {out}", data)


def register_call_commands(tree: CommandTree, family: Any) -> None:
    """`call note`, `call notes` and `call attachments`, in the `call` family."""
    p = tree.leaf(family, "note", call_note, "add a note to a call's work log, with files")
    p.add_argument("ref")
    p.add_argument("text", nargs="?", default="", help="the note (may be left out when attaching files)")
    p.add_argument("--contact-visible", action="store_true",
                   help="the contact may read it, and is e-mailed it (default: internal)")
    p.add_argument("--attach", nargs="+", action="extend", default=[], metavar="FILE",
                   help="files to attach (after the text; repeat --attach or list several)")
    p = tree.leaf(family, "notes", call_notes, "show a call's work log (notes and action notes, with files)")
    p.add_argument("ref")
    p = tree.leaf(family, "attachments", call_attachments, "list a call's files")
    p.add_argument("ref")


def register(tree: CommandTree) -> None:
    """`attachment get`."""
    family = tree.family("attachment", "files attached to calls")
    p = tree.leaf(family, "get", attachment_get, "download a file attached to a call you can see")
    p.add_argument("id", type=int)
    p.add_argument("--out", required=True, metavar="FILE", help="where to save it (a folder keeps its name)")
