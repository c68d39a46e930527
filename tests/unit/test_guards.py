"""Each call change and each settings check, applied by the core, with each refusal message."""

from datetime import UTC, datetime

import pytest

from closeloop.closure import (
    Action,
    Actor,
    CallType,
    ChecklistItemFacts,
    ClosureMethod,
    ClosureRule,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    ReasonFacts,
    Right,
    SettingsRejected,
    Status,
    Target,
    changes,
    guards,
    parse_choice,
)
from closeloop.closure.model import Directory

from .world import (
    ANALYSTS,
    CLOSER_A,
    CLOSER_B,
    CLOSURE_GROUP,
    EMPTY_GROUP,
    GROUPS,
    LOG_GROUP,
    LOGGER,
    NAMES,
    READER,
    RESOLVER,
    actor,
    call,
    directory,
    inactive,
    settings,
    without_group_member,
)

FIXED = ReasonFacts("FIXED", True, frozenset({CallType.INCIDENT}))
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RESOLVED_TO_GROUP = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP, resolved_by_id=RESOLVER)
RESOLVED_TO_B = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_B, resolved_by_id=RESOLVER)


class TestRights:
    def test_a_missing_right_is_refused_naming_the_right_and_partition(self):
        with pytest.raises(NotAllowed, match=r"reader lacks the 'Resolve' right \(resolve\) in partition Default"):
            guards.require_right(actor(READER), Right.RESOLVE, "Default")

    def test_the_close_right_is_shown_as_closure_comments(self):
        with pytest.raises(NotAllowed, match=r"'Closure Comments' right \(close\)"):
            guards.require_right(actor(RESOLVER), Right.CLOSE, "Default")


class TestAssign:
    def test_assigning_needs_the_reassign_right(self):
        with pytest.raises(NotAllowed, match="Reassign"):
            changes.assign(call(), actor(READER), directory(), LOG_GROUP, None)

    def test_assigning_to_an_analyst_outside_the_group_is_refused(self):
        with pytest.raises(InvalidInput, match="not a member of group Service Desk") as err:
            changes.assign(call(), actor(LOGGER), directory(), LOG_GROUP, CLOSER_B)
        assert err.value.field == "analyst"

    def test_assigning_to_a_deactivated_analyst_is_refused(self):
        with pytest.raises(InvalidInput, match="not an active analyst"):
            changes.assign(call(), actor(LOGGER), directory(r=inactive(RESOLVER)), None, RESOLVER)

    def test_assigning_needs_a_group_or_an_analyst(self):
        with pytest.raises(InvalidInput, match="Assign to a group, an analyst, or both"):
            changes.assign(call(), actor(LOGGER), directory(), None, None)

    def test_a_closed_call_cannot_be_assigned(self):
        with pytest.raises(InvalidTransition):
            changes.assign(call(status=Status.CLOSED), actor(LOGGER), directory(), LOG_GROUP, None)

    def test_a_valid_assignment_makes_the_call_assigned(self):
        change = changes.assign(call(status=Status.LOGGED), actor(LOGGER), directory(), LOG_GROUP, RESOLVER)
        assert (change.after.status, change.after.assigned_group_id, change.after.assigned_analyst_id) == \
            (Status.ASSIGNED, LOG_GROUP, RESOLVER)


