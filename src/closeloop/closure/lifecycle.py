"""The call lifecycle as one closed table: (status, action) -> next status.

An action that is not in the table raises `InvalidTransition`; there is no default.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

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
    # the contact answers the resolved e-mail: confirms it (the closure group still closes), confirms it
    # and the partition closes on the user's word, or refuses it (back to the resolver)
    USER_ACCEPT = "user_accept"
    ACCEPT_AND_CLOSE = "accept_and_close"
    USER_REFUSE = "user_refuse"
    # closed without a resolution: cancelled, duplicate of another call, no response from the user
    CLOSE_UNRESOLVED = "close_unresolved"
    # the other call of a duplicate link hears of it; its status stays
    LINK_DUPLICATE = "link_duplicate"
    # Call Auto Close rules: a reminder (status stays; it does not restart the idle time), closing at
    # expiry, or escalating instead (to another group, maybe at a higher priority)
    REMIND = "remind"
    AUTO_CLOSE = "auto_close"
    ESCALATE = "escalate"
    # working the call: its details edited (status stays, before/after in the history) and work-log notes,
    # internal or visible to the contact
    EDIT = "edit"
    ADD_NOTE = "add_note"

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
    Action.USER_ACCEPT: "accept the resolution of",
    Action.ACCEPT_AND_CLOSE: "accept the resolution of",
    Action.USER_REFUSE: "refuse the resolution of",
    Action.CLOSE_UNRESOLVED: "close as unresolved",
    Action.LINK_DUPLICATE: "link a duplicate to",
    Action.REMIND: "send a reminder for",
    Action.AUTO_CLOSE: "auto-close",
    Action.ESCALATE: "escalate",
    Action.EDIT: "edit",
    Action.ADD_NOTE: "add a note to",
}

_WORKABLE = (Status.LOGGED, Status.ASSIGNED, Status.ON_HOLD)
_AWAITING_CLOSE = (Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE)
# the statuses a Call Auto Close rule may watch
_AUTO_CLOSE_WATCHED = (*_AWAITING_CLOSE, Status.ON_HOLD)

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
    **{(s, Action.USER_ACCEPT): s for s in _AWAITING_CLOSE},
    **{(s, Action.ACCEPT_AND_CLOSE): Status.CLOSED for s in _AWAITING_CLOSE},
    **{(s, Action.USER_REFUSE): Status.ASSIGNED for s in _AWAITING_CLOSE},
    **{(s, Action.CLOSE_UNRESOLVED): Status.CLOSED_UNRESOLVED for s in _WORKABLE + _AWAITING_CLOSE},
    **{(s, Action.LINK_DUPLICATE): s for s in Status},
    **{(s, Action.REMIND): s for s in _AUTO_CLOSE_WATCHED},
    **{(s, Action.AUTO_CLOSE): Status.CLOSED for s in _AWAITING_CLOSE},
    # a call on hold was never resolved: closing it at expiry ("no response from user") is unresolved
    (Status.ON_HOLD, Action.AUTO_CLOSE): Status.CLOSED_UNRESOLVED,
    **{(s, Action.ESCALATE): Status.FORWARD_FOR_CLOSURE for s in _AWAITING_CLOSE},
    # an escalated call on hold goes off hold to the escalation group's queue
    (Status.ON_HOLD, Action.ESCALATE): Status.ASSIGNED,
    # an open call's details may change until it is closed; the work log stays open as long
    **{(s, Action.EDIT): s for s in _WORKABLE + _AWAITING_CLOSE},
    **{(s, Action.ADD_NOTE): s for s in _WORKABLE + _AWAITING_CLOSE},
}


def next_status(status: Status | None, action: Action, ref: str = "the call") -> Status:
    """The status `action` leads to from `status`, or `InvalidTransition` saying why not."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        label = status.label if status else "not yet logged"
        raise InvalidTransition(f"{ref} is {label}: you cannot {action.verb} it now") from None


@cache  # the table is fixed: each status's actions are found once
def allowed_actions(status: Status) -> frozenset[Action]:
    """Actions the lifecycle allows from `status` (rights are checked separately)."""
    return frozenset(a for (s, a) in TRANSITIONS if s == status)
