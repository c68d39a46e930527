"""A small partition described as plain values, for testing the closure core without a database."""

from __future__ import annotations

from dataclasses import replace

from closeloop.closure import (
    Actor,
    CallFacts,
    CallType,
    Candidate,
    ClosureMethod,
    ClosureRule,
    Directory,
    PartitionSettings,
    Right,
    Status,
)

WORKER = frozenset({Right.LOG, Right.RESOLVE, Right.REASSIGN})
CLOSER = WORKER | {Right.CLOSE}

LOGGER, RESOLVER, CLOSER_A, CLOSER_B, LEFT, READER = 1, 2, 3, 4, 5, 6
LOG_GROUP, CLOSURE_GROUP, EMPTY_GROUP, GHOST_GROUP = 10, 11, 12, 13

ANALYSTS = {
    LOGGER: Candidate(LOGGER, "logger", True, WORKER),
    RESOLVER: Candidate(RESOLVER, "resolver", True, WORKER),
    CLOSER_A: Candidate(CLOSER_A, "closer_a", True, CLOSER),
    CLOSER_B: Candidate(CLOSER_B, "closer_b", True, CLOSER),
    LEFT: Candidate(LEFT, "left", False, CLOSER),
    READER: Candidate(READER, "reader", True, frozenset()),
}
GROUPS = {
    LOG_GROUP: frozenset({LOGGER, RESOLVER, CLOSER_A}),
    CLOSURE_GROUP: frozenset({CLOSER_B}),
    EMPTY_GROUP: frozenset(),
    GHOST_GROUP: frozenset({LEFT, RESOLVER}),
}
NAMES = {LOG_GROUP: "Service Desk", CLOSURE_GROUP: "Closure Group", EMPTY_GROUP: "Empty", GHOST_GROUP: "Ghosts"}


def directory(**changes: Candidate) -> Directory:
    analysts = dict(ANALYSTS)
    for candidate in changes.values():
        analysts[candidate.analyst_id] = candidate
    return Directory("Default", analysts, GROUPS, NAMES)


def without_group_member(group_id: int, analyst_id: int) -> Directory:
    groups = dict(GROUPS)
    groups[group_id] = groups[group_id] - {analyst_id}
    return Directory("Default", ANALYSTS, groups, NAMES)


def settings(**changes: object) -> PartitionSettings:
    base = PartitionSettings(closure_method=ClosureMethod.RULES, closure_rule=ClosureRule.LOGGED_BY,
                             closure_group_id=CLOSURE_GROUP)
    return replace(base, **changes)  # type: ignore[arg-type]


def call(**changes: object) -> CallFacts:
    base = CallFacts(ref="INC-000001", call_type=CallType.INCIDENT, status=Status.ASSIGNED,
                     logged_by_id=LOGGER, log_group_id=LOG_GROUP)
    return replace(base, **changes)  # type: ignore[arg-type]


def actor(analyst_id: int) -> Actor:
    c = ANALYSTS[analyst_id]
    return Actor(c.analyst_id, c.name, c.rights if c.active else frozenset())


def inactive(analyst_id: int) -> Candidate:
    return replace(ANALYSTS[analyst_id], active=False)


def with_rights(analyst_id: int, rights: frozenset[Right]) -> Candidate:
    return replace(ANALYSTS[analyst_id], rights=rights)
