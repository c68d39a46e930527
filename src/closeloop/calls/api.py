"""The calls resource of the REST API: list, read, log, the history, the actions, and Calls Outstanding.

Each endpoint translates: it reads the request, calls one service, and shows the result. Every rule
(rights, partitions, the two-part close) is the services'.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from closeloop.accounts.models import Analyst
from closeloop.api.auth import caller, expected_version
from closeloop.api.call_schemas import (
    AssignIn,
    CallCreate,
    CallFilters,
    CallOut,
    CallPageOut,
    CloseIn,
    CloseUnresolvedIn,
    EventOut,
    ForwardIn,
    OutstandingFilters,
    OutstandingOut,
    ReasonIn,
    RejectIn,
    ResolveIn,
    TakeIn,
)
from closeloop.api.catalogue import CallEdit, edit_values
from closeloop.api.pagination import PageParams, page_of
from closeloop.api.schemas import CallRef, responses
from closeloop.closure import Action
from closeloop.contacts.services import find_contact
from closeloop.partitions.services import UNSET, get_partition, load_directory, partition_for

from . import filters as call_filters
from . import services as calls
from .closure_sla import call_closure_sla, closure_sla_as_dict, policies_for, verdict_for
from .editing import edit_call
from .models import Call
from .present import call_as_dict, duplicate_refs, event_as_dict
from .queries import age_of, outstanding_calls, outstanding_summary
from .unresolved import close_unresolved_call

__all__ = ["router", "outstanding_router"]

router = Router(tags=["calls"])
outstanding_router = Router(tags=["calls"])

# The endpoint that performs each lifecycle action (what `actions` lists).
_ENDPOINT_FOR: dict[Action, str] = {
    Action.ASSIGN: "assign", Action.HOLD: "hold", Action.RESUME: "resume",
    Action.RESOLVE_TO_ANALYST: "resolve", Action.RESOLVE_TO_GROUP: "resolve", Action.RESOLVE_AND_CLOSE: "resolve",
    Action.TAKE: "take", Action.FORWARD_TO_ANALYST: "forward", Action.FORWARD_TO_GROUP: "forward",
    Action.CLOSE: "close", Action.REJECT: "reject", Action.CLOSE_UNRESOLVED: "close-unresolved",
}
_ACTION_ORDER = ["assign", "hold", "resume", "resolve", "take", "forward", "close", "reject", "close-unresolved"]


def _shown(call: Call, viewer: Analyst) -> dict[str, Any]:
    """The call as the action left it, named from the directory the action decided with (no re-read)."""
    names = {_ENDPOINT_FOR[a] for a in calls.actions_for(call, viewer) if a in _ENDPOINT_FOR}
    not_offered = [{"action": _ENDPOINT_FOR[a], "reason": line}
                   for a, line in calls.not_offered_for(call, viewer).items()]
    return {**call_as_dict(call, load_directory(call.partition)), "actions": [n for n in _ACTION_ORDER if n in names],
            "not_offered": not_offered, "duplicates": duplicate_refs(call)}


def _with_etag(response: HttpResponse, call: dict[str, Any]) -> HttpResponse:
    response["ETag"] = f'"{call["version"]}"'
    return response


@router.get("", response=responses(CallPageOut), summary="List and search calls in your partitions")
def list_calls(request: HttpRequest, filters: Query[CallFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Calls in the caller's partitions, open and closed, filtered and searched, newest first by default
    (`sort`). The parameters are those of the web calls list: its address's query works here unchanged."""
    return call_filters.list_calls(caller(request), request.GET).as_dict()


@router.post("", response=responses(CallOut, 201), summary="Log a call")
def log_call(request: HttpRequest, body: CallCreate) -> Status[dict[str, Any]]:
    actor = caller(request)
    partition = partition_for(body.partition, actor)
    call = calls.log_call(
        partition, body.type, body.summary, description=body.description,
        priority=body.priority if body.priority is not None else UNSET, impact=body.impact, urgency=body.urgency,
        category=body.category,
        # groups and the assignee by name: the use case finds them in the partition's directory
        log_group=body.log_group or None, assigned_group=body.assigned_group or None,
        assigned_analyst=body.assigned_analyst or None, actor=actor,
        contact=find_contact(partition, body.contact) if body.contact is not None else None)
    return Status(201, _shown(call, actor))


@router.get("/{ref}", response=responses(CallOut), summary="Read a call")
def read_call(request: HttpRequest, ref: CallRef, response: HttpResponse) -> dict[str, Any]:
    """The call, with an ETag of its version and the actions the caller may take now."""
    viewer = caller(request)
    call = calls.get_call(ref, viewer)
    shown = _shown(call, viewer)
    shown["closure_sla"] = closure_sla_as_dict(call_closure_sla(call))  # in the closure stage: one query
    _with_etag(response, shown)
    return shown


@router.patch("/{ref}", response=responses(CallOut), summary="Edit an open call")
def edit(request: HttpRequest, ref: CallRef, body: CallEdit) -> dict[str, Any]:
    """Change summary, description, type, impact/urgency (and so priority), category, contact or log group; one
    history event records every change. Send `version` or If-Match: a stale edit is refused with 409."""
    actor = caller(request)
    return _shown(edit_call(ref, actor, **edit_values(request, body)), actor)


