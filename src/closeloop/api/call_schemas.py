"""Schemas of the calls resource: the public call, what a client sends to log it, and each action's body."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from closeloop.closure import limits

from .schemas import BodyId, Page, Text, WholeNumber, limited

__all__ = [
    "CallContactOut",
    "CallOut",
    "SamplingOut",
    "NotOfferedOut",
    "CallCreate",
    "CallFilters",
    "CallPageOut",
    "AssignIn",
    "ReasonIn",
    "ResolveIn",
    "VersionIn",
    "TakeIn",
    "ForwardIn",
    "CloseIn",
    "CloseUnresolvedIn",
    "RejectIn",
    "EventOut",
    "OutstandingFilters",
    "OutstandingSummaryOut",
    "OutstandingCallOut",
    "OutstandingOut",
]

_VERSION = Field(None, ge=0, le=2**31, examples=[3],
                 description="The call version you read; refused with 409 if someone changed it since. "
                             "Same as the If-Match header.")


class CallContactOut(Schema):
    """The person who reported the call."""

    id: int = Field(..., examples=[12])
    partition: str
    name: str = Field(..., examples=["Priya Patel"])
    email: str = Field(..., examples=["priya.patel@harbourside.example.com"])
    phone: str
    organisation: str
    active: bool


class NotOfferedOut(Schema):
    """A main action the caller is not offered on a call, and why, in the words the action would refuse with."""

    action: str = Field(..., examples=["close"])
    reason: str = Field(..., examples=["Close is not offered: carol resolved INC-000042 and partition Default "
                                       "requires an independent closer"])


class CallClosureSlaOut(Schema):
    """Where a call in the closure stage stands against its partition's closure-stage target (business time)."""

    target: str = Field(..., examples=["8h"])
    target_seconds: int = Field(..., examples=[28800])
    due_at: datetime = Field(..., description="When the verdict is due")
    warn_at: datetime = Field(..., description="When the call is about to breach (the warning point)")
    remaining_seconds: int = Field(..., examples=[5400], description="Business time left; negative once overdue")
    remaining: str = Field(..., examples=["1h30m"])
    state: str = Field(..., examples=["at_risk"], description="running, at_risk or breached")
    state_label: str = Field(..., examples=["About to breach"])


class SamplingOut(Schema):
    """Whether the call's last resolution must be validated by its closure target, and why."""

    sampled: bool = Field(..., description="True: its closure target must validate it; false: it closes on the "
                                           "contact's acceptance or when its auto-close rule expires")
    reasons: list[str] = Field(..., examples=[["P1 is at or above P2"]])
    draw: float | None = Field(None, examples=[0.07], description="The random draw recorded at resolve time "
                                                                 "(null: no sampling policy)")
    summary: str = Field(..., examples=["Sampled for validation: P1 is at or above P2"])


class CallOut(Schema):
    """A call as any analyst of its partition sees it; `actions` are what the caller may do to it now."""

    ref: str = Field(..., examples=["INC-000042"])
    partition: str = Field(..., examples=["Default"])
    type: str = Field(..., examples=["incident"])
    type_label: str = Field(..., examples=["Incident"])
    summary: str = Field(..., examples=["VPN drops every few minutes"])
    description: str
    contact: CallContactOut | None = Field(None, description="Who reported the call (none on older calls)")
    priority: int = Field(..., examples=[3])
    priority_label: str = Field("", examples=["P3 Medium"])
    impact: int = Field(2, examples=[2], description="1 high, 2 medium, 3 low")
    urgency: int = Field(2, examples=[2], description="1 high, 2 medium, 3 low")
    category: str | None = Field(None, examples=["Hardware › Laptop"], description="The category's path")
    status: str = Field(..., examples=["forward_for_closure"])
    status_label: str = Field(..., examples=["Forward for Closure"])
    logged_by: str | None = Field(None, examples=["alice"])
    logged_at: datetime | None
    log_group: str | None = Field(None, examples=["Service Desk"])
    assigned_group: str | None = None
    assigned_analyst: str | None = None
    resolution: str
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    closure_target_analyst: str | None = None
    closure_target_group: str | None = Field(None, examples=["Service Desk"])
    forwarded_at: datetime | None = None
    closure_reason: str | None = Field(None, examples=["FIXED"])
    closure_comments: str
    closed_by: str | None = None
    closed_at: datetime | None = None
    times_rejected: int
    user_confirmed_at: datetime | None = Field(None, description="When the contact accepted the current "
                                                                 "resolution (from the resolved e-mail)")
    times_refused: int = Field(0, description="Resolutions the contact refused (apart from closers' rejections)")
    unresolved_kind: str | None = Field(None, examples=["duplicate"],
                                        description="Closed/Unresolved only: cancelled, duplicate or no_response")
    unresolved_kind_label: str | None = Field(None, examples=["Duplicate of another call"])
    duplicate_of: str | None = Field(None, examples=["INC-000012"],
                                     description="The call this one was closed as a duplicate of")
    sampling: SamplingOut | None = Field(None, description="The sampling decision of its last resolution")
    duplicates: list[str] | None = Field(None, examples=[["INC-000051"]],
                                         description="Calls closed as duplicates of this one; only when one call "
                                                     "is returned, not in lists")
    version: int = Field(..., examples=[3], description="Send it back as If-Match or `version` to act safely")
    actions: list[str] | None = Field(None, examples=[["take", "forward", "close", "reject"]],
                                      description="Actions the caller may take now (assign, hold, resume, "
                                                  "resolve, take, forward, close, reject, close-unresolved); "
                                                  "only when one call "
                                                  "is returned, not in lists")
    not_offered: list[NotOfferedOut] | None = Field(
        None, description="The main actions the caller cannot take now, each with why (only when one call is "
                          "returned, not in lists)")
    closure_sla: CallClosureSlaOut | None = Field(
        None, description="In the closure stage, where the partition has a target for the call's priority: the "
                          "time left in business time and whether it is about to breach or breached (when a call "
                          "is read, and in Calls Outstanding)")


