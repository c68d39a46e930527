"""The bulk actions of the REST API: `POST /api/v1/calls/bulk/{action}`.

The answer is 200 with the outcome of each call, even when some were refused; only a bad request (an
unknown action, no calls, too many, a missing field) is a 4xx, and then no call was touched.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from closeloop.api.auth import caller
from closeloop.api.bulk_schemas import (
    BulkAssignIn,
    BulkCloseIn,
    BulkForwardIn,
    BulkIn,
    BulkOut,
    BulkRejectIn,
    BulkTakeIn,
)
from closeloop.api.schemas import responses
from closeloop.closure import InvalidInput
from closeloop.partitions.services import get_colleague

from .bulk import BulkAction, bulk_action

__all__ = ["router"]

router = Router(tags=["calls"])


def _run(request: HttpRequest, action: BulkAction, body: BulkIn, **inputs: Any) -> dict[str, Any]:
    result = bulk_action(action, body.refs, caller(request), expected_versions=body.versions, **inputs)
    return result.as_dict()


def _colleague(request: HttpRequest, username: str | None, field: str) -> Any:
    return get_colleague(caller(request), username, field=field) if username else None


@router.post("/take", response=responses(BulkOut), summary="Take several calls waiting for closure")
def take(request: HttpRequest, body: BulkTakeIn) -> dict[str, Any]:
    return _run(request, BulkAction.TAKE, body)


@router.post("/close", response=responses(BulkOut), summary="Validate and close several calls")
def close(request: HttpRequest, body: BulkCloseIn) -> dict[str, Any]:
    """One closure reason and comments for all; `ticked` answers the checklist once for every call."""
    return _run(request, BulkAction.CLOSE, body, comments=body.comments, reason=body.reason, ticked=body.ticked)


@router.post("/reject", response=responses(BulkOut), summary="Reject the resolutions of several calls")
def reject(request: HttpRequest, body: BulkRejectIn) -> dict[str, Any]:
    return _run(request, BulkAction.REJECT, body, reason=body.reason, category=body.category, ticked=body.ticked)


@router.post("/forward", response=responses(BulkOut), summary="Re-forward several calls for closure")
def forward(request: HttpRequest, body: BulkForwardIn) -> dict[str, Any]:
    return _run(request, BulkAction.FORWARD, body, reason=body.reason, to_group=body.to_group,
                to_analyst=_colleague(request, body.to_analyst, "to_analyst"))


@router.post("/assign", response=responses(BulkOut), summary="Assign several calls")
def assign(request: HttpRequest, body: BulkAssignIn) -> dict[str, Any]:
    return _run(request, BulkAction.ASSIGN, body, group=body.group,
                analyst=_colleague(request, body.analyst, "analyst"))


@router.post("/{action}", response=responses(BulkOut), include_in_schema=False)
def unknown(request: HttpRequest, action: str) -> dict[str, Any]:
    """Any other action: named as a bad request here, rather than read as an action on a call called "bulk"."""
    allowed = ", ".join(a.value for a in BulkAction)
    raise InvalidInput(f"No bulk action {action!r}: use one of {allowed}", field="action")
