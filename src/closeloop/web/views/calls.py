"""The call pages: log a call, see a call with its history, and act on it.

Each action view parses one form, calls one use case and redirects back to the call; a refused
action re-shows the call page with the form and the service's message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from closeloop.accounts.models import Analyst
from closeloop.calls import services
from closeloop.calls.closure_sla import call_closure_sla
from closeloop.calls.models import Call
from closeloop.calls.unresolved import close_unresolved_call
from closeloop.closure import Action, CloseloopError, NotFound
from closeloop.partitions.services import load_settings

from ..call_forms import (
    AssignForm,
    CallActionForm,
    CloseForm,
    CloseUnresolvedForm,
    ForwardForm,
    LogCallForm,
    NoteForm,
    RejectForm,
    ResolveForm,
    call_worker,
)
from ..desk_context import current_partition
from ..errors import refusals_as_http, refuse_in_form
from .contacts import contact_picker
from .notes import work_log_context

__all__ = ["log_call", "call_detail", "call_action", "ACTIONS", "render_call"]


@login_required
@refusals_as_http
def log_call(request: HttpRequest) -> HttpResponse:
    partition = current_partition(request)
    services.check_may_log(partition, request.user)  # a Read only analyst gets the 403 page saying why
    finding = "find_contact" in request.POST  # the Find button (without JavaScript): show matches, log nothing
    status = 200
    if request.method == "POST" and not finding:
        posted = LogCallForm(request.POST or None, partition=partition, analyst=request.user, posted=True)
        refused: CloseloopError | None = None
        if posted.is_valid():
            data = posted.cleaned_data
            try:
                call = services.log_call(partition, data["call_type"], data["summary"],
                                         description=data["description"], impact=data["impact"],
                                         urgency=data["urgency"], category=data["category"],
                                         log_group=data["log_group"], assigned_group=data["assigned_group"],
                                         assigned_analyst=data["assigned_analyst"], actor=request.user,
                                         contact=data["contact"])
            except CloseloopError as exc:
                refused = exc
            else:
                messages.success(request, f"{call.ref} logged.")
                return redirect("call", ref=call.ref)
        # refused: the form with its choices, showing its own problems, or else the use case's refusal
        form = LogCallForm(request.POST or None, partition=partition, analyst=request.user)
        status = 400 if not form.is_valid() or refused is None else refuse_in_form(form, refused)
    elif finding:  # keep what was typed, without calling the half-filled form wrong
        form = LogCallForm(initial=request.POST.dict(), partition=partition, analyst=request.user)
    else:
        form = LogCallForm(partition=partition, analyst=request.user)
    return render(request, "web/call_log.html", {
        "form": form, "partition": partition, **contact_picker(request, partition),
        "contact_required": load_settings(partition).contact_required}, status=status)


def _resolve_form(call: Call | None, analyst: Analyst, data: Any = None) -> ResolveForm:
    if call is None:
        return ResolveForm(data, prefix="resolve", call=None, analyst=analyst, method=None, designated=False)
    settings = load_settings(call.partition)
    return ResolveForm(data, prefix="resolve", call=call, analyst=analyst, method=settings.closure_method.value,
                       designated=settings.allow_designated_closer)


# Each runs its use case on the input of its form as posted (`CallActionForm.posted`): codes and ids, which the
# use case checks on the call it locks.

def _resolve(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    closer_id, group_id = data.get("closer") or (None, None)
    return services.resolve_call(ref, analyst, data["resolution"], expected_version=data["expected_version"],
                                 closer=closer_id, closer_group=group_id, reason=data.get("reason") or None)


def _assign(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    # the pickers offer only the analysts who can work the call (of the group chosen): so does the use case here
    chosen = call_worker(ref, data["analyst"], data["group"]) if data["analyst"] is not None else None
    return services.assign_call(ref, analyst, group=data["group"], analyst=chosen,
                                expected_version=data["expected_version"])


def _forward(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    analyst_id, group_id = data["target"]
    return services.forward_call(ref, analyst, data["reason"], expected_version=data["expected_version"],
                                 to_analyst=analyst_id, to_group=group_id)


def _close(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    return services.close_call(ref, analyst, data["comments"], expected_version=data["expected_version"],
                               reason=data.get("reason") or None, ticked=data.get("ticked") or ())


def _close_unresolved(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    return close_unresolved_call(ref, analyst, data["kind"], reason=data.get("reason") or None,
                                 comments=data["comments"], duplicate_of=data.get("duplicate_of"),
                                 expected_version=data["expected_version"])


def _reject(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    return services.reject_resolution(ref, analyst, data["reason"], expected_version=data["expected_version"],
                                      category=data.get("category") or None, ticked=data.get("ticked") or ())


def _take(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    return services.take_call(ref, analyst, expected_version=data["expected_version"], note=data["reason"])


def _hold(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    return services.hold_call(ref, analyst, data["reason"], expected_version=data["expected_version"])


def _resume(ref: str, analyst: Analyst, data: dict[str, Any]) -> Call:
    return services.resume_call(ref, analyst, data["reason"], expected_version=data["expected_version"])


class _Kind:
    """One action of the call page: its button, the lifecycle actions that permit it, its form and use case."""

    def __init__(self, title: str, permits: set[Action], form: Callable[..., CallActionForm],
                 run: Callable[[str, Analyst, dict[str, Any]], Call], done: str) -> None:
        self.title, self.permits, self.form, self.run, self.done = title, permits, form, run, done


def _simple(form_class: type[CallActionForm], prefix: str) -> Callable[..., CallActionForm]:
    return lambda call, analyst, data=None: form_class(data, prefix=prefix, call=call, analyst=analyst)


ACTIONS: dict[str, _Kind] = {
    "take": _Kind("Take", {Action.TAKE}, _simple(NoteForm, "take"), _take, "taken: it is now yours to close"),
    "close": _Kind("Close", {Action.CLOSE}, _simple(CloseForm, "close"), _close, "closed"),
    "reject": _Kind("Reject resolution", {Action.REJECT}, _simple(RejectForm, "reject"), _reject,
                    "sent back to its resolver"),
    "forward": _Kind("Re-forward", {Action.FORWARD_TO_ANALYST, Action.FORWARD_TO_GROUP},
                     _simple(ForwardForm, "forward"), _forward, "forwarded"),
    "resolve": _Kind("Resolve", {Action.RESOLVE_TO_GROUP, Action.RESOLVE_AND_CLOSE}, _resolve_form, _resolve,
                     "resolved"),
    "assign": _Kind("Assign", {Action.ASSIGN}, _simple(AssignForm, "assign"), _assign, "assigned"),
    "hold": _Kind("Put on hold", {Action.HOLD}, _simple(NoteForm, "hold"), _hold, "put on hold"),
    "resume": _Kind("Resume", {Action.RESUME}, _simple(NoteForm, "resume"), _resume, "resumed"),
    "close-unresolved": _Kind("Close as unresolved", {Action.CLOSE_UNRESOLVED},
                              _simple(CloseUnresolvedForm, "unresolved"), _close_unresolved,
                              "closed as Closed/Unresolved"),
}


def _render_call(request: HttpRequest, call: Call, bound: dict[str, CallActionForm] | None = None,
                 status: int = 200, note_form: Any = None) -> HttpResponse:
    analyst: Analyst = request.user
    allowed = services.actions_for(call, analyst)
    bound = bound or {}
    # A refused form stays on the page with its message even if the action is no longer offered.
    forms_shown = {name: bound.get(name) or kind.form(call, analyst)
                   for name, kind in ACTIONS.items() if kind.permits & allowed or name in bound}
    settings = load_settings(call.partition)
    preview = None
    if "resolve" in forms_shown and settings.closure_method.value == "rules":
        preview = services.preview_resolve_route(call, analyst)
    events = list(call.events.select_related("actor"))  # the history, and the work log taken from it
    return render(request, "web/call_detail.html", {
        "call": call, "events": events, "settings": settings,
        "actions": [(name, ACTIONS[name].title, form) for name, form in forms_shown.items()],
        "preview": preview, "not_offered": services.not_offered_lines(call, analyst),
        "decisions": call.closure_decisions.select_related("decided_by", "rejection_category"),
        "duplicates": call.duplicates.order_by("ref").only("ref", "summary", "status"),
        "closure_sla": call_closure_sla(call),
        **work_log_context(call, analyst, note_form, events),
    }, status=status)


render_call = _render_call  # the work log's views re-show the call page with their form


@login_required
@refusals_as_http
def call_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_call(request, services.get_call(ref, request.user))


@login_required
@require_POST
@refusals_as_http
def call_action(request: HttpRequest, ref: str, action: str) -> HttpResponse:
    kind = ACTIONS.get(action)
    if kind is None:
        raise Http404(f"No call action {action!r}")
    analyst: Analyst = request.user
    posted = kind.form(None, analyst, request.POST)  # read without the call: the use case locks and checks it
    refused: CloseloopError | None = None
    if posted.is_valid():
        try:
            call = kind.run(ref, analyst, posted.cleaned_data)
        except CloseloopError as exc:
            if isinstance(exc, NotFound):
                raise Http404(exc.message) from exc
            refused = exc
        else:
            messages.success(request, f"{call.ref} {kind.done}.")
            return redirect("call", ref=call.ref)
    # refused: the form again with the call, showing its own problems, or else the use case's refusal
    call = services.get_call(ref, analyst)
    form = kind.form(call, analyst, request.POST)
    if not form.is_valid() or refused is None:
        return _render_call(request, call, {action: form}, 400)
    return _render_call(request, call, {action: form}, refuse_in_form(form, refused))
