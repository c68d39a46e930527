"""The Edit call page: one form, one use case; a stale edit shows the call as it is now."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.accounts.models import Analyst
from closeloop.calls import services
from closeloop.calls.editing import edit_call as edit_call_service
from closeloop.calls.editing import edited_fields, may_edit_call
from closeloop.calls.models import Call
from closeloop.closure import ChangedByOther, CloseloopError
from closeloop.partitions.services import UNSET

from ..edit_forms import EditCallForm
from ..errors import refusals_as_http, refuse_in_form
from .contacts import contact_picker

__all__ = ["edit_call"]


def _picker(request: HttpRequest, call: Call, fresh: bool) -> dict[str, Any]:
    """The contact picker: what was typed and picked, or (on a fresh form) the call's contact, picked."""
    if fresh:
        return {"contact_choices": [call.contact] if call.contact else [], "contact_query": "",
                "contact_picked": call.contact_id}
    return contact_picker(request, call.partition)


def _save(call: Call, analyst: Analyst, data: dict[str, Any]) -> Call:
    return edit_call_service(
        call.ref, analyst, expected_version=data["expected_version"], summary=data["summary"],
        description=data["description"], call_type=data["call_type"], impact=data["impact"],
        urgency=data["urgency"], category=data["category"],
        contact=None if data.get("no_contact") else (data["contact"] if data.get("contact") is not None else UNSET),
        log_group=data["log_group"])


@login_required
@refusals_as_http
def edit_call(request: HttpRequest, ref: str) -> HttpResponse:
    analyst: Analyst = request.user
    call = services.get_call(ref, analyst, shown=False)  # the page names no analyst or group of the call
    if not may_edit_call(call, analyst):
        raise PermissionDenied(f"{call.ref} cannot be edited by you: it is closed, or you lack the Log or Resolve "
                               f"right in partition {call.partition.name}")
    finding = "find_contact" in request.POST  # the Find button without JavaScript: show matches, save nothing
    form = EditCallForm(request.POST or None, call=call) if not finding else EditCallForm(
        initial=request.POST.dict(), call=call)
    status, fresh, stale = 200, request.method != "POST", ""
    if request.method == "POST" and not finding and form.is_valid():
        try:
            edited = _save(call, analyst, form.cleaned_data)
        except ChangedByOther as exc:
            # someone saved first: show the call as it is now, so nothing is written over unseen
            call = services.get_call(ref, analyst, shown=False)
            form, fresh, status = EditCallForm(call=call), True, 409
            stale = f"{exc.message}. The form now shows the current values: make your changes again and save."
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
        else:
            names = ", ".join(edited_fields(edited))
            messages.success(request, f"{edited.ref} edited ({names.replace('_', ' ')}).")
            return redirect("call", ref=edited.ref)
    elif request.method == "POST" and not finding:
        status = 400
    return render(request, "web/call_edit.html",
                  {"form": form, "call": call, "stale": stale, **_picker(request, call, fresh)}, status=status)