class TestResolve:
    def test_resolving_needs_the_resolve_right(self):
        with pytest.raises(NotAllowed, match="'Resolve' right"):
            changes.resolve(call(), actor(READER), settings(), directory(), "Fixed it", NOW)

    def test_a_call_awaiting_closure_cannot_be_resolved_again(self):
        with pytest.raises(InvalidTransition):
            changes.resolve(RESOLVED_TO_GROUP, actor(RESOLVER), settings(), directory(), "Fixed it", NOW)

    def test_immediate_method_closes_at_once_for_a_resolver_who_may_close(self):
        change = changes.resolve(call(), actor(CLOSER_A), settings(closure_method=ClosureMethod.IMMEDIATE),
                                 directory(), "Fixed it", NOW, reason=FIXED)
        assert (change.action, change.after.status, change.after.closed_by_id) == \
            (Action.RESOLVE_AND_CLOSE, Status.CLOSED, CLOSER_A)

    def test_immediate_method_needs_the_close_right_too(self):
        with pytest.raises(NotAllowed, match="Closure Comments"):
            changes.resolve(call(), actor(RESOLVER), settings(closure_method=ClosureMethod.IMMEDIATE),
                            directory(), "Fixed it", NOW)

    def test_immediate_method_refuses_a_named_closer(self):
        with pytest.raises(InvalidInput, match="closes calls when they are resolved"):
            changes.resolve(call(), actor(CLOSER_A), settings(closure_method=ClosureMethod.IMMEDIATE),
                            directory(), "Fixed it", NOW, target=Target(analyst_id=CLOSER_B))

    def test_comments_method_forwards_to_the_chosen_group(self):
        change = changes.resolve(call(), actor(RESOLVER), settings(closure_method=ClosureMethod.COMMENTS),
                                 directory(), "Fixed it", NOW, target=Target(group_id=CLOSURE_GROUP))
        assert (change.after.status, change.after.target_group_id) == (Status.FORWARD_FOR_CLOSURE, CLOSURE_GROUP)

    def test_comments_method_forwards_to_the_chosen_analyst(self):
        change = changes.resolve(call(), actor(RESOLVER), settings(closure_method=ClosureMethod.COMMENTS),
                                 directory(), "Fixed it", NOW, target=Target(analyst_id=CLOSER_B))
        assert (change.after.status, change.after.target_analyst_id) == (Status.FORWARD_TO_YOU_FOR_CLOSE, CLOSER_B)

    def test_comments_method_refuses_a_chosen_analyst_who_cannot_close(self):
        with pytest.raises(NotAllowed, match="cannot close"):
            changes.resolve(call(), actor(RESOLVER), settings(closure_method=ClosureMethod.COMMENTS),
                            directory(), "Fixed it", NOW, target=Target(analyst_id=LOGGER))

    def test_rules_method_refuses_a_chosen_group(self):
        with pytest.raises(InvalidInput, match="a closing group cannot be chosen") as err:
            changes.resolve(call(), actor(RESOLVER), settings(),
                            directory(), "Fixed it", NOW, target=Target(group_id=CLOSURE_GROUP))
        assert err.value.field == "closer_group"

    def test_rules_method_refuses_a_designated_closer_unless_allowed(self):
        with pytest.raises(InvalidInput, match="does not allow a designated closing analyst"):
            changes.resolve(call(), actor(RESOLVER), settings(),
                            directory(), "Fixed it", NOW, target=Target(analyst_id=CLOSER_B))

    def test_rules_method_accepts_an_allowed_designated_closer(self):
        change = changes.resolve(call(), actor(RESOLVER), settings(allow_designated_closer=True),
                                 directory(), "Fixed it", NOW, target=Target(analyst_id=CLOSER_B))
        assert (change.after.status, change.after.target_analyst_id) == (Status.FORWARD_TO_YOU_FOR_CLOSE, CLOSER_B)

    def test_independence_applies_to_the_resolver_not_to_whoever_resolved_before(self):
        strict = settings(closure_rule=ClosureRule.LOG_GROUP, require_independent_closer=True)
        again = call(resolved_by_id=RESOLVER)  # re-resolved by the only closer of the log group
        change = changes.resolve(again, actor(CLOSER_A), strict, directory(), "Fixed it", NOW)
        assert change.after.target_group_id == CLOSURE_GROUP


