"""Why a call page does not offer an action: one line per main action of the call's stage."""

from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import Action, ClosureMethod, Status, guards
from closeloop.closure.offers import OFFER_TITLES, why_not, why_not_lines

from .world import (
    ANALYSTS,
    CLOSER_A,
    CLOSER_B,
    CLOSURE_GROUP,
    LOG_GROUP,
    READER,
    RESOLVER,
    actor,
    call,
    directory,
    settings,
)

WAITING_FOR_GROUP = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP, resolved_by_id=RESOLVER)
WAITING_FOR_B = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_B, resolved_by_id=RESOLVER)


def test_a_read_only_analyst_is_told_each_missing_right_on_an_open_call():
    lines = why_not(call(), actor(READER), settings(), directory())
    assert lines[Action.RESOLVE_TO_GROUP] == ("Resolve is not offered: reader lacks the 'Resolve' right (resolve) "
                                             "in partition Default")
    assert lines[Action.ASSIGN].startswith("Assign is not offered: reader lacks the 'Reassign' right")
    assert lines[Action.HOLD].startswith("Put on hold is not offered: reader lacks the 'Resolve' right")
    assert Action.CLOSE not in lines  # an open call is not closed: nothing to explain


def test_a_resolver_without_closure_comments_is_told_the_partition_closes_on_resolve():
    lines = why_not(call(), actor(RESOLVER), settings(closure_method=ClosureMethod.IMMEDIATE), directory())
    assert lines[Action.RESOLVE_TO_GROUP] == (
        "Resolve is not offered: partition Default closes calls when they are resolved, and resolver lacks the "
        "'Closure Comments' right (close) in partition Default")


def test_the_resolver_is_told_an_independent_closer_must_close_it():
    waiting = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP, resolved_by_id=CLOSER_A)
    lines = why_not(waiting, actor(CLOSER_A), settings(require_independent_closer=True), directory())
    assert lines[Action.CLOSE] == ("Close is not offered: closer_a resolved INC-000001 and partition Default "
                                   "requires an independent closer")
    assert lines[Action.TAKE].startswith("Take is not offered: closer_a resolved INC-000001")


def test_take_says_whom_a_call_forwarded_to_one_closer_waits_for():
    lines = why_not(WAITING_FOR_B, actor(CLOSER_A), settings(), directory())
    assert lines[Action.TAKE] == "Take is not offered: INC-000001 waits for closer_b personally"
    assert lines[Action.CLOSE].startswith("Close is not offered: INC-000001 is forwarded to closer_b for close")


def test_the_closer_a_call_waits_for_is_told_nothing():
    assert why_not(WAITING_FOR_B, actor(CLOSER_B), settings(), directory()) == {}


def test_a_closer_outside_the_target_group_is_told_only_its_members_may_act():
    lines = why_not(WAITING_FOR_GROUP, actor(CLOSER_B), settings(), directory())
    assert lines[Action.CLOSE] == ("Close is not offered: INC-000001 is forwarded for closure to Service Desk: "
                                   "only its members may close it")


def test_actions_refused_for_the_same_reason_share_one_line():
    lines = why_not_lines(WAITING_FOR_GROUP, actor(READER), settings(), directory())
    assert lines == ["Take, Close, Reject resolution, Re-forward and Close as unresolved are not offered: reader lacks "
                     "the 'Closure Comments' right (close) in partition Default"]


def test_a_closed_call_explains_nothing():
    assert why_not(call(status=Status.CLOSED), actor(READER), settings(), directory()) == {}


def test_the_system_operator_is_told_it_cannot_take_calls():
    from closeloop.closure import Actor

    lines = why_not(call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=CLOSURE_GROUP, resolved_by_id=RESOLVER),
                    Actor.system(), settings(), directory())
    assert lines == {Action.TAKE: "Take is not offered: the system operator cannot take calls: act as an analyst"}


@given(who=st.sampled_from(sorted(ANALYSTS)),
       status=st.sampled_from([s for s in Status]),
       target=st.sampled_from([("g", LOG_GROUP), ("g", CLOSURE_GROUP), ("a", CLOSER_A), ("a", CLOSER_B)]),
       method=st.sampled_from(list(ClosureMethod)),
       independent=st.booleans())
def test_an_action_is_never_both_offered_and_explained(who, status, target, method, independent):
    if method is ClosureMethod.IMMEDIATE:
        independent = False
    kind, target_id = target
    facts = call(status=status, resolved_by_id=RESOLVER if status in (Status.FORWARD_FOR_CLOSURE,
                                                                   Status.FORWARD_TO_YOU_FOR_CLOSE) else None,
                 target_group_id=target_id if kind == "g" else None,
                 target_analyst_id=target_id if kind == "a" else None)
    mismatched = {(Status.FORWARD_FOR_CLOSURE, "a"), (Status.FORWARD_TO_YOU_FOR_CLOSE, "g")}
    if (status, kind) in mismatched:
        return
    rules = settings(closure_method=method, require_independent_closer=independent)
    offered = guards.permitted_actions(facts, actor(who), rules, directory())
    lines = why_not(facts, actor(who), rules, directory())
    assert set(lines) <= set(OFFER_TITLES)
    for action in lines:
        same = {Action.RESOLVE_TO_GROUP, Action.RESOLVE_AND_CLOSE} if action is Action.RESOLVE_TO_GROUP else {action}
        assert not same & offered
        assert lines[action].startswith(f"{OFFER_TITLES[action]} is not offered: ")


def test_a_closer_outside_the_target_group_reads_one_line_for_every_closure_action():
    lines = why_not_lines(WAITING_FOR_GROUP, actor(CLOSER_B), settings(), directory())
    assert lines == ["Take, Close, Reject resolution, Re-forward and Close as unresolved are not offered: "
                     "INC-000001 is forwarded for closure to Service Desk: only its members may act on it"]
