"""What docs/closure-model.md says should happen, written out for tests to compare the closure core with.

Nothing here calls the core's lifecycle, routing or rules: the core's frozen values (`CallFacts`,
`Directory`, `PartitionSettings`) are only used as plain records. Unit tests feed it random partitions; the
integration state machine feeds it what the database says.
"""

from __future__ import annotations

from closeloop.closure import (
    Action,
    CallFacts,
    CloseloopError,
    ClosureMethod,
    ClosureRule,
    Directory,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    PartitionSettings,
    Right,
    Status,
)

__all__ = ["DOCUMENTED", "WORKABLE", "AWAITING", "Route", "may_close", "group_may_close", "target_may_close",
           "expected_route", "expected_named_route", "expected_reroute", "refusals_to_act",
           "guard_refuses"]

LOGGED, ASSIGNED, ON_HOLD = Status.LOGGED, Status.ASSIGNED, Status.ON_HOLD
TO_YOU, FOR_CLOSURE, CLOSED = Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE, Status.CLOSED
UNRESOLVED = Status.CLOSED_UNRESOLVED

WORKABLE = frozenset({LOGGED, ASSIGNED, ON_HOLD})
AWAITING = frozenset({TO_YOU, FOR_CLOSURE})

# The Transitions table, one line per cell: (from, action) -> to. Not derived from the core's TRANSITIONS.
DOCUMENTED: dict[tuple[Status | None, Action], Status] = {
    (None, Action.LOG): LOGGED,
    (LOGGED, Action.ASSIGN): ASSIGNED,
    (ASSIGNED, Action.ASSIGN): ASSIGNED,
    (ON_HOLD, Action.ASSIGN): ASSIGNED,
    (ASSIGNED, Action.HOLD): ON_HOLD,
    (ON_HOLD, Action.RESUME): ASSIGNED,
    (LOGGED, Action.RESOLVE_TO_ANALYST): TO_YOU,
    (ASSIGNED, Action.RESOLVE_TO_ANALYST): TO_YOU,
    (ON_HOLD, Action.RESOLVE_TO_ANALYST): TO_YOU,
    (LOGGED, Action.RESOLVE_TO_GROUP): FOR_CLOSURE,
    (ASSIGNED, Action.RESOLVE_TO_GROUP): FOR_CLOSURE,
    (ON_HOLD, Action.RESOLVE_TO_GROUP): FOR_CLOSURE,
    (LOGGED, Action.RESOLVE_AND_CLOSE): CLOSED,
    (ASSIGNED, Action.RESOLVE_AND_CLOSE): CLOSED,
    (ON_HOLD, Action.RESOLVE_AND_CLOSE): CLOSED,
    (FOR_CLOSURE, Action.TAKE): TO_YOU,
    (TO_YOU, Action.FORWARD_TO_ANALYST): TO_YOU,
    (FOR_CLOSURE, Action.FORWARD_TO_ANALYST): TO_YOU,
    (TO_YOU, Action.FORWARD_TO_GROUP): FOR_CLOSURE,
    (FOR_CLOSURE, Action.FORWARD_TO_GROUP): FOR_CLOSURE,
    (TO_YOU, Action.CLOSE): CLOSED,
    (FOR_CLOSURE, Action.CLOSE): CLOSED,
    (TO_YOU, Action.REJECT): ASSIGNED,
    (FOR_CLOSURE, Action.REJECT): ASSIGNED,
    # "any | link to a Problem | unchanged"
    (LOGGED, Action.LINK_PROBLEM): LOGGED,
    (ASSIGNED, Action.LINK_PROBLEM): ASSIGNED,
    (ON_HOLD, Action.LINK_PROBLEM): ON_HOLD,
    (TO_YOU, Action.LINK_PROBLEM): TO_YOU,
    (FOR_CLOSURE, Action.LINK_PROBLEM): FOR_CLOSURE,
    (CLOSED, Action.LINK_PROBLEM): CLOSED,
    (UNRESOLVED, Action.LINK_PROBLEM): UNRESOLVED,
    # "awaiting closure | the contact accepts | unchanged (confirmation recorded)"
    (TO_YOU, Action.USER_ACCEPT): TO_YOU,
    (FOR_CLOSURE, Action.USER_ACCEPT): FOR_CLOSURE,
    (TO_YOU, Action.ACCEPT_AND_CLOSE): CLOSED,
    (FOR_CLOSURE, Action.ACCEPT_AND_CLOSE): CLOSED,
    (TO_YOU, Action.USER_REFUSE): ASSIGNED,
    (FOR_CLOSURE, Action.USER_REFUSE): ASSIGNED,
    # "open | close as unresolved | Closed/Unresolved"
    (LOGGED, Action.CLOSE_UNRESOLVED): UNRESOLVED,
    (ASSIGNED, Action.CLOSE_UNRESOLVED): UNRESOLVED,
    (ON_HOLD, Action.CLOSE_UNRESOLVED): UNRESOLVED,
    (TO_YOU, Action.CLOSE_UNRESOLVED): UNRESOLVED,
    (FOR_CLOSURE, Action.CLOSE_UNRESOLVED): UNRESOLVED,
    # "any | link a duplicate | unchanged"
    (LOGGED, Action.LINK_DUPLICATE): LOGGED,
    (ASSIGNED, Action.LINK_DUPLICATE): ASSIGNED,
    (ON_HOLD, Action.LINK_DUPLICATE): ON_HOLD,
    (TO_YOU, Action.LINK_DUPLICATE): TO_YOU,
    (FOR_CLOSURE, Action.LINK_DUPLICATE): FOR_CLOSURE,
    (CLOSED, Action.LINK_DUPLICATE): CLOSED,
    (UNRESOLVED, Action.LINK_DUPLICATE): UNRESOLVED,
    # Call Auto Close: "watched | reminder | unchanged", expiry closes or escalates
    (TO_YOU, Action.REMIND): TO_YOU,
    (FOR_CLOSURE, Action.REMIND): FOR_CLOSURE,
    (ON_HOLD, Action.REMIND): ON_HOLD,
    (TO_YOU, Action.AUTO_CLOSE): CLOSED,
    (FOR_CLOSURE, Action.AUTO_CLOSE): CLOSED,
    (ON_HOLD, Action.AUTO_CLOSE): UNRESOLVED,
    (TO_YOU, Action.ESCALATE): FOR_CLOSURE,
    (FOR_CLOSURE, Action.ESCALATE): FOR_CLOSURE,
    (ON_HOLD, Action.ESCALATE): ASSIGNED,
    # working an open call: edits and work-log notes keep its status; a closed call is read-only
    **{(s, Action.EDIT): s for s in (LOGGED, ASSIGNED, ON_HOLD, TO_YOU, FOR_CLOSURE)},
    **{(s, Action.ADD_NOTE): s for s in (LOGGED, ASSIGNED, ON_HOLD, TO_YOU, FOR_CLOSURE)},
}