class TestClosingRights:
    def test_only_the_named_analyst_may_close_a_call_forwarded_to_them(self):
        with pytest.raises(NotAllowed, match="forwarded to closer_b for close: only they may close it"):
            guards.check_closer(RESOLVED_TO_B, actor(CLOSER_A), settings(), directory(), Action.CLOSE)
        guards.check_closer(RESOLVED_TO_B, actor(CLOSER_B), settings(), directory(), Action.CLOSE)

    def test_only_members_of_the_target_group_may_close_a_call_forwarded_for_closure(self):
        with pytest.raises(NotAllowed, match="forwarded for closure to Service Desk: only its members"):
            guards.check_closer(RESOLVED_TO_GROUP, actor(CLOSER_B), settings(), directory(), Action.CLOSE)
        guards.check_closer(RESOLVED_TO_GROUP, actor(CLOSER_A), settings(), directory(), Action.CLOSE)

    def test_a_resolver_without_the_close_right_is_refused_naming_closure_comments(self):
        with pytest.raises(NotAllowed, match="resolver lacks the 'Closure Comments' right"):
            guards.check_closer(RESOLVED_TO_GROUP, actor(RESOLVER), settings(), directory(), Action.CLOSE)

    def test_the_resolver_may_not_close_when_an_independent_closer_is_required(self):
        own = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP, resolved_by_id=CLOSER_A)
        with pytest.raises(NotAllowed, match="requires an independent closer"):
            guards.check_closer(own, actor(CLOSER_A), settings(require_independent_closer=True), directory(),
                               Action.CLOSE)

    def test_the_system_operator_may_close_any_call_awaiting_closure(self):
        guards.check_closer(RESOLVED_TO_B, Actor.system(), settings(), directory(), Action.CLOSE)

    def test_a_call_not_awaiting_closure_cannot_be_closed(self):
        with pytest.raises(InvalidTransition, match="is Assigned: you cannot close it now"):
            guards.check_closer(call(), actor(CLOSER_A), settings(), directory(), Action.CLOSE)


class TestCloseValues:
    def test_closing_needs_closure_comments(self):
        with pytest.raises(InvalidInput, match="Closure comments is required") as err:
            guards.check_close_values(RESOLVED_TO_B, settings(), " ", FIXED)
        assert err.value.field == "comments"

    def test_closing_needs_a_reason_when_required(self):
        with pytest.raises(InvalidInput, match="A closure reason is required to close an Incident") as err:
            guards.check_close_values(RESOLVED_TO_B, settings(), "ok", None)
        assert err.value.field == "reason"

    def test_no_reason_is_fine_when_not_required(self):
        assert guards.check_close_values(RESOLVED_TO_B, settings(closure_reason_required=False), " ok ", None) == "ok"

    def test_the_reason_must_be_linked_to_the_call_type(self):
        fulfilled = ReasonFacts("FULFILLED", True, frozenset({CallType.SERVICE_REQUEST}))
        with pytest.raises(InvalidInput, match="FULFILLED does not apply to an Incident"):
            guards.check_close_values(RESOLVED_TO_B, settings(), "ok", fulfilled)

    def test_an_inactive_reason_cannot_be_used(self):
        old = ReasonFacts("OLD", False, frozenset({CallType.INCIDENT}))
        with pytest.raises(InvalidInput, match="no longer in use"):
            guards.check_close_values(RESOLVED_TO_B, settings(), "ok", old)

    def test_required_checklist_items_must_be_ticked(self):
        items = [ChecklistItemFacts(1, "Root cause described", True), ChecklistItemFacts(2, "KB linked", False)]
        with pytest.raises(InvalidInput, match="Root cause described - reject the resolution instead") as err:
            guards.check_close_values(RESOLVED_TO_B, settings(), "ok", FIXED, items, {2})
        assert err.value.field == "checklist"
        assert guards.check_close_values(RESOLVED_TO_B, settings(), "ok", FIXED, items, {1}) == "ok"

    def test_ticking_an_unknown_checklist_item_is_refused(self):
        with pytest.raises(InvalidInput, match="Unknown checklist item"):
            guards.check_close_values(RESOLVED_TO_B, settings(), "ok", FIXED, [], {7})