class CallCreate(Schema):
    """Log a call. With `assigned_group`/`assigned_analyst` it is Assigned at once."""

    partition: Text | None = Field(None, examples=["Default"],
                                   description="Needed only if the caller works in several partitions")
    type: Text = Field("incident", examples=["incident"],
                       description="incident, problem, major_incident, known_error or service_request")
    summary: Text = limited(limits.SUMMARY, examples=["VPN drops every few minutes"])
    description: Text = limited(limits.DESCRIPTION, "")
    priority: WholeNumber | None = Field(None, examples=[3], description="1 (highest) to 4; only when neither "
                                         "impact nor urgency is given (else read off the partition's matrix)",
                                         json_schema_extra={"minimum": 1, "maximum": 4})
    impact: WholeNumber | Text | None = Field(None, examples=[2], description="1 high, 2 medium (default), 3 low")
    urgency: WholeNumber | Text | None = Field(None, examples=[2], description="1 high, 2 medium (default), 3 low")
    category: BodyId | Text | None = Field(None, examples=["Hardware › Laptop"],
                                           description="An active category of the partition: id or path")
    log_group: Text | None = Field(None, examples=["Service Desk"], description="One of your own groups")
    assigned_group: Text | None = Field(None, examples=["Network"])
    assigned_analyst: Text | None = Field(None, examples=["bob"])
    contact: BodyId | Text | None = Field(None, examples=["priya.patel@harbourside.example.com"],
                                 description="Who reported it: a contact's id or e-mail address in the "
                                             "partition (required unless the partition's settings say not)")


class CallFilters(Schema):
    """Filters of the call list (`closeloop.calls.filters.CallFilterSet`, shared with the web page and the
    CLI); all are optional and combine with AND. Status, type and priority take several values (repeat the
    parameter, or separate with commas), which combine with OR."""

    q: Text | None = Field(None, description="Full-text search: words in the reference, summary, description, "
                                             "resolution, notes or contact (each word matches the start of a "
                                             "word; \"quoted words\" as a phrase), or an exact reference")
    status: list[str] | None = Field(None, description="A status (e.g. forward_for_closure), or open, "
                                                        "awaiting_closure; closed and closed_unresolved")
    type: list[str] | None = Field(None, description="e.g. incident")
    priority: list[str] | None = Field(None, description="1 to 4 (or P1 to P4)")
    partition: Text | None = Field(None, description="Partition name")
    log_group: Text | None = Field(None, description="Group name or id; `mine` for your groups")
    assigned_group: Text | None = Field(None, description="Group name or id; `mine` for your groups")
    closure_group: Text | None = Field(None, description="Group name or id the call waits (waited) in for "
                                                         "closure; `mine` for your groups")
    closure_target_group: Text | None = Field(None, description="Earlier name of closure_group")
    assigned_analyst: Text | None = Field(None, description="User name, or `me`")
    resolver: Text | None = Field(None, description="User name, or `me`")
    closer: Text | None = Field(None, description="User name, or `me`")
    closure_analyst: Text | None = Field(None, description="User name the call waits with for closure, or `me`")
    closure_target_analyst: Text | None = Field(None, description="Earlier name of closure_analyst")
    contact: Text | None = Field(None, description="Part of the contact's name or e-mail address")
    logged_after: Text | None = Field(None, description="Date or date-time (ISO 8601), inclusive")
    logged_before: Text | None = Field(None, description="Date or date-time, exclusive")
    resolved_after: Text | None = None
    resolved_before: Text | None = None
    closed_after: Text | None = None
    closed_before: Text | None = None
    rejected: Text | None = Field(None, description="true: rejected at least once; false: never rejected")
    sort: Text | None = Field(None, description="ref, summary, type, status, priority, partition, group, "
                                                "analyst, age (by time logged), resolved, closed, updated; "
                                                "`-` before it for descending. Default -age (newest first)")