@router.get("/{ref}/history", response=responses(list[EventOut]), summary="A call's history")
def call_history(request: HttpRequest, ref: CallRef) -> list[dict[str, Any]]:
    call = calls.get_call(ref, caller(request))
    return [event_as_dict(e) for e in call.events.select_related("actor")]


@router.post("/{ref}/assign", response=responses(CallOut), summary="Assign a call")
def assign(request: HttpRequest, ref: CallRef, body: AssignIn) -> dict[str, Any]:
    actor = caller(request)
    call = calls.assign_call(ref, actor, group=body.group,
                             analyst=body.analyst or None,
                             expected_version=expected_version(request, body.version))
    return _shown(call, actor)


@router.post("/{ref}/hold", response=responses(CallOut), summary="Put a call on hold")
def hold(request: HttpRequest, ref: CallRef, body: ReasonIn) -> dict[str, Any]:
    actor = caller(request)
    return _shown(calls.hold_call(ref, actor, body.reason, expected_version(request, body.version)), actor)


@router.post("/{ref}/resume", response=responses(CallOut), summary="Resume a call on hold")
def resume(request: HttpRequest, ref: CallRef, body: ReasonIn) -> dict[str, Any]:
    actor = caller(request)
    return _shown(calls.resume_call(ref, actor, body.reason, expected_version(request, body.version)), actor)


@router.post("/{ref}/resolve", response=responses(CallOut), summary="Resolve a call (first part of the close)")
def resolve(request: HttpRequest, ref: CallRef, body: ResolveIn) -> dict[str, Any]:
    """The call goes to the analyst or group that must validate it, as the partition's settings say."""
    actor = caller(request)
    call = calls.resolve_call(ref, actor, body.resolution, closer=body.closer or None,
                              closer_group=body.closer_group,
                              reason=body.reason, comments=body.comments,
                              expected_version=expected_version(request, body.version))
    return _shown(call, actor)


@router.post("/{ref}/take", response=responses(CallOut), summary="Take a call waiting in your group for closure")
def take(request: HttpRequest, ref: CallRef, body: TakeIn) -> dict[str, Any]:
    actor = caller(request)
    return _shown(calls.take_call(ref, actor, expected_version(request, body.version), note=body.note), actor)


@router.post("/{ref}/forward", response=responses(CallOut), summary="Re-forward a call for closure")
def forward(request: HttpRequest, ref: CallRef, body: ForwardIn) -> dict[str, Any]:
    actor = caller(request)
    call = calls.forward_call(ref, actor, body.reason, to_analyst=body.to_analyst or None,
                              to_group=body.to_group,
                              expected_version=expected_version(request, body.version))
    return _shown(call, actor)


@router.post("/{ref}/close", response=responses(CallOut), summary="Validate and close a resolved call")
def close(request: HttpRequest, ref: CallRef, body: CloseIn) -> dict[str, Any]:
    """The second part of the close; only an eligible validator (never the resolver, if so configured)."""
    actor = caller(request)
    call = calls.close_call(ref, actor, body.comments, reason=body.reason, ticked=body.ticked,
                            expected_version=expected_version(request, body.version))
    return _shown(call, actor)


@router.post("/{ref}/close-unresolved", response=responses(CallOut),
             summary="Close a call without a resolution (Closed/Unresolved)")
def close_unresolved(request: HttpRequest, ref: CallRef, body: CloseUnresolvedIn) -> dict[str, Any]:
    """Cancelled (logged in error), a duplicate of another call (linked both ways) or no response from the
    user; a closer of the call may, or the analyst working it where the partition allows."""
    actor = caller(request)
    call = close_unresolved_call(ref, actor, body.kind, reason=body.reason, comments=body.comments,
                                 duplicate_of=body.duplicate_of,
                                 expected_version=expected_version(request, body.version))
    return _shown(call, actor)


@router.post("/{ref}/reject", response=responses(CallOut), summary="Reject a resolution")
def reject(request: HttpRequest, ref: CallRef, body: RejectIn) -> dict[str, Any]:
    actor = caller(request)
    call = calls.reject_resolution(ref, actor, body.reason, category=body.category, ticked=body.ticked,
                                   expected_version=expected_version(request, body.version))
    return _shown(call, actor)


@outstanding_router.get("", response=responses(OutstandingOut), summary="Your Calls Outstanding")
def outstanding(request: HttpRequest, filters: Query[OutstandingFilters],
                paging: Query[PageParams]) -> dict[str, Any]:
    """The caller's four queues (assigned to me, my groups, forward to you, forward for closure), oldest first."""
    analyst = caller(request)
    partition_id = get_partition(filters.partition, analyst).id if filters.partition else None
    summary = outstanding_summary(analyst, partition_id)
    rows = outstanding_calls(analyst, filters.queue, partition_id).order_by("logged_at", "id")
    # the closure-stage SLA of the caller's partitions, read once for the whole page
    policies, now = policies_for(analyst, partition_id), timezone.now()
    page = page_of(rows, paging, lambda c: {**call_as_dict(c),
                                            "age_hours": round(age_of(c, now).total_seconds() / 3600, 1),
                                            "closure_sla": closure_sla_as_dict(verdict_for(c, policies, now))},
                   # the summary counted the queues already
                   count=summary.queues[filters.queue] if filters.queue else summary.total)
    return {**page, "summary": summary.as_dict()}