class TestRejectTakeForward:
    def test_rejecting_needs_a_reason(self):
        with pytest.raises(InvalidInput, match="A rejection reason is required"):
            changes.reject(RESOLVED_TO_B, actor(CLOSER_B), settings(), directory(), "")

    def test_rejecting_needs_an_eligible_closer_of_the_target(self):
        with pytest.raises(NotAllowed):
            changes.reject(RESOLVED_TO_B, actor(CLOSER_A), settings(), directory(), "not fixed")
        change = changes.reject(RESOLVED_TO_B, actor(CLOSER_B), settings(), directory(), " not fixed ")
        assert (change.note, change.after.status, change.after.assigned_analyst_id, change.after.times_rejected) == \
            ("not fixed", Status.ASSIGNED, RESOLVER, 1)

    def test_a_group_member_takes_a_call_for_themselves(self):
        change = changes.take(RESOLVED_TO_GROUP, actor(CLOSER_A), settings(), directory(), NOW)
        assert (change.after.status, change.after.target_analyst_id, change.after.target_group_id) == \
            (Status.FORWARD_TO_YOU_FOR_CLOSE, CLOSER_A, LOG_GROUP)

    def test_the_system_operator_cannot_take_a_call(self):
        with pytest.raises(NotAllowed, match="--as USER"):
            changes.take(RESOLVED_TO_GROUP, Actor.system(), settings(), directory(), NOW)

    def test_a_non_member_cannot_take_a_call(self):
        with pytest.raises(NotAllowed, match="only its members may take it"):
            changes.take(RESOLVED_TO_GROUP, actor(CLOSER_B), settings(), directory(), NOW)

    def test_reforwarding_needs_a_reason(self):
        with pytest.raises(InvalidInput, match="A reason for forwarding"):
            changes.forward(RESOLVED_TO_B, actor(CLOSER_B), settings(), directory(), Target(group_id=CLOSURE_GROUP),
                            " ", NOW)

    def test_reforwarding_to_another_eligible_analyst(self):
        change = changes.forward(RESOLVED_TO_B, actor(CLOSER_B), settings(), directory(), Target(analyst_id=CLOSER_A),
                                 "on leave", NOW)
        assert (change.action, change.after.target_analyst_id, change.note) == \
            (Action.FORWARD_TO_ANALYST, CLOSER_A, "on leave")

    def test_reforwarding_to_a_group_nobody_can_close_from_is_refused(self):
        with pytest.raises(NotAllowed, match="no member who may close"):
            changes.forward(RESOLVED_TO_B, actor(CLOSER_B), settings(), directory(), Target(group_id=EMPTY_GROUP),
                            "why", NOW)


