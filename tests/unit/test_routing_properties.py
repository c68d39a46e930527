"""Routing and closing, for any partition: random analysts, groups, settings and calls, no database.

The expected outcome comes from docs/closure-model.md as written out in tests/closure_oracle.py, never
from the core's own routing functions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop.closure import (
    Action,
    Actor,
    CallFacts,
    CallType,
    Candidate,
    CloseloopError,
    ClosureMethod,
    ClosureRule,
    Directory,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    PartitionSettings,
    ReasonFacts,
    Right,
    Status,
    Target,
    changes,
)
from closeloop.closure.guards import check_closer, unclosable_calls
from closeloop.closure.preview import Routes, _after_save, preview_settings, resolved_again
from closeloop.closure.routing import (
    ROUTING_INPUT,
    facts_for_routing,
    reroute_stranded,
    route_for_closure,
    route_to_target,
    stranded_refs,
    target_has_eligible_closer,
)
from tests.closure_oracle import (
    WORKABLE,
    Route,
    expected_named_route,
    expected_reroute,
    expected_route,
    group_may_close,
    may_close,
    refusals_to_act,
)

TO_YOU, FOR_CLOSURE, CLOSED = Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE, Status.CLOSED

# Analysts 1-6 and groups 10-13 are the partition's; analyst 7 and group 99 belong to another partition.
ANALYST_IDS = st.integers(min_value=1, max_value=7)
GROUP_IDS = st.sampled_from([10, 11, 12, 13, 99])
MAYBE_ANALYST = st.sampled_from([None, 1, 2, 3, 4, 5, 6, 7])
MAYBE_GROUP = st.sampled_from([None, 10, 11, 12, 13, 99])
ANALYST_ROLE = frozenset({Right.LOG, Right.RESOLVE, Right.REASSIGN})
# mostly the documented IPK roles (Analyst, Closer, Read only), sometimes any mix of rights
RIGHTS = st.sampled_from([ANALYST_ROLE | {Right.CLOSE}, ANALYST_ROLE, frozenset()]) \
    | st.frozensets(st.sampled_from(list(Right)))
ACTIVE = st.sampled_from([True, True, True, False])


@st.composite
def directories(draw: st.DrawFn) -> Directory:
    analysts = {i: Candidate(i, f"analyst{i}", draw(ACTIVE), draw(RIGHTS)) for i in range(1, 7)}
    groups = {g: draw(st.frozensets(ANALYST_IDS, max_size=4)) for g in (10, 11, 12, 13)}
    return Directory("Default", analysts, groups, {g: f"group{g}" for g in groups})


def two_part_settings(methods: list[ClosureMethod]) -> st.SearchStrategy[PartitionSettings]:
    return st.builds(PartitionSettings, closure_method=st.sampled_from(methods),
                     closure_rule=st.sampled_from(list(ClosureRule)), closure_group_id=MAYBE_GROUP,
                     require_independent_closer=st.booleans(), allow_designated_closer=st.booleans(),
                     closure_reason_required=st.booleans())


TWO_PART = two_part_settings([ClosureMethod.COMMENTS, ClosureMethod.RULES])
ANY_METHOD = two_part_settings(list(ClosureMethod))


@st.composite
def calls(draw: st.DrawFn, statuses: list[Status]) -> CallFacts:
    """A call as the services leave it: one awaiting closure always names its target (the rows PROTECT it)."""
    status = draw(st.sampled_from(statuses))
    target_analyst = draw(ANALYST_IDS) if status is TO_YOU else None
    target_group = draw(GROUP_IDS) if status is FOR_CLOSURE else draw(MAYBE_GROUP) if target_analyst \
        else None
    return CallFacts("INC-000001", CallType.INCIDENT, status, logged_by_id=draw(MAYBE_ANALYST),
                     log_group_id=draw(MAYBE_GROUP), resolved_by_id=draw(MAYBE_ANALYST),
                     target_analyst_id=target_analyst, target_group_id=target_group)


RESOLVED = calls(list(Status))
AWAITING = calls([TO_YOU, FOR_CLOSURE])
TARGETS = st.none() | st.builds(Target, analyst_id=ANALYST_IDS) | st.builds(Target, group_id=GROUP_IDS)


def actor_of(d: Directory, analyst_id: int) -> Actor:
    """As the services build it: a deactivated analyst, or one from elsewhere, holds no right here."""
    c = d.analysts.get(analyst_id)
    return Actor(analyst_id, f"analyst{analyst_id}", c.rights if c is not None and c.active else frozenset())


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ANY_TYPE = ReasonFacts("FIXED", True, frozenset(CallType))  # a reason that fits any call


def shape(found: object) -> Route:
    """(status, analyst, group) of a change the core applied, or of a route (an analyst's route makes the call
    Forward to You for Close, a group's Forward for Closure: the documented statuses of the two targets)."""
    if isinstance(found, changes.CallChange):
        return found.after.status, found.after.target_analyst_id, found.after.target_group_id
    analyst_id, group_id = found.analyst_id, found.group_id  # type: ignore[attr-defined]
    return (TO_YOU if analyst_id is not None else FOR_CLOSURE), analyst_id, group_id


# --- routing a resolved call ------------------------------------------------------------------------------

@given(RESOLVED, TWO_PART, directories())
def test_a_resolved_call_goes_to_the_first_target_of_its_documented_chain_with_an_eligible_closer(call, s, d):
    expected = expected_route(call, s, d)
    if expected is None:
        with pytest.raises(NotAllowed, match="Nobody can validate INC-000001"):
            route_for_closure(call, s, d)
        return
    route = route_for_closure(call, s, d)
    assert shape(route) == expected
    status, analyst, group = expected
    # whoever is named may close it, and never the resolver when an independent closer is required
    assert may_close(d, s, analyst, call.resolved_by_id) if status is TO_YOU \
        else group_may_close(d, s, group, call.resolved_by_id)
    if s.require_independent_closer:
        assert analyst is None or analyst != call.resolved_by_id


@given(RESOLVED, TWO_PART, directories())
def test_routing_is_deterministic_whatever_order_the_directory_lists_people_and_groups_in(call, s, d):
    backwards = Directory(d.partition_name, dict(reversed(d.analysts.items())),
                          {g: frozenset(sorted(m, reverse=True)) for g, m in reversed(d.groups.items())},
                          dict(reversed(d.group_names.items())))
    outcomes = []
    for directory in (d, d, backwards):
        try:
            outcomes.append(route_for_closure(call, s, directory))
        except NotAllowed as refused:
            outcomes.append(refused.message)
    assert outcomes[0] == outcomes[1] == outcomes[2]


@given(RESOLVED, TWO_PART, directories(), TARGETS.filter(lambda t: t is not None))
def test_a_named_closer_or_group_is_accepted_only_when_it_can_close(call, s, d, target):
    expected = expected_named_route(call, target.analyst_id, target.group_id, s, d)
    if isinstance(expected, tuple):
        assert shape(route_to_target(call, target, s, d)) == expected
    else:
        with pytest.raises(expected):
            route_to_target(call, target, s, d)


@given(RESOLVED, ANY_METHOD, directories(), ANALYST_IDS, TARGETS)
def test_resolving_closes_routes_or_refuses_as_the_settings_say(call, s, d, resolver, target):
    actor = actor_of(d, resolver)
    resolved = replace(call, resolved_by_id=resolver)
    refusals: set[type[CloseloopError]] = set()
    if Right.RESOLVE not in actor.rights:
        refusals.add(NotAllowed)
    if call.status not in WORKABLE:
        refusals.add(InvalidTransition)
    expected: Route | None = None
    if s.closure_method is ClosureMethod.IMMEDIATE:
        if target is not None:
            refusals.add(InvalidInput)
        if Right.CLOSE not in actor.rights:
            refusals.add(NotAllowed)
        expected = (CLOSED, None, None)
    elif target is None:
        expected = expected_route(resolved, s, d)
        if expected is None:
            refusals.add(NotAllowed)
    elif s.closure_method is ClosureMethod.RULES and (target.group_id is not None or not s.allow_designated_closer):
        refusals.add(InvalidInput)
    else:
        named = expected_named_route(resolved, target.analyst_id, target.group_id, s, d)
        if isinstance(named, tuple):
            expected = named
        else:
            refusals.add(named)

    try:
        route = changes.resolve(call, actor, s, d, "Rebooted it", NOW, target=target, reason=ANY_TYPE)
    except CloseloopError as refused:
        assert type(refused) in refusals, f"{refused!r} not among {refusals}"
        return
    assert not refusals, f"resolved although {refusals} expected"
    assert shape(route) == expected
    if s.two_part:
        assert route.after.status is not CLOSED


# --- who may act on a call awaiting closure -----------------------------------------------------------------

CLOSING_ACTIONS = st.sampled_from([Action.CLOSE, Action.REJECT, Action.FORWARD_TO_ANALYST, Action.FORWARD_TO_GROUP,
                                   Action.TAKE])


def someone_at(call: CallFacts, d: Directory) -> st.SearchStrategy[int]:
    """Often the call's target analyst or a member of its target group, sometimes anyone."""
    insiders = sorted({call.target_analyst_id} - {None} | d.groups.get(call.target_group_id, frozenset()))
    return st.sampled_from(insiders) | ANALYST_IDS if insiders else ANALYST_IDS  # type: ignore[arg-type]


@given(AWAITING | RESOLVED, ANY_METHOD, directories(), CLOSING_ACTIONS, st.data())
def test_only_an_eligible_closer_of_the_current_target_may_act_on_a_call_awaiting_closure(call, s, d, act, data):
    who = data.draw(someone_at(call, d))
    actor = actor_of(d, who)
    refusals = refusals_to_act(call, act, who, s, d)
    try:
        check_closer(call, actor, s, d, act)
    except CloseloopError as refused:
        assert type(refused) in refusals
        return
    assert not refusals


@given(AWAITING, ANY_METHOD, directories(), st.data())
def test_taking_a_call_makes_it_forward_to_you_for_close_for_the_taker(call, s, d, data):
    who = data.draw(someone_at(call, d))
    try:
        route = changes.take(call, actor_of(d, who), s, d, NOW)
    except (InvalidTransition, NotAllowed):
        return
    assert call.status is FOR_CLOSURE and who in d.groups[call.target_group_id]  # type: ignore[index]
    assert may_close(d, s, who, call.resolved_by_id)
    assert shape(route) == (TO_YOU, who, call.target_group_id)


# --- the orphan guard's re-route --------------------------------------------------------------------------

@given(RESOLVED, TWO_PART, directories())
def test_a_stranded_call_moves_along_its_chain_then_to_any_eligible_closer(call, s, d):
    route = reroute_stranded(call, s, d)
    expected = expected_reroute(call, s, d)
    assert (route and shape(route)) == expected
    if route is not None:
        assert may_close(d, s, route.analyst_id, call.resolved_by_id) if route.to_analyst \
            else group_may_close(d, s, route.group_id, call.resolved_by_id)


# --- routing many calls at once (the what-if previews) -------------------------------------------------------

ONE_FIELD_CHANGED = st.sampled_from([
    ("status", st.sampled_from(list(Status))), ("target_analyst_id", MAYBE_ANALYST),
    ("target_group_id", MAYBE_GROUP), ("logged_by_id", MAYBE_ANALYST), ("log_group_id", MAYBE_GROUP),
    ("resolved_by_id", MAYBE_ANALYST)])


@settings(max_examples=400)
@given(RESOLVED, st.data(), ANY_METHOD, directories())
def test_a_preview_routing_each_distinct_call_once_answers_as_routing_every_call(first, data, s, d):
    """`Routes` works each answer out once per `routing_input`: calls alike in it must go alike, so the answers
    for calls that each differ from the first in one fact are those of routing every call on its own."""
    routes = Routes(s, d)
    variants = [first]
    for _ in range(6):
        name, values = data.draw(ONE_FIELD_CHANGED)
        variants.append(replace(first, **{name: data.draw(values)}))
    for call in variants + variants:
        assert routes.resolved_again(call) == resolved_again(call, s, d)
        assert routes.after_save(call) == _after_save(call, s, d)


# the facts routing does not read, as a real call has them
OTHER_FACTS = st.fixed_dictionaries({
    "call_type": st.sampled_from(list(CallType)), "priority": st.integers(1, 4), "times_rejected": st.integers(0, 3),
    "assigned_analyst_id": MAYBE_ANALYST, "assigned_group_id": MAYBE_GROUP, "resolution": st.sampled_from(["", "x"])})
FULL_CALLS = st.lists(st.tuples(RESOLVED, OTHER_FACTS).map(lambda pair: replace(pair[0], **pair[1])), max_size=6)


@settings(max_examples=200)
@given(FULL_CALLS, FULL_CALLS, ANY_METHOD, ANY_METHOD, directories())
def test_calls_read_as_routing_reads_them_give_the_same_settings_preview(waiting, recent, before, after, d):
    """The closure settings preview reads of each call only what `facts_for_routing` takes: the preview must
    not change."""
    def read(call: CallFacts) -> CallFacts:
        return facts_for_routing(call.ref, *ROUTING_INPUT(call))

    full = preview_settings(waiting, recent, before, after, d)
    reduced = preview_settings([read(c) for c in waiting], [read(c) for c in recent], before, after, d)
    assert reduced.as_dict() == full.as_dict()


@settings(max_examples=200)
@given(st.lists(st.tuples(AWAITING, st.integers(1, 3)), max_size=8), ANY_METHOD, directories())
def test_the_guards_answer_once_per_routing_input_as_they_would_call_by_call(drawn, s, d):
    """`stranded_refs` and `unclosable_calls` keep each answer per `routing_input`: calls alike but for their
    reference and resolver must get the answers routing each call on its own gives."""
    # the copies of a call differ in reference and resolver only
    waiting = [replace(call, ref=f"INC-{n:06d}-{copy}", resolved_by_id=(call.resolved_by_id, 1, 2)[copy])
               for n, (call, copies) in enumerate(drawn) for copy in range(copies)]
    assert stranded_refs(waiting, s, d) == [c.ref for c in waiting if reroute_stranded(c, s, d) is not None]
    assert unclosable_calls(waiting, s, d) == [
        c.ref for c in waiting if not target_has_eligible_closer(c, s, d) and reroute_stranded(c, s, d) is None]
