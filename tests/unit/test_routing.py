"""Routing a resolved call: each rule, each fallback step, and the last-resort re-route."""

import pytest

from closeloop.closure import ClosureMethod, ClosureRule, InvalidInput, NotAllowed, Right, Status, Target
from closeloop.closure.routing import (
    eligible_closers,
    fallback_chain,
    is_eligible_closer,
    reroute_stranded,
    route_for_closure,
    route_to_target,
    target_has_eligible_closer,
)

from .world import (
    ANALYSTS,
    CLOSER_A,
    CLOSER_B,
    CLOSURE_GROUP,
    EMPTY_GROUP,
    GHOST_GROUP,
    LEFT,
    LOG_GROUP,
    LOGGER,
    READER,
    RESOLVER,
    WORKER,
    call,
    directory,
    inactive,
    settings,
    with_rights,
)


class TestEligibility:
    def test_an_active_analyst_with_the_close_right_is_an_eligible_closer(self):
        assert is_eligible_closer(ANALYSTS[CLOSER_A], settings())

    def test_a_deactivated_closer_is_not_eligible(self):
        assert not is_eligible_closer(ANALYSTS[LEFT], settings())

    def test_an_analyst_without_the_close_right_is_not_eligible(self):
        assert not is_eligible_closer(ANALYSTS[RESOLVER], settings())
        assert not is_eligible_closer(ANALYSTS[READER], settings())

    def test_the_resolver_is_not_eligible_when_an_independent_closer_is_required(self):
        strict = settings(require_independent_closer=True)
        assert not is_eligible_closer(ANALYSTS[CLOSER_A], strict, resolved_by_id=CLOSER_A)
        assert is_eligible_closer(ANALYSTS[CLOSER_A], settings(), resolved_by_id=CLOSER_A)

    def test_nobody_unknown_is_eligible(self):
        assert not is_eligible_closer(None, settings())

    def test_eligible_closers_of_a_group_are_its_active_members_with_the_close_right(self):
        assert eligible_closers(LOG_GROUP, directory(), settings()) == [CLOSER_A]
        assert eligible_closers(GHOST_GROUP, directory(), settings()) == []


class TestLoggedByRule:
    rule = settings(closure_rule=ClosureRule.LOGGED_BY)

    def test_resolved_call_goes_to_the_logging_analyst_when_they_may_close(self):
        d = directory(logger=with_rights(LOGGER, WORKER | {Right.CLOSE}))
        route = route_for_closure(call(resolved_by_id=RESOLVER), self.rule, d)
        assert (route.analyst_id, route.group_id) == (LOGGER, None)
        assert "logging analyst logger" in route.explanation

    def test_falls_back_to_the_log_group_when_the_logging_analyst_cannot_close(self):
        route = route_for_closure(call(resolved_by_id=RESOLVER), self.rule, directory())
        assert (route.analyst_id, route.group_id) == (None, LOG_GROUP)
        assert "skipped: logging analyst logger (not an eligible closer)" in route.explanation

    def test_falls_back_to_the_log_group_when_the_logging_analyst_is_deactivated(self):
        d = directory(logger=inactive(LOGGER))
        assert route_for_closure(call(), self.rule, d).group_id == LOG_GROUP

    def test_falls_back_to_the_closure_group_when_there_is_no_log_group(self):
        route = route_for_closure(call(log_group_id=None), self.rule, directory())
        assert (route.analyst_id, route.group_id) == (None, CLOSURE_GROUP)
        assert "log group (none)" in route.explanation

    def test_falls_back_to_the_closure_group_when_the_log_group_has_no_eligible_closer(self):
        route = route_for_closure(call(log_group_id=GHOST_GROUP), self.rule, directory())
        assert route.group_id == CLOSURE_GROUP
        assert "log group Ghosts (no eligible closer)" in route.explanation

    def test_a_call_logged_by_the_system_skips_the_logging_analyst(self):
        assert route_for_closure(call(logged_by_id=None), self.rule, directory()).group_id == LOG_GROUP


class TestLogGroupRule:
    rule = settings(closure_rule=ClosureRule.LOG_GROUP)

    def test_resolved_call_goes_to_the_log_group_under_log_group_rule(self):
        d = directory(logger=with_rights(LOGGER, WORKER | {Right.CLOSE}))
        route = route_for_closure(call(), self.rule, d)
        assert (route.group_id, route.analyst_id) == (LOG_GROUP, None)

    def test_falls_back_to_the_closure_group_without_a_log_group(self):
        assert route_for_closure(call(log_group_id=None), self.rule, directory()).group_id == CLOSURE_GROUP

    def test_falls_back_to_the_closure_group_when_the_only_log_group_closer_resolved_it(self):
        strict = settings(closure_rule=ClosureRule.LOG_GROUP, require_independent_closer=True)
        assert route_for_closure(call(resolved_by_id=CLOSER_A), strict, directory()).group_id == CLOSURE_GROUP