class TestSettingsValidation:
    def test_valid_settings_pass(self):
        guards.validate_settings(settings(), directory())

    def test_rules_method_needs_a_closure_group(self):
        with pytest.raises(SettingsRejected, match="needs a Closure Group as the last fallback"):
            guards.validate_settings(settings(closure_group_id=None), directory())

    def test_a_closure_group_without_an_eligible_closer_is_refused(self):
        with pytest.raises(SettingsRejected, match="Closure Group Empty would have no eligible closer") as err:
            guards.validate_settings(settings(closure_group_id=EMPTY_GROUP), directory())
        assert err.value.field == "closure_group"

    def test_a_closure_group_of_another_partition_is_invalid(self):
        with pytest.raises(InvalidInput, match="must be an IPK group of partition Default"):
            guards.validate_settings(settings(closure_group_id=404), directory())

    def test_comments_method_needs_someone_with_the_close_right(self):
        nobody = Directory("Default", {k: v for k, v in ANALYSTS.items() if Right.CLOSE not in v.rights},
                           {LOG_GROUP: GROUPS[LOG_GROUP]}, NAMES)
        with pytest.raises(SettingsRejected, match="needs at least one active analyst with the Closure Comments"):
            guards.validate_settings(settings(closure_method=ClosureMethod.COMMENTS, closure_group_id=None), nobody)

    def test_immediate_method_cannot_require_an_independent_closer(self):
        with pytest.raises(SettingsRejected, match="turn off require_independent_closer"):
            guards.validate_settings(settings(closure_method=ClosureMethod.IMMEDIATE,
                                             require_independent_closer=True), directory())

    def test_removing_the_last_closer_of_the_closure_group_is_refused(self):
        with pytest.raises(SettingsRejected, match="Removing closer_b refused: Closure Group Closure Group would"):
            guards.check_directory_change(settings(), without_group_member(CLOSURE_GROUP, CLOSER_B),
                                         "Removing closer_b")

    def test_a_change_that_keeps_a_closer_is_accepted(self):
        guards.check_directory_change(settings(), without_group_member(LOG_GROUP, CLOSER_A), "Removing closer_a")

    def test_a_waiting_call_whose_only_possible_closer_resolved_it_blocks_the_change(self):
        waiting = call(status=Status.FORWARD_FOR_CLOSURE, resolved_by_id=CLOSER_B, target_group_id=CLOSURE_GROUP)
        four_eyes = settings(require_independent_closer=True)
        after = directory(a=inactive(CLOSER_A))
        assert guards.unclosable_calls([waiting], four_eyes, after) == ["INC-000001"]
        with pytest.raises(SettingsRejected, match="Deactivating closer_a refused: nobody could close INC-000001"):
            guards.check_directory_change(four_eyes, after, "Deactivating closer_a", [waiting])
        # closer_a still there: the call can be re-routed to them, so the change goes through
        assert guards.unclosable_calls([waiting], four_eyes, directory()) == []
        # without the independence rule closer_b may close their own resolution
        assert guards.unclosable_calls([waiting], settings(), after) == []

    def test_settings_that_leave_a_waiting_call_unclosable_are_refused(self):
        waiting = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, resolved_by_id=CLOSER_B, target_analyst_id=CLOSER_B)
        after = directory(a=inactive(CLOSER_A))
        guards.validate_settings(settings(), after, [waiting])
        with pytest.raises(SettingsRejected, match="Settings not saved: nobody could close INC-000001"):
            guards.validate_settings(settings(require_independent_closer=True), after, [waiting])


class TestPermittedActions:
    def test_the_resolver_without_the_close_right_sees_no_close_action(self):
        allowed = guards.permitted_actions(RESOLVED_TO_GROUP, actor(RESOLVER), settings(), directory())
        assert Action.CLOSE not in allowed and Action.TAKE not in allowed

    def test_a_member_of_the_target_group_may_take_close_reject_and_forward(self):
        allowed = guards.permitted_actions(RESOLVED_TO_GROUP, actor(CLOSER_A), settings(), directory())
        assert {Action.TAKE, Action.CLOSE, Action.REJECT, Action.FORWARD_TO_ANALYST} <= allowed

    def test_a_worker_may_assign_hold_and_resolve_an_assigned_call(self):
        allowed = guards.permitted_actions(call(), actor(RESOLVER), settings(), directory())
        assert allowed == {Action.ASSIGN, Action.HOLD, Action.RESOLVE_TO_GROUP}

    def test_a_read_only_analyst_may_do_nothing(self):
        assert guards.permitted_actions(call(), actor(READER), settings(), directory()) == frozenset()

    def test_under_immediate_method_resolve_is_offered_only_with_the_close_right(self):
        one_part = settings(closure_method=ClosureMethod.IMMEDIATE)
        assert Action.RESOLVE_AND_CLOSE in guards.permitted_actions(call(), actor(CLOSER_A), one_part, directory())
        assert Action.RESOLVE_AND_CLOSE not in guards.permitted_actions(call(), actor(RESOLVER), one_part,
                                                                       directory())


class TestParseChoice:
    @pytest.mark.parametrize("raw", ["Major Incident", "major-incident", "MAJOR_INCIDENT", " major incident "])
    def test_call_types_are_read_the_way_users_type_them(self, raw):
        assert parse_choice(CallType, raw, "type") is CallType.MAJOR_INCIDENT

    def test_an_unknown_choice_lists_the_allowed_values(self):
        with pytest.raises(InvalidInput, match="type must be one of: incident, problem") as err:
            parse_choice(CallType, "bug", "type")
        assert err.value.field == "type"