# Routing and fallback chains: the targets tried in order; method `comments` uses the logged-by chain.
CHAINS = {
    ClosureRule.LOGGED_BY: ("logging analyst", "log group", "closure group"),
    ClosureRule.LOG_GROUP: ("log group", "closure group"),
    ClosureRule.CLOSURE_GROUP: ("closure group",),
}

Route = tuple[Status, int | None, int | None]  # closure status, target analyst, target group


def may_close(d: Directory, s: PartitionSettings, analyst_id: int | None, resolver: int | None) -> bool:
    """An eligible closer: active, holding Closure Comments in the partition, not the resolver if required."""
    c = d.analysts.get(analyst_id) if analyst_id is not None else None
    return (c is not None and c.active and Right.CLOSE in c.rights
            and not (s.require_independent_closer and analyst_id == resolver))


def group_may_close(d: Directory, s: PartitionSettings, group_id: int | None, resolver: int | None) -> bool:
    return group_id in d.groups and any(may_close(d, s, m, resolver) for m in d.groups[group_id])


def target_may_close(call: CallFacts, s: PartitionSettings, d: Directory) -> bool:
    """Someone may close this call where it waits now (named analyst, or a member of the named group)."""
    if call.status is TO_YOU:
        return may_close(d, s, call.target_analyst_id, call.resolved_by_id)
    if call.status is FOR_CLOSURE:
        return group_may_close(d, s, call.target_group_id, call.resolved_by_id)
    return True


