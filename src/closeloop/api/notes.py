"""A call's work log and attachments in the REST API: read the notes, add one (JSON, or a form with files),
list the call's files and download one.

Each endpoint translates: it reads the request, calls one service, and shows the result. Who may write a
note, the file limits and who may download a file are the services' rules.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import ValidationError as SchemaError

from closeloop.api.auth import caller, expected_version
from closeloop.api.schemas import CallRef, Id, Text, WholeNumber, limited, responses
from closeloop.calls import services as calls
from closeloop.calls.attachments import attachments_of, get_attachment, open_attachment
from closeloop.calls.notes import add_note, attachment_as_dict, note_as_dict, work_log_of
from closeloop.closure import InvalidInput, limits

__all__ = ["router", "attachments_router", "NoteIn", "NoteOut", "AttachmentOut"]

router = Router(tags=["notes and attachments"])
attachments_router = Router(tags=["notes and attachments"])


class NoteIn(Schema):
    """A note for the call's work log (as JSON; send a multipart form with the same fields to add files)."""

    text: Text = limited(limits.NOTE, "", examples=["Asked the user for the VPN client log"])
    visible_to_contact: bool = Field(False, description="The contact may read it (and is e-mailed it); needs a "
                                                        "call with a contact. Default: internal")
    version: WholeNumber | None = Field(None, ge=0, le=2**31, description="Only if the call must not have "
                                        "changed since you read it (a note needs no version)")


class AttachmentOut(Schema):
    """A file on a call."""

    id: int
    name: str = Field(..., examples=["vpn.log"])
    content_type: str = Field(..., examples=["text/plain"])
    size: int = Field(..., description="Bytes")
    note_id: int | None = Field(None, description="The work-log entry it came with")
    uploaded_by: str
    uploaded_at: datetime
    download: str = Field(..., examples=["/api/v1/attachments/12"])


class NoteOut(Schema):
    """One work-log entry: a note, or the note an analyst gave with an action (take, hold, forward...)."""

    id: int
    at: datetime
    author: str = Field(..., examples=["rita"])
    action: str = Field(..., examples=["add_note"])
    note: str
    visible_to_contact: bool
    attachments: list[AttachmentOut]


_NOTE_BODY = {
    "requestBody": {"content": {
        "application/json": {"schema": NoteIn.model_json_schema()},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "text": {"type": "string", "maxLength": limits.NOTE.max_length},
            "visible_to_contact": {"type": "boolean"},
            "version": {"type": "integer"},
            "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    }, "required": True},
}


def _flag(raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise InvalidInput(f"visible_to_contact must be true or false (got {raw!r})", field="visible_to_contact")


def _note_input(request: HttpRequest) -> tuple[NoteIn, list[Any]]:
    """The note from a JSON body or a multipart form (whose `files` parts are the attachments)."""
    if request.content_type == "multipart/form-data":
        form = request.POST
        version = (form.get("version") or "").strip()
        if version and not version.isdigit():
            raise InvalidInput(f"version must be the version number you read (got {version!r})", field="version")
        raw: dict[str, Any] = {"text": form.get("text", ""), "version": int(version) if version else None,
                               "visible_to_contact": _flag(form.get("visible_to_contact"))}
        files = request.FILES.getlist("files")
    else:
        try:
            raw = json.loads(request.body or b"{}")
        except ValueError:
            raise InvalidInput("The body is not JSON: send {\"text\": ...} or a multipart form with files",
                               field="body") from None
        if not isinstance(raw, dict):
            raise InvalidInput("The body must be a JSON object: {\"text\": ...}", field="body")
        files = []
    try:
        return NoteIn.model_validate(raw), files
    except SchemaError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(f"{field}: {first.get('msg', 'invalid')}", field=field) from None


@router.get("/{ref}/notes", response=responses(list[NoteOut]), summary="A call's work log")
def list_notes(request: HttpRequest, ref: CallRef) -> list[dict[str, Any]]:
    """The notes and every action that carried a note (take, hold, resume, forward, reject, the contact's
    refusal), oldest first, each with its files."""
    return [note_as_dict(e) for e in work_log_of(calls.get_call(ref, caller(request)))]


@router.post("/{ref}/notes", response=responses(NoteOut, 201), summary="Add a note (with files) to a call",
             openapi_extra=_NOTE_BODY)
def post_note(request: HttpRequest, ref: CallRef) -> Status[dict[str, Any]]:
    """JSON `{"text", "visible_to_contact"}`, or a multipart form with the same fields and any number of
    `files` parts (a note may be files alone). A file over the size limit or of a type not accepted is
    refused with 400 naming `files`, the file and the limit; nothing is written."""
    body, files = _note_input(request)
    added = add_note(ref, caller(request), body.text, visible_to_contact=body.visible_to_contact, files=files,
                     expected_version=expected_version(request, body.version))
    return Status(201, note_as_dict(added.event))


@router.get("/{ref}/attachments", response=responses(list[AttachmentOut]), summary="A call's files")
def list_attachments(request: HttpRequest, ref: CallRef) -> list[dict[str, Any]]:
    return [attachment_as_dict(a) for a in attachments_of(calls.get_call(ref, caller(request)))]


_FILE_RESPONSE = {"responses": {200: {"description": "The file, as a download (its own type)",
                                      "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}}


@attachments_router.get("/{attachment_id}", response=responses(None), summary="Download a file",
                        openapi_extra=_FILE_RESPONSE)
def download(request: HttpRequest, attachment_id: Id) -> HttpResponse:
    """The file itself, with its stored type and `Content-Disposition: attachment`; 404 unless you can see its
    call."""
    from closeloop.web.views.notes import attachment_response

    found = get_attachment(attachment_id, caller(request))
    return attachment_response(found, open_attachment(found))
