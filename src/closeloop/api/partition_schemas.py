"""Schemas of partitions, their closure settings and audit trail, groups, closure reasons and analysts."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from closeloop.closure import limits

from .schemas import Flag, Text, WholeNumber, limited

__all__ = [
    "PartitionOut",
    "ClosureSettingsOut",
    "ClosureSettingsUpdate",
    "ClosureSettingsResult",
    "SettingsChangeOut",
    "GroupOut",
    "GroupUpdate",
    "ChecklistItemOut",
    "RejectionCategoryOut",
    "ClosureReasonOut",
    "MembershipOut",
    "AnalystOut",
]


class PartitionOut(Schema):
    """A segment of the desk with its own analysts, groups, calls and closure settings."""

    id: int
    name: str = Field(..., examples=["Default"])
    settings_version: int = Field(..., examples=[4])


class ClosureSettingsOut(Schema):
    """How a partition closes calls: method, rule, Closure Group and the independence options."""

    partition: str = Field(..., examples=["Default"])
    version: int = Field(..., examples=[4], description="Send it back as If-Match or `version` when changing them")
    closure_method: str = Field(..., examples=["rules"], description="immediate, comments or rules")
    closure_rule: str = Field(..., examples=["log_group"], description="logged_by, log_group or closure_group")
    closure_group: str | None = Field(None, examples=["Closure Group"])
    require_independent_closer: bool
    allow_designated_closer: bool
    closure_reason_required: bool
    contact_required: bool = Field(..., description="New calls must name their contact")
    acceptance_closes: bool = Field(..., description="The contact's acceptance closes the call at once")
    acceptance_reason: str | None = Field(None, examples=["USER-CONFIRMED"],
                                          description="Closure reason of calls closed on the contact's word")
    resolver_may_close_unresolved: bool = Field(
        ..., description="The resolver may close a call as Closed/Unresolved (cancelled, duplicate...)")


class ClosureSettingsUpdate(Schema):
    """New closure settings. Fields left out keep their value; `change_reason` is recorded in the audit."""

    change_reason: Text = limited(limits.CHANGE_REASON, examples=["Closure Group now validates every call"])
    closure_method: Text | None = Field(None, examples=["rules"])
    closure_rule: Text | None = Field(None, examples=["closure_group"])
    closure_group: Text | None = Field(None, examples=["Closure Group"], description="Group name; null clears it")
    require_independent_closer: Flag | None = None
    allow_designated_closer: Flag | None = None
    closure_reason_required: Flag | None = None
    contact_required: Flag | None = None
    acceptance_closes: Flag | None = None
    acceptance_reason: Text | None = Field(None, examples=["USER-CONFIRMED"],
                                           description="Closure reason code; null clears it")
    resolver_may_close_unresolved: Flag | None = None
    version: WholeNumber | None = Field(None, ge=0, le=2**31, description="The settings version you read (or If-Match)")


class RouteChangeOut(Schema):
    """One call whose closure target would differ under the new settings."""

    ref: str = Field(..., examples=["INC-000042"])
    waiting: bool = Field(..., description="True: in the closure stage now; false: resolved in the window")
    before: str = Field(..., examples=["group Service Desk"])
    after: str = Field(..., examples=["group Closure Group"])


class SettingsPreviewOut(Schema):
    """Where the closure stage's calls would go under the new settings (the what-if preview)."""

    waiting: int = Field(..., description="Calls in the closure stage now")
    resolved_recently: int = Field(..., description="Calls resolved in the last `days` days, routed again")
    days: int = Field(..., examples=[30])
    before: dict[str, int] = Field(..., description="Calls per closure target under the settings in force",
                                   examples=[{"group Service Desk": 12}])
    after: dict[str, int] = Field(..., description="Calls per closure target under the new settings",
                                  examples=[{"group Closure Group": 12}])
    changed: int = Field(..., description="Calls whose closure target would change")
    moved_now: int = Field(..., description="Waiting calls the save itself would move to another target")
    unclosable: list[str] = Field(..., description="Waiting calls nobody could close (the save is refused)")
    refused: bool
    changes: list[RouteChangeOut] = Field(..., description="The first 50 calls that would change target")


class ClosureSettingsResult(ClosureSettingsOut):
    """The settings after the change (or, with dry_run, as they would be, with the preview)."""

    dry_run: bool = Field(..., description="True: checked exactly as for a save, nothing written")
    changed: bool = Field(..., description="Whether these settings differ from the ones in force")
    preview: SettingsPreviewOut | None = Field(None, description="With dry_run: where the calls would go")


class SettingsChangeOut(Schema):
    """One audited change: who, when, why, and each setting before and after."""

    at: datetime
    by: str = Field(..., examples=["admin"])
    version: int | None = Field(None, examples=[5])
    change_reason: str
    changes: dict[str, dict[str, object]] = Field(
        ..., examples=[{"closure_rule": {"before": "logged_by", "after": "log_group"}}])


class GroupOut(Schema):
    """An IPK group: calls are logged by, assigned to, or forwarded to it for closure."""

    id: int
    partition: str = Field(..., examples=["Default"])
    name: str = Field(..., examples=["Service Desk"])
    active: bool
    mailbox: str | None = Field(..., examples=["closure@example.com"],
                                description="The group's own address: its closure notices and reminders go there "
                                            "instead of to each closer (null: none)")
    members: list[str] = Field(..., examples=[["alice", "carol"]])


class GroupUpdate(Schema):
    """Change a group (IPK Setup); a field left out is kept."""

    mailbox: Text | None = limited(limits.EMAIL, None, examples=["closure@example.com"],
                                   description="The group's own address; \"\" or null clears it")


class ChecklistItemOut(Schema):
    """One check a closer makes before closing; send the ids of those you checked as `ticked`."""

    id: int = Field(..., examples=[1])
    text: str = Field(..., examples=["User confirmed service restored"])
    required: bool
    answered_by_contact: bool = Field(False, description="Counts as ticked once the contact accepted the call's "
                                                         "resolution from the resolved e-mail")


class RejectionCategoryOut(Schema):
    """Why a resolution can be sent back; send its `code` as `category` when rejecting."""

    code: str = Field(..., examples=["not_fixed"])
    label: str = Field(..., examples=["Not fixed"])


class ClosureReasonOut(Schema):
    """Why a call was closed, and the call types it applies to."""

    id: int
    partition: str
    code: str = Field(..., examples=["FIXED"])
    label: str = Field(..., examples=["Fixed"])
    active: bool
    call_types: list[str] = Field(..., examples=[["incident", "major_incident"]])
    unresolved: bool = Field(False, description="A reason for Closed/Unresolved calls (cancelled, duplicate, no "
                                                "response), not for resolved calls")


class MembershipOut(Schema):
    partition: str
    role: str = Field(..., examples=["Closer"])


class AnalystOut(Schema):
    """A member of the desk's staff as colleagues see them."""

    username: str = Field(..., examples=["carol"])
    display_name: str = Field(..., examples=["Carol Closer"])
    active: bool
    memberships: list[MembershipOut]
    groups: list[str] = Field(..., examples=[["Closure Group", "Service Desk"]])