def expected_route(call: CallFacts, s: PartitionSettings, d: Directory) -> Route | None:
    """The first target of the call's chain with an eligible closer, or None if the chain has none."""
    rule = s.closure_rule if s.closure_method is ClosureMethod.RULES else ClosureRule.LOGGED_BY
    for step in CHAINS[rule]:
        if step == "logging analyst":
            if may_close(d, s, call.logged_by_id, call.resolved_by_id):
                return TO_YOU, call.logged_by_id, None
            continue
        group = call.log_group_id if step == "log group" else s.closure_group_id
        if group_may_close(d, s, group, call.resolved_by_id):
            return FOR_CLOSURE, None, group
    return None


def expected_named_route(call: CallFacts, analyst_id: int | None, group_id: int | None, s: PartitionSettings,
                         d: Directory) -> Route | type[CloseloopError]:
    """A closer or group named by the user: accepted only if they may close it."""
    if analyst_id is not None:
        if analyst_id not in d.analysts:
            return InvalidInput
        return (TO_YOU, analyst_id, None) if may_close(d, s, analyst_id, call.resolved_by_id) else NotAllowed
    if group_id not in d.groups:
        return InvalidInput
    return (FOR_CLOSURE, None, group_id) if group_may_close(d, s, group_id, call.resolved_by_id) else NotAllowed


def expected_reroute(call: CallFacts, s: PartitionSettings, d: Directory) -> Route | None:
    """Where the orphan guard moves a waiting call nobody may close any more (None: it stays put).

    Along its chain; failing that, to the partition's first eligible closer (lowest id).
    """
    if call.status not in AWAITING or target_may_close(call, s, d):
        return None
    if (route := expected_route(call, s, d)) is not None:
        return route
    anyone = sorted(a for a in d.analysts if may_close(d, s, a, call.resolved_by_id))
    return (TO_YOU, anyone[0], None) if anyone else None


def refusals_to_act(call: CallFacts, action: Action, who: int, s: PartitionSettings,
                    d: Directory) -> set[type[CloseloopError]]:
    """Every reason `who` may not take/close/reject/forward the call (none: they may).

    Only an eligible closer of the call's current target may act, and only from the documented statuses.
    """
    refusals: set[type[CloseloopError]] = set()
    if (call.status, action) not in DOCUMENTED:
        refusals.add(InvalidTransition)
    members = d.groups.get(call.target_group_id, frozenset()) if call.target_group_id is not None else frozenset()
    at_target = call.target_analyst_id == who if call.status is TO_YOU else who in members
    if not may_close(d, s, who, call.resolved_by_id) or not at_target:
        refusals.add(NotAllowed)
    return refusals


def guard_refuses(s: PartitionSettings, d: Directory, waiting: list[CallFacts]) -> bool:
    """The orphan guard: would these settings with this directory leave a validator missing?"""
    if s.closure_method is ClosureMethod.IMMEDIATE and s.require_independent_closer:
        return True
    if s.closure_method is ClosureMethod.RULES and s.closure_group_id is None:
        return True
    if s.closure_group_id is not None and not group_may_close(d, s, s.closure_group_id, None):
        return True
    if s.closure_method is ClosureMethod.COMMENTS and not any(may_close(d, s, a, None) for a in d.analysts):
        return True
    return any(not target_may_close(c, s, d) and expected_reroute(c, s, d) is None for c in waiting)
