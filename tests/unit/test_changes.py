"""The core applies every change: random sequences of actions by random analysts, with no database.

Whatever is tried, a change that is not refused moves the call exactly as the lifecycle table says, keeps
every fact the action does not concern, and a call awaiting closure always names a target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from closeloop.closure import (
    CLOSURE_STATUSES,
    TRANSITIONS,
    Action,
    CallFacts,
    CallType,
    CloseloopError,
    ClosureMethod,
    ClosureRule,
    ReasonFacts,
    Status,
    Target,
    changes,
)

from .world import ANALYSTS, CLOSER_A, CLOSER_B, CLOSURE_GROUP, GROUPS, LOG_GROUP, LOGGER, RESOLVER, actor, directory
from .world import settings as partition_settings

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FIXED = ReasonFacts("FIXED", True, frozenset(CallType), reason_id=1)
# The facts each action may change, besides the status; every other fact must come out as it went in.
MAY_CHANGE = {
    Action.ASSIGN: {"assigned_group_id", "assigned_analyst_id"},
    Action.HOLD: set(),
    Action.RESUME: set(),
    Action.RESOLVE_TO_ANALYST: {"resolution", "resolved_by_id", "resolved_at", "target_analyst_id",
                                "target_group_id", "forwarded_at", "user_confirmed_at"},
    Action.RESOLVE_AND_CLOSE: {"resolution", "resolved_by_id", "resolved_at", "closure_comments",
                               "closure_reason_id", "closed_by_id", "closed_at", "user_confirmed_at"},
    Action.TAKE: {"target_analyst_id", "target_group_id", "forwarded_at"},
    Action.CLOSE: {"closure_comments", "closure_reason_id", "closed_by_id", "closed_at"},
    Action.REJECT: {"assigned_analyst_id", "target_analyst_id", "target_group_id", "forwarded_at",
                    "times_rejected"},
    Action.LINK_PROBLEM: {"problem_id"},
}
MAY_CHANGE[Action.RESOLVE_TO_GROUP] = MAY_CHANGE[Action.RESOLVE_TO_ANALYST]
MAY_CHANGE[Action.FORWARD_TO_ANALYST] = MAY_CHANGE[Action.TAKE]
MAY_CHANGE[Action.FORWARD_TO_GROUP] = MAY_CHANGE[Action.TAKE]

WAITED_FOR = 0  # "whoever the call waits for": its closer, a closer of its group, or its assignee
analysts = st.sampled_from(sorted(ANALYSTS))
closers = st.sampled_from([CLOSER_A, CLOSER_B])
groups = st.sampled_from(sorted(GROUPS))
verbs = st.sampled_from(["assign", "hold", "resume", "resolve", "take", "forward", "close", "reject", "link"])
steps = st.tuples(verbs, st.one_of(st.just(WAITED_FOR), closers, analysts), st.one_of(st.none(), closers, analysts),
                  st.one_of(st.none(), groups))


def waited_for(call: CallFacts) -> int:
    if call.target_analyst_id is not None:
        return call.target_analyst_id
    if call.target_group_id is not None:
        members = GROUPS.get(call.target_group_id, frozenset()) & {CLOSER_A, CLOSER_B}
        return min(members) if members else CLOSER_B
    return call.assigned_analyst_id or RESOLVER
desk_settings = st.builds(partition_settings, closure_method=st.sampled_from(ClosureMethod),
                          closure_rule=st.sampled_from(ClosureRule), allow_designated_closer=st.booleans(),
                          require_independent_closer=st.just(False))


def attempt(call: CallFacts, step: tuple[str, int, int | None, int | None], settings_: object,
            at: datetime) -> changes.CallChange:
    verb, who, analyst_id, group_id = step
    acting, people = actor(waited_for(call) if who == WAITED_FOR else who), directory()
    target = Target(analyst_id, None) if analyst_id is not None else Target(None, group_id or CLOSURE_GROUP)
    if verb == "assign":
        return changes.assign(call, acting, people, group_id, analyst_id)
    if verb in ("hold", "resume"):
        return getattr(changes, verb)(call, acting, people, "waiting")
    if verb == "resolve":
        return changes.resolve(call, acting, settings_, people, "Rebooted", at,  # type: ignore[arg-type]
                               target=target if analyst_id is not None else None, reason=FIXED)
    if verb == "take":
        return changes.take(call, acting, settings_, people, at)  # type: ignore[arg-type]
    if verb == "forward":
        return changes.forward(call, acting, settings_, people, target, "on leave", at)  # type: ignore[arg-type]
    if verb == "close":
        return changes.close(call, acting, settings_, people, "Confirmed", FIXED, at)  # type: ignore[arg-type]
    if verb == "reject":
        return changes.reject(call, acting, settings_, people, "Still broken")  # type: ignore[arg-type]
    return changes.link_problem(call, acting, people, 99, "PRB-000001")


def test_every_change_moves_the_call_as_the_lifecycle_table_says():
    seen: Counter[Action] = Counter()

    @settings(max_examples=400, deadline=None, derandomize=True)  # the same runs every time: no flaky coverage
    @given(desk_settings, st.lists(steps, min_size=1, max_size=25))
    @example(partition_settings(), [("assign", LOGGER, RESOLVER, LOG_GROUP), ("hold", WAITED_FOR, None, None),
                                    ("resume", WAITED_FOR, None, None), ("resolve", WAITED_FOR, None, None),
                                    ("reject", WAITED_FOR, None, None), ("resolve", WAITED_FOR, None, None),
                                    ("take", WAITED_FOR, None, None), ("forward", WAITED_FOR, None, CLOSURE_GROUP),
                                    ("forward", WAITED_FOR, CLOSER_A, None),
                                    ("close", WAITED_FOR, None, None), ("link", CLOSER_A, None, None)])
    def play(settings_, plan):  # type: ignore[no-untyped-def]
        call = changes.log("INC-000001", CallType.INCIDENT, actor(LOGGER), directory(), LOG_GROUP).after
        assert call.status is TRANSITIONS[(None, Action.LOG)]
        for minute, step in enumerate(plan):
            try:
                change = attempt(call, step, settings_, START + timedelta(minutes=minute))
            except CloseloopError:
                continue
            seen[change.action] += 1
            assert change.before == call and change.from_status is call.status
            assert change.after.status is TRANSITIONS[(call.status, change.action)]
            changed = {f.name for f in fields(CallFacts) if getattr(call, f.name) != getattr(change.after, f.name)}
            assert changed - {"status"} <= MAY_CHANGE[change.action], (change.action, changed)
            if change.after.status in CLOSURE_STATUSES:
                assert change.after.target_analyst_id is not None or change.after.target_group_id is not None
            if change.after.status is Status.FORWARD_TO_YOU_FOR_CLOSE:
                assert change.after.target_analyst_id is not None
            call = change.after

    play()
    # the run proves something only if every action got through at least once
    assert set(seen) == set(MAY_CHANGE), f"never applied: {set(MAY_CHANGE) - set(seen)}"


def test_a_rejection_sends_the_call_back_to_its_resolver_and_counts_it():
    call = changes.log("INC-000001", CallType.INCIDENT, actor(LOGGER), directory(), LOG_GROUP).after
    call = changes.assign(call, actor(LOGGER), directory(), LOG_GROUP, 2).after
    call = changes.resolve(call, actor(2), partition_settings(), directory(), "Rebooted", START).after
    rejected = changes.reject(call, actor(3), partition_settings(), directory(), "Still broken")
    assert (rejected.after.status, rejected.after.assigned_analyst_id, rejected.after.times_rejected) == \
        (Status.ASSIGNED, 2, 1)
    assert rejected.details == {"back_to": "resolver"} and rejected.note == "Still broken"


@given(st.sampled_from(list(Status)), st.integers(min_value=1, max_value=4), st.none() | st.integers(1, 9))
def test_facts_but_makes_what_dataclasses_replace_makes(status, priority, closer):
    call = CallFacts(ref="INC-000001", call_type=CallType.INCIDENT, status=Status.ASSIGNED, logged_by_id=LOGGER)
    assert call.but(status=status, priority=priority, closed_by_id=closer) == replace(
        call, status=status, priority=priority, closed_by_id=closer)
    assert call.status is Status.ASSIGNED  # the facts it was made from are unchanged


def test_facts_but_refuses_a_field_calls_do_not_have():
    call = CallFacts(ref="INC-000001", call_type=CallType.INCIDENT, status=Status.ASSIGNED, logged_by_id=LOGGER)
    with pytest.raises(TypeError, match="no field colour"):
        call.but(colour="red")


def test_facts_made_from_every_field_equal_those_made_by_init():
    call = CallFacts(ref="INC-000001", call_type=CallType.PROBLEM, status=Status.ON_HOLD, logged_by_id=LOGGER,
                     priority=2, times_refused=1)
    assert CallFacts.made(**{f.name: getattr(call, f.name) for f in fields(CallFacts)}) == call


def test_facts_made_without_a_field_or_with_an_unknown_one_are_refused():
    every = {f.name: None for f in fields(CallFacts)}
    with pytest.raises(TypeError, match="missing ref, unknown none"):
        CallFacts.made(**{k: v for k, v in every.items() if k != "ref"})
    with pytest.raises(TypeError, match="missing none, unknown colour"):
        CallFacts.made(**every, colour="red")
