"""The call lifecycle as one closed table: (status, action) -> next status.

An action that is not in the table raises `InvalidTransition`; there is no default.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransition
from .model import Status

__all__ = ["Action", "TRANSITIONS", "next_status", "allowed_actions"]


class Action(StrEnum):
    """Everything that can happen to a call; each one is a history event."""

    LOG = "log"
    ASSIGN = "assign"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE_TO_ANALYST = "resolve_to_analyst"
    RESOLVE_TO_GROUP = "resolve_to_group"
    RESOLVE_AND_CLOSE = "resolve_and_close"
    TAKE = "take"
    FORWARD_TO_ANALYST = "forward_to_analyst"
    FORWARD_TO_GROUP = "forward_to_group"
    CLOSE = "close"
    REJECT = "reject"
    LINK_PROBLEM = "link_problem"

    @property
    def verb(self) -> str:
        return _VERBS[self]


_VERBS = {
    Action.LOG: "log",
    Action.ASSIGN: "assign",
    Action.HOLD: "put on hold",
    Action.RESUME: "resume",
    Action.RESOLVE_TO_ANALYST: "resolve",
    Action.RESOLVE_TO_GROUP: "resolve",
    Action.RESOLVE_AND_CLOSE: "resolve",
    Action.TAKE: "take",
    Action.FORWARD_TO_ANALYST: "forward",
    Action.FORWARD_TO_GROUP: "forward",
    Action.CLOSE: "close",
    Action.REJECT: "reject the resolution of",
    Action.LINK_PROBLEM: "link a problem to",
}

_WORKABLE = (Status.LOGGED, Status.ASSIGNED, Status.ON_HOLD)
_AWAITING_CLOSE = (Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE)

TRANSITIONS: dict[tuple[Status | None, Action], Status] = {
    (None, Action.LOG): Status.LOGGED,
    **{(s, Action.ASSIGN): Status.ASSIGNED for s in _WORKABLE},
    (Status.ASSIGNED, Action.HOLD): Status.ON_HOLD,
    (Status.ON_HOLD, Action.RESUME): Status.ASSIGNED,
    **{(s, Action.RESOLVE_TO_ANALYST): Status.FORWARD_TO_YOU_FOR_CLOSE for s in _WORKABLE},
    **{(s, Action.RESOLVE_TO_GROUP): Status.FORWARD_FOR_CLOSURE for s in _WORKABLE},
    **{(s, Action.RESOLVE_AND_CLOSE): Status.CLOSED for s in _WORKABLE},
    (Status.FORWARD_FOR_CLOSURE, Action.TAKE): Status.FORWARD_TO_YOU_FOR_CLOSE,
    **{(s, Action.FORWARD_TO_ANALYST): Status.FORWARD_TO_YOU_FOR_CLOSE for s in _AWAITING_CLOSE},
    **{(s, Action.FORWARD_TO_GROUP): Status.FORWARD_FOR_CLOSURE for s in _AWAITING_CLOSE},
    **{(s, Action.CLOSE): Status.CLOSED for s in _AWAITING_CLOSE},
    **{(s, Action.REJECT): Status.ASSIGNED for s in _AWAITING_CLOSE},
    # a recurring issue is linked to the Problem raised for it whatever its status; the status stays
    **{(s, Action.LINK_PROBLEM): s for s in Status},
}


def next_status(status: Status | None, action: Action, ref: str = "the call") -> Status:
    """The status `action` leads to from `status`, or `InvalidTransition` saying why not."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        label = status.label if status else "not yet logged"
        raise InvalidTransition(f"{ref} is {label}: you cannot {action.verb} it now") from None


def allowed_actions(status: Status) -> frozenset[Action]:
    """Actions the lifecycle allows from `status` (rights are checked separately)."""
    return frozenset(a for (s, a) in TRANSITIONS if s == status)
