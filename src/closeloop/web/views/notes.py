"""The work log on the call page: add a note (with files), and download an attachment.

The note form posts to its own view; a refused note re-shows the call page with the form, the analyst's
text and the message. A download is refused with a 404 unless the viewer can see the call.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.calls import services
from closeloop.calls.attachments import allowed_extensions, file_size_label, get_attachment, max_bytes, open_attachment
from closeloop.calls.models import Call, CallEvent
from closeloop.calls.notes import add_note, work_log_of
from closeloop.closure import TRANSITIONS, Action, CloseloopError, limits
from closeloop.closure.notes import may_add_notes
from closeloop.partitions.services import load_directory

from ..errors import refusals_as_http, refuse_in_form
from ..fields import limited_text

__all__ = ["NoteAddForm", "work_log_context", "add_call_note", "attachment"]


class _ManyFiles(forms.FileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    """Any number of files (the limits are the service's, so every entry point says the same)."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(_FilesField, self).clean(f, initial) for f in files]


class NoteAddForm(forms.Form):
    """A note in the work log: its text, whether the contact may read it, and files."""

    text = limited_text(limits.NOTE, rows=4, label="Note")
    visible_to_contact = forms.BooleanField(required=False, label="Visible to the contact (e-mailed to them)")
    files = _FilesField(required=False, widget=_ManyFiles(), label="Attach files")

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call = call
        if call.contact_id is None:
            self.fields["visible_to_contact"].disabled = True
            self.fields["visible_to_contact"].help_text = "This call has no contact."
        self.fields["files"].help_text = (f"Up to {file_size_label(max_bytes())} each: "
                                          f"{', '.join(allowed_extensions())}.")


def _may_add(call: Call, analyst: Analyst) -> bool:
    if (call.status, Action.ADD_NOTE) not in TRANSITIONS:
        return False
    return may_add_notes(actor_in(analyst, call.partition_id, load_directory(call.partition)))


def work_log_context(call: Call, analyst: Analyst, note_form: NoteAddForm | None = None,
                     history: list[CallEvent] | None = None) -> dict[str, Any]:
    """What the call page's work log shows: the notes with their files (taken from the call's `history` when the
    page has read it), and the form to add one."""
    if note_form is None and _may_add(call, analyst):
        note_form = NoteAddForm(call=call, prefix="note")
    return {"work_log": work_log_of(call, history), "note_form": note_form}


def _added_message(ref: str, has_text: bool, files: int) -> str:
    counted = f"{files} file{'s' if files != 1 else ''}"
    if not has_text:
        return f"{counted.capitalize()} attached to {ref}."
    return f"Note added to {ref}" + (f" with {counted}." if files else ".")


@login_required
@require_POST
@refusals_as_http
def add_call_note(request: HttpRequest, ref: str) -> HttpResponse:
    from .calls import render_call  # the call page, re-shown with this form

    analyst: Analyst = request.user
    call = services.get_call(ref, analyst, shown=False)
    form = NoteAddForm(request.POST, request.FILES, call=call, prefix="note")
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = add_note(call.ref, analyst, data["text"], visible_to_contact=data["visible_to_contact"],
                             files=data["files"])
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
            if status == 404:
                raise Http404(exc.message) from exc
            return render_call(request, services.get_call(ref, analyst), status=status, note_form=form)
        messages.success(request, _added_message(call.ref, bool(added.event.note), len(added.attachments)))
        return redirect(reverse("call", args=[call.ref]) + "#work-log")
    return render_call(request, services.get_call(ref, analyst), status=400, note_form=form)


@login_required
@require_GET
@refusals_as_http
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file, as a download, to an analyst who can see its call (404 for anyone else)."""
    found = get_attachment(attachment_id, request.user)
    return attachment_response(found, open_attachment(found))


def attachment_response(found: Any, content: Any) -> FileResponse:
    """A stored file served as a download, never shown in the page: its stored type, and no sniffing."""
    response = FileResponse(content, as_attachment=True, filename=found.name, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
