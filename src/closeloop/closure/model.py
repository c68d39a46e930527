"""Service-desk vocabulary as plain values: call types, statuses, rights, settings and facts.

Nothing here knows about storage. Services turn database rows into these frozen values, ask the
functions of `changes`, `routing` and `guards`, and write back what they decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import InvalidInput

if TYPE_CHECKING:
    from .unresolved import UnresolvedKind

__all__ = [
    "CallType",
    "Status",
    "CLOSURE_STATUSES",
    "OPEN_STATUSES",
    "CLOSED_STATUSES",
    "Right",
    "AdminRight",
    "ClosureMethod",
    "ClosureRule",
    "PartitionSettings",
    "Candidate",
    "Directory",
    "CallFacts",
    "Actor",
    "Target",
    "ClosureRoute",
    "ReasonFacts",
    "ChecklistItemFacts",
    "parse_choice",
]


E = TypeVar("E", bound=StrEnum)


def parse_choice(enum: type[E], raw: str, field_name: str) -> E:
    """Read a user-typed choice ('Major Incident', 'major-incident', 'major_incident')."""
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    for member in enum:
        if member.value == key:
            return member
    allowed = ", ".join(m.value for m in enum)
    raise InvalidInput(f"{field_name} must be one of: {allowed} (got {raw!r})", field=field_name)


class CallType(StrEnum):
    """The kinds of call a service desk logs; each has its own reference prefix."""

    INCIDENT = "incident"
    PROBLEM = "problem"
    MAJOR_INCIDENT = "major_incident"
    KNOWN_ERROR = "known_error"
    SERVICE_REQUEST = "service_request"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()

    @property
    def prefix(self) -> str:
        return _PREFIXES[self]


_PREFIXES = {
    CallType.INCIDENT: "INC",
    CallType.PROBLEM: "PRB",
    CallType.MAJOR_INCIDENT: "MI",
    CallType.KNOWN_ERROR: "KE",
    CallType.SERVICE_REQUEST: "SR",
}


class Status(StrEnum):
    """Where a call is in its life; the two closure statuses are the second part of the close."""

    LOGGED = "logged"
    ASSIGNED = "assigned"
    ON_HOLD = "on_hold"
    FORWARD_TO_YOU_FOR_CLOSE = "forward_to_you_for_close"
    FORWARD_FOR_CLOSURE = "forward_for_closure"
    CLOSED = "closed"
    CLOSED_UNRESOLVED = "closed_unresolved"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.LOGGED: "Logged",
    Status.ASSIGNED: "Assigned",
    Status.ON_HOLD: "On Hold",
    Status.FORWARD_TO_YOU_FOR_CLOSE: "Forward to You for Close",
    Status.FORWARD_FOR_CLOSURE: "Forward for Closure",
    Status.CLOSED: "Closed",
    Status.CLOSED_UNRESOLVED: "Closed/Unresolved",
}

CLOSURE_STATUSES = frozenset({Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE})
# Closed after a resolution was validated, or Closed/Unresolved: cancelled, a duplicate, no response...
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.CLOSED_UNRESOLVED})
OPEN_STATUSES = frozenset(Status) - CLOSED_STATUSES


class Right(StrEnum):
    """Call rights held through an IPK security role, per partition."""

    LOG = "log"
    RESOLVE = "resolve"
    CLOSE = "close"
    REASSIGN = "reassign"

    @property
    def label(self) -> str:
        return "Closure Comments" if self is Right.CLOSE else self.value.title()


class AdminRight(StrEnum):
    """Administration rights held through the global General Access role."""

    IPK_SETUP = "ipk_setup"
    SECURITY_ADMIN = "security_admin"

    @property
    def label(self) -> str:
        return "IPK Setup" if self is AdminRight.IPK_SETUP else "Security Admin"


class ClosureMethod(StrEnum):
    """How a partition closes calls: one part, or two parts forwarded by hand or by rule."""

    IMMEDIATE = "immediate"
    COMMENTS = "comments"
    RULES = "rules"


class ClosureRule(StrEnum):
    """Under method `rules`, who validates a resolved call first."""

    LOGGED_BY = "logged_by"
    LOG_GROUP = "log_group"
    CLOSURE_GROUP = "closure_group"


@dataclass(frozen=True)
class PartitionSettings:
    """A partition's closure settings as one value; a new field here is a new setting."""

    closure_method: ClosureMethod = ClosureMethod.RULES
    closure_rule: ClosureRule = ClosureRule.CLOSURE_GROUP
    closure_group_id: int | None = None
    require_independent_closer: bool = False
    allow_designated_closer: bool = False
    closure_reason_required: bool = True
    # New calls must name the contact (end user) who reported them
    contact_required: bool = False
    # The contact's acceptance of a resolution closes the call at once, with this closure reason
    acceptance_closes: bool = False
    acceptance_reason_id: int | None = None
    # The resolver may close a call as Closed/Unresolved (cancelled, duplicate...) before resolving it
    resolver_may_close_unresolved: bool = False

    @property
    def two_part(self) -> bool:
        return self.closure_method is not ClosureMethod.IMMEDIATE


@dataclass(frozen=True)
class Candidate:
    """An analyst as the rules see them in one partition: active or not, and their call rights."""

    analyst_id: int
    name: str
    active: bool
    rights: frozenset[Right]