class TestClosureGroupRule:
    def test_resolved_call_goes_straight_to_the_closure_group(self):
        rule = settings(closure_rule=ClosureRule.CLOSURE_GROUP)
        assert fallback_chain(call(), rule) == [("closure group", None, CLOSURE_GROUP)]
        assert route_for_closure(call(), rule, directory()).group_id == CLOSURE_GROUP

    def test_routing_is_refused_when_no_target_has_an_eligible_closer(self):
        rule = settings(closure_rule=ClosureRule.CLOSURE_GROUP, closure_group_id=EMPTY_GROUP)
        with pytest.raises(NotAllowed, match="Nobody can validate INC-000001 in partition Default"):
            route_for_closure(call(), rule, directory())


class TestCommentsMethod:
    def test_an_unnamed_closer_defaults_to_the_logging_analyst_chain(self):
        manual = settings(closure_method=ClosureMethod.COMMENTS, closure_rule=ClosureRule.CLOSURE_GROUP)
        assert [step for step, *_ in fallback_chain(call(), manual)] == ["logging analyst", "log group",
                                                                          "closure group"]


class TestNamedTargets:
    def test_forwarding_to_an_eligible_analyst(self):
        route = route_to_target(call(), Target(analyst_id=CLOSER_B), settings(), directory())
        assert (route.analyst_id, route.group_id) == (CLOSER_B, None)

    def test_forwarding_to_an_analyst_without_the_close_right_is_refused_naming_the_right(self):
        with pytest.raises(NotAllowed, match="lacks the Closure Comments right in partition Default"):
            route_to_target(call(), Target(analyst_id=RESOLVER), settings(), directory())

    def test_forwarding_to_a_deactivated_analyst_is_refused(self):
        with pytest.raises(NotAllowed, match="deactivated"):
            route_to_target(call(), Target(analyst_id=LEFT), settings(), directory())

    def test_forwarding_to_the_resolver_is_refused_when_independent_closure_is_required(self):
        with pytest.raises(NotAllowed, match="independent"):
            route_to_target(call(resolved_by_id=CLOSER_A), Target(analyst_id=CLOSER_A),
                            settings(require_independent_closer=True), directory())

    def test_forwarding_to_a_stranger_is_invalid_input(self):
        with pytest.raises(InvalidInput, match="not an analyst of partition Default") as err:
            route_to_target(call(), Target(analyst_id=99), settings(), directory())
        assert err.value.field == "closer"

    def test_forwarding_to_a_group_of_another_partition_is_invalid_input(self):
        with pytest.raises(InvalidInput, match="not an IPK group of partition Default"):
            route_to_target(call(), Target(group_id=99), settings(), directory())

    def test_forwarding_to_a_group_nobody_can_close_from_is_refused(self):
        with pytest.raises(NotAllowed, match="Group Ghosts has no member who may close"):
            route_to_target(call(), Target(group_id=GHOST_GROUP), settings(), directory())

    def test_a_target_names_exactly_one_of_analyst_or_group(self):
        with pytest.raises(InvalidInput):
            Target()
        with pytest.raises(InvalidInput):
            Target(analyst_id=1, group_id=2)


class TestReroute:
    def test_a_call_whose_target_can_still_close_is_left_alone(self):
        waiting = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_A)
        assert target_has_eligible_closer(waiting, settings(), directory())
        assert reroute_stranded(waiting, settings(), directory()) is None

    def test_a_call_forwarded_to_a_deactivated_analyst_moves_along_the_chain(self):
        waiting = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_A, resolved_by_id=RESOLVER)
        route = reroute_stranded(waiting, settings(), directory(a=inactive(CLOSER_A)))
        assert route is not None and route.group_id == CLOSURE_GROUP

    def test_a_call_in_a_group_that_lost_its_last_closer_moves_to_the_closure_group(self):
        waiting = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP)
        route = reroute_stranded(waiting, settings(closure_rule=ClosureRule.LOG_GROUP),
                                 directory(a=inactive(CLOSER_A)))
        assert route is not None and route.group_id == CLOSURE_GROUP

    def test_the_last_resort_is_the_partitions_first_eligible_closer(self):
        waiting = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=GHOST_GROUP, log_group_id=GHOST_GROUP)
        route = reroute_stranded(waiting, settings(closure_group_id=EMPTY_GROUP), directory())
        assert route is not None and route.analyst_id == CLOSER_A
        assert "first eligible closer" in route.explanation

    def test_calls_outside_the_closure_stage_are_never_rerouted(self):
        assert reroute_stranded(call(status=Status.ASSIGNED), settings(), directory(a=inactive(CLOSER_A))) is None
