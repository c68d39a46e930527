"""The closure core: Closeloop's two-part close rules in plain Python (no Django, stdlib only).

Services build the frozen values of `model`, have `changes` decide and apply each call action (through
`lifecycle`, `routing` and the `guards` every change passes), and write back what comes back inside a
database transaction.
"""

from .acceptance import user_accept, user_refuse
from .errors import (
    ChangedByOther,
    CloseloopError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    SettingsRejected,
)
from .lifecycle import TRANSITIONS, Action, allowed_actions, next_status
from .model import (
    CLOSED_STATUSES,
    CLOSURE_STATUSES,
    OPEN_STATUSES,
    Actor,
    AdminRight,
    CallFacts,
    CallType,
    Candidate,
    ChecklistItemFacts,
    ClosureMethod,
    ClosureRoute,
    ClosureRule,
    Directory,
    PartitionSettings,
    ReasonFacts,
    Right,
    Status,
    Target,
    parse_choice,
)

__all__ = [
    "Action",
    "Actor",
    "AdminRight",
    "CLOSED_STATUSES",
    "CLOSURE_STATUSES",
    "CallFacts",
    "CallType",
    "Candidate",
    "ChangedByOther",
    "ChecklistItemFacts",
    "CloseloopError",
    "ClosureMethod",
    "ClosureRoute",
    "ClosureRule",
    "Directory",
    "InvalidInput",
    "InvalidTransition",
    "NotAllowed",
    "NotFound",
    "OPEN_STATUSES",
    "PartitionSettings",
    "ReasonFacts",
    "Right",
    "SettingsRejected",
    "Status",
    "TRANSITIONS",
    "Target",
    "allowed_actions",
    "next_status",
    "parse_choice",
    "user_accept",
    "user_refuse",
]
