"""Schemas of the bulk actions: the calls chosen plus the single action's own body, and the outcome per call.

Each bulk body is the single action's schema (from `call_schemas`) with `refs` and optional `versions`, so a
field means the same in both; the single `version` gives way to `versions`, one per call.
"""

from __future__ import annotations

from ninja import Field, Schema

from closeloop.calls.bulk import MAX_REFS

from .call_schemas import AssignIn, CloseIn, ForwardIn, RejectIn, VersionIn
from .schemas import Text, WholeNumber

__all__ = ["BulkIn", "BulkTakeIn", "BulkCloseIn", "BulkRejectIn", "BulkForwardIn", "BulkAssignIn", "BulkErrorOut",
           "BulkCallOut", "BulkOut"]


class BulkIn(Schema):
    """The calls a bulk action applies to."""

    refs: list[Text] = Field(..., examples=[["INC-000041", "INC-000042"]],
                             description=f"The calls, by reference: at least one, at most {MAX_REFS}; "
                                         "duplicates are dropped")
    versions: dict[Text, WholeNumber] | None = Field(
        None, examples=[{"INC-000041": 3}],
        description="The version you read of some calls (reference: version); a call changed since is refused "
                    "with changed_by_other, the others go ahead")
    version: None = Field(None, description="Not used by bulk actions: send `versions`, one per call")


class BulkTakeIn(BulkIn, VersionIn):
    """Take calls waiting for closure in your groups: each becomes Forward to You for Close."""


class BulkCloseIn(BulkIn, CloseIn):
    """Validate and close calls: one reason and closure comments for all, the checklist answered once (each
    call gets the answers to its own partition's items)."""


class BulkRejectIn(BulkIn, RejectIn):
    """Send the resolutions back to their resolvers, with one reason (and category) for all."""


class BulkForwardIn(BulkIn, ForwardIn):
    """Re-forward calls in the closure stage to one analyst or one group, saying why."""


class BulkAssignIn(BulkIn, AssignIn):
    """Assign calls to a group, an analyst, or an analyst within a group."""


class BulkErrorOut(Schema):
    """Why one call was refused: the same code, message and field as the single action's error."""

    code: str = Field(..., examples=["invalid_transition"])
    message: str = Field(..., examples=["INC-000043 is Assigned: you cannot close it now"])
    field: str | None = None


class BulkCallOut(Schema):
    """What happened to one call."""

    ref: str = Field(..., examples=["INC-000041"])
    ok: bool
    status: str | None = Field(None, examples=["closed"], description="The call's status now (null if not found)")
    status_label: str | None = Field(None, examples=["Closed"])
    error: BulkErrorOut | None = Field(None, description="Why it was refused (null when done)")


class BulkOut(Schema):
    """The outcome of a bulk action: a summary, then each call in the order given."""

    action: str = Field(..., examples=["close"])
    summary: str = Field(..., examples=["Closed 12, refused 2"])
    done: int = Field(..., examples=[12])
    refused: int = Field(..., examples=[2])
    results: list[BulkCallOut]