class CallPageOut(Page[CallOut]):
    """One page of the call list; above 1,000 calls `count` is PostgreSQL's estimate (`count_exact` false), and
    on SQLite a floor (`count_at_least` true)."""

    count_exact: bool = Field(True, description="False when count is not exact: an estimate, or a floor")
    count_at_least: bool = Field(False, description="True when more calls match than count (SQLite counts up to "
                                                    "1,000 and no further)")


class VersionIn(Schema):
    """An action that needs no other input."""

    version: WholeNumber | None = _VERSION


class TakeIn(VersionIn):
    """Take a call waiting in your group for closure, with an optional note for the work log."""

    note: Text = limited(limits.TAKE_NOTE, "", examples=["I know this user's set-up"])


class AssignIn(VersionIn):
    """Assign to a group (its queue), an analyst, or an analyst within a group."""

    group: Text | None = Field(None, examples=["Network"])
    analyst: Text | None = Field(None, examples=["bob"])


class ReasonIn(VersionIn):
    """Put on hold or resume, with an optional reason for the history."""

    reason: Text = limited(limits.CALL_NOTE, "", examples=["Waiting for the user to reboot"])


class ResolveIn(VersionIn):
    """Resolve: the call goes to its validator (or is closed at once under method `immediate`)."""

    resolution: Text = limited(limits.RESOLUTION, examples=["Updated the VPN client to 5.2"])
    closer: Text | None = Field(None, examples=["carol"], description="Designated closer, if allowed")
    closer_group: Text | None = Field(None, examples=["Closure Group"])
    reason: Text | None = Field(None, examples=["FIXED"], description="Closure reason (method immediate)")
    comments: Text | None = limited(limits.CLOSURE_COMMENTS, None, description="Closure comments (method immediate)")


class ForwardIn(VersionIn):
    """Re-forward a call in the closure stage to another analyst or group, saying why."""

    reason: Text = limited(limits.FORWARD_REASON, examples=["Carol is on leave this week"])
    to_analyst: Text | None = Field(None, examples=["dave"])
    to_group: Text | None = Field(None, examples=["Closure Group"])


class CloseIn(VersionIn):
    """Validate and close: closure comments, the reason, and the checklist items ticked."""

    comments: Text = limited(limits.CLOSURE_COMMENTS, examples=["User confirmed the VPN is stable"])
    reason: Text | None = Field(None, examples=["FIXED"])
    ticked: list[BodyId] = Field(default_factory=list, description="Ids of the checklist items you checked")


class CloseUnresolvedIn(VersionIn):
    """Close without a resolution (Closed/Unresolved): why, a reason for unresolved calls, and comments."""

    kind: Text = Field(..., examples=["duplicate"], description="cancelled, duplicate or no_response")
    reason: Text | None = Field(None, examples=["DUPLICATE"], description="A closure reason for unresolved calls")
    comments: Text = limited(limits.CLOSURE_COMMENTS, examples=["Same outage as INC-000012"])
    duplicate_of: Text | None = Field(None, examples=["INC-000012"], description="The original (kind duplicate)")


class RejectIn(VersionIn):
    """Send the resolution back to its resolver, saying why."""

    reason: Text = limited(limits.REJECTION_REASON, examples=["The VPN still drops; please check the MTU"])
    category: Text | None = Field(None, examples=["not_fixed"])
    ticked: list[BodyId] = Field(default_factory=list)


class EventOut(Schema):
    """One entry of a call's history."""

    at: datetime
    actor: str = Field(..., examples=["rita"])
    action: str = Field(..., examples=["resolve_to_group"])
    from_status: str | None = Field(None, examples=["assigned"])
    to_status: str = Field(..., examples=["forward_for_closure"])
    note: str
    visible_to_contact: bool = Field(False, description="The note is one the call's contact may read")
    details: dict[str, object]


class OutstandingFilters(Schema):
    """Which of the caller's queues, in which partition."""

    queue: Text | None = Field(None, description="mine, groups, to_me or for_closure (default: all four)")
    partition: Text | None = Field(None, description="Partition name")


class OutstandingSummaryOut(Schema):
    """Counts of the caller's Calls Outstanding per queue, status and age."""

    total: int
    queues: dict[str, int] = Field(..., examples=[{"mine": 2, "groups": 5, "to_me": 1, "for_closure": 3}])
    statuses: dict[str, int]
    ages: dict[str, int]


class OutstandingCallOut(CallOut):
    """A call in Calls Outstanding, with how long it has waited in its current stage."""

    age_hours: float = Field(..., examples=[26.5])


class OutstandingOut(Page[OutstandingCallOut]):
    """The caller's Calls Outstanding: the counts, and one page of the calls (oldest first)."""

    summary: OutstandingSummaryOut