@dataclass(frozen=True)
class Directory:
    """Who is who in one partition: its analysts (with rights) and each group's member ids."""

    partition_name: str
    analysts: Mapping[int, Candidate]
    groups: Mapping[int, frozenset[int]]
    group_names: Mapping[int, str] = field(default_factory=dict)
    # Names of analysts outside the partition that an action names (messages never show internal ids)
    outsider_names: Mapping[int, str] = field(default_factory=dict)

    def group_name(self, group_id: int) -> str:
        return self.group_names.get(group_id, f"a group outside partition {self.partition_name}")

    def analyst_name(self, analyst_id: int) -> str:
        candidate = self.analysts.get(analyst_id)
        if candidate is not None:
            return candidate.name
        return self.outsider_names.get(analyst_id, f"an analyst outside partition {self.partition_name}")

    def naming(self, analysts: Mapping[int, str]) -> Directory:
        """This directory, also knowing the names of analysts an action names who may not be members."""
        return replace(self, outsider_names={**self.outsider_names, **analysts})


@dataclass(frozen=True)
class CallFacts:
    """One call as the closure core sees it: what the rules decide on, and everything an action changes.

    The core returns new facts for every change (`changes`); services write them back unchanged.
    """

    ref: str
    call_type: CallType
    status: Status
    logged_by_id: int | None
    log_group_id: int | None = None
    resolved_by_id: int | None = None
    target_analyst_id: int | None = None
    target_group_id: int | None = None
    assigned_group_id: int | None = None
    assigned_analyst_id: int | None = None
    resolution: str = ""
    resolved_at: datetime | None = None
    forwarded_at: datetime | None = None
    closure_comments: str = ""
    closure_reason_id: int | None = None
    closed_by_id: int | None = None
    closed_at: datetime | None = None
    times_rejected: int = 0
    problem_id: int | None = None
    priority: int = 3
    # The contact confirmed the resolution (accept link), and how often contacts refused one
    user_confirmed_at: datetime | None = None
    times_refused: int = 0
    duplicate_of_id: int | None = None
    # Why a Closed/Unresolved call was closed without a resolution (cancelled, duplicate, no response)
    unresolved_kind: UnresolvedKind | None = None

    @classmethod
    def made(cls, **fields: Any) -> CallFacts:
        """Facts with every field given, as `CallFacts(**fields)` makes them, without its cost (a preview makes
        tens of thousands from database rows). A field missing or unknown is refused as `__init__` would."""
        if fields.keys() != _CALL_FIELDS:
            missing, unknown = _CALL_FIELDS - fields.keys(), fields.keys() - _CALL_FIELDS
            raise TypeError(f"CallFacts.made needs every field: missing {', '.join(sorted(missing)) or 'none'}, "
                            f"unknown {', '.join(sorted(unknown)) or 'none'}")
        made = object.__new__(cls)
        made.__dict__.update(fields)
        return made

    def but(self, **changes: Any) -> CallFacts:
        """These facts with `changes`, as `dataclasses.replace` makes them, without its cost (seven times
        cheaper: every action, bulk load and preview makes one or more per call). CallFacts has no
        `__post_init__` to run, so copying the fields is all `replace` would do."""
        unknown = changes.keys() - _CALL_FIELDS
        if unknown:
            raise TypeError(f"CallFacts has no field {', '.join(sorted(unknown))}")
        copy = object.__new__(CallFacts)
        copy.__dict__.update(self.__dict__, **changes)
        return copy


_CALL_FIELDS = frozenset(CallFacts.__dataclass_fields__)


@dataclass(frozen=True)
class Actor:
    """Who acts: an analyst with their rights in the call's partition, or the system operator."""

    analyst_id: int | None
    name: str
    rights: frozenset[Right] = frozenset()

    @property
    def is_system(self) -> bool:
        return self.analyst_id is None

    @classmethod
    def system(cls) -> Actor:
        return cls(analyst_id=None, name="system", rights=frozenset(Right))


@dataclass(frozen=True)
class Target:
    """A closure target named by a user: exactly one of an analyst or a group."""

    analyst_id: int | None = None
    group_id: int | None = None

    def __post_init__(self) -> None:
        if (self.analyst_id is None) == (self.group_id is None):
            raise InvalidInput("Name either a closing analyst or a closing group, not both or neither",
                               field="closer")


@dataclass(frozen=True)
class ClosureRoute:
    """Where a resolved call goes: one analyst or one group, and why (the fallback step taken).

    The status it gets comes from the lifecycle table for the action the route leads to.
    """

    analyst_id: int | None
    group_id: int | None
    explanation: str

    @property
    def to_analyst(self) -> bool:
        return self.analyst_id is not None


@dataclass(frozen=True)
class ReasonFacts:
    """A closure reason and the call types it is linked to; `unresolved` reasons are for Closed/Unresolved."""

    code: str
    active: bool
    call_types: frozenset[CallType]
    reason_id: int | None = None
    unresolved: bool = False


@dataclass(frozen=True)
class ChecklistItemFacts:
    """One item of a partition's closure checklist; one answered by the contact ("User confirmed the fix")
    counts as ticked once the contact accepted the resolution from the resolved e-mail."""

    item_id: int
    text: str
    required: bool
    answered_by_contact: bool = False
