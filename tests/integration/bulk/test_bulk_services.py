"""Bulk actions on a real database: each call decided by its own use case, in its own transaction."""

from unittest import mock

import pytest
from django.db import DatabaseError

from closeloop.calls import services as calls
from closeloop.calls.bulk import MAX_REFS, BulkAction, bulk_action, closure_targets, offered_actions
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.closure import InvalidInput, NotFound, Status
from closeloop.partitions.quality import add_checklist_item, add_rejection_category

from .conftest import awaiting_closure

pytestmark = pytest.mark.django_db


def fresh(call):
    return Call.objects.get(pk=call.pk)


def history(call):
    return list(CallEvent.objects.filter(call=call).order_by("id").values_list("action", flat=True))


class TestBulkClose:
    def test_a_closer_closes_every_call_chosen_with_one_reason_and_comments(self, desk, waiting):
        result = bulk_action("close", [c.ref for c in waiting], desk.carol, comments="Users confirmed",
                             reason="FIXED")
        assert result.summary == "Closed 3" and result.all_done
        for call in waiting:
            call = fresh(call)
            assert (call.status, call.closed_by, call.closure_comments) == (Status.CLOSED, desk.carol,
                                                                            "Users confirmed")
            assert call.closure_reason.code == "FIXED" and history(call)[-1] == "close"

    def test_a_call_not_awaiting_closure_is_refused_and_the_others_closed(self, desk, waiting, still_assigned):
        refs = [waiting[0].ref, still_assigned.ref, waiting[1].ref]
        before = fresh(still_assigned)
        result = bulk_action("close", refs, desk.carol, comments="Users confirmed", reason="FIXED")
        assert result.summary == "Closed 2, refused 1"
        assert [(o.ref, o.ok) for o in result.outcomes] == [(refs[0], True), (refs[1], False), (refs[2], True)]
        refused = result.outcomes[1]
        assert refused.error.code == "invalid_transition" and refused.status is Status.ASSIGNED
        with pytest.raises(Exception) as single:  # the same words as closing it alone
            calls.close_call(still_assigned.ref, desk.carol, "Users confirmed", reason="FIXED")
        assert refused.error.message == single.value.message
        after = fresh(still_assigned)
        assert (after.status, after.version, history(after)) == (before.status, before.version, history(before))
        assert fresh(waiting[0]).status == fresh(waiting[1]).status == Status.CLOSED

    def test_the_resolver_is_refused_under_independent_closure_and_the_others_closed(self, desk, waiting):
        desk.configure(require_independent_closer=True)
        own = awaiting_closure(desk, "Carol fixed this one herself", resolver=desk.carol)
        result = bulk_action("close", [own.ref, *(c.ref for c in waiting)], desk.carol, comments="Checked",
                             reason="FIXED")
        assert result.summary == "Closed 3, refused 1"
        error = result.outcomes[0].error
        assert error.code == "not_allowed" and "requires an independent closer" in error.message
        assert fresh(own).status == Status.FORWARD_FOR_CLOSURE and history(own)[-1] == "resolve_to_group"
        assert ClosureDecision.objects.filter(call=own).count() == 0
        assert ClosureDecision.objects.filter(call__in=waiting, outcome="closed_first_time").count() == 3

    def test_the_checklist_is_answered_once_for_every_call(self, desk, waiting):
        item = add_checklist_item(desk.default, "User confirmed service restored", "bulk test")
        result = bulk_action("close", [c.ref for c in waiting], desk.carol, comments="ok", reason="FIXED",
                             ticked=[item.id])
        assert result.all_done
        answers = [d.checklist_answers for d in ClosureDecision.objects.filter(call__in=waiting)]
        assert answers == [[{"item_id": item.id, "text": item.text, "required": True, "ticked": True}]] * 3

    def test_a_required_item_left_unticked_refuses_each_call_as_a_single_close_would(self, desk, waiting):
        add_checklist_item(desk.default, "User confirmed service restored", "bulk test")
        result = bulk_action("close", [c.ref for c in waiting], desk.carol, comments="ok", reason="FIXED")
        assert result.summary == "Closed 0, refused 3"
        assert {o.error.field for o in result.refused} == {"checklist"}
        assert all(fresh(c).status == Status.FORWARD_FOR_CLOSURE for c in waiting)

    def test_a_checklist_item_of_no_chosen_partition_is_a_bad_request(self, desk, waiting):
        other_item = add_checklist_item(desk.other, "Other desk's check", "bulk test")
        with pytest.raises(InvalidInput) as err:
            bulk_action("close", [c.ref for c in waiting], desk.carol, comments="ok", ticked=[other_item.id])
        assert err.value.field == "ticked"

    def test_blank_comments_refuse_the_request_before_any_call_is_touched(self, desk, waiting):
        with pytest.raises(InvalidInput) as err:
            bulk_action("close", [c.ref for c in waiting], desk.carol, comments="  ", reason="FIXED")
        assert err.value.field == "comments"
        assert all(fresh(c).version == c.version for c in waiting)

    def test_a_stale_version_refuses_only_that_call(self, desk, waiting):
        result = bulk_action("close", [c.ref for c in waiting], desk.carol, comments="ok", reason="FIXED",
                             expected_versions={waiting[0].ref: waiting[0].version - 1,
                                                waiting[1].ref: waiting[1].version})
        assert result.summary == "Closed 2, refused 1"
        assert result.outcomes[0].error.code == "changed_by_other"


class TestRequestLimits:
    def test_duplicates_are_dropped_and_references_read_as_typed(self, desk, waiting):
        ref = waiting[0].ref
        result = bulk_action("take", [ref, ref.lower(), f" {ref} "], desk.carol)
        assert [o.ref for o in result.outcomes] == [ref] and result.summary == "Taken 1"

    def test_no_call_chosen_is_refused_naming_refs(self, desk):
        with pytest.raises(InvalidInput, match="at least one call") as err:
            bulk_action("take", ["", "  "], desk.carol)
        assert err.value.field == "refs"

    def test_more_than_the_limit_is_refused_naming_refs(self, desk):
        with pytest.raises(InvalidInput, match=f"At most {MAX_REFS} calls") as err:
            bulk_action("take", [f"INC-{n:06d}" for n in range(MAX_REFS + 1)], desk.carol)
        assert err.value.field == "refs"

    def test_an_unknown_action_is_refused_naming_it(self, desk, waiting):
        with pytest.raises(InvalidInput) as err:
            bulk_action("resolve", [waiting[0].ref], desk.carol)
        assert err.value.field == "action"

    def test_an_input_the_action_does_not_take_is_refused(self, desk, waiting):
        with pytest.raises(InvalidInput, match="takes no comments"):
            bulk_action("take", [waiting[0].ref], desk.carol, comments="hello")


class TestVisibility:
    def test_a_call_of_another_partition_is_not_found_and_untouched(self, desk, waiting, other_partition_call):
        before = fresh(other_partition_call)
        result = bulk_action("assign", [other_partition_call.ref, waiting[0].ref, "INC-999999"], desk.carol,
                             group=desk.network)
        hidden, _, unknown = result.outcomes
        assert not hidden.ok and isinstance(hidden.error, NotFound) and hidden.status is None
        # the same words as a call that does not exist at all: nothing tells it exists elsewhere
        assert hidden.error.message.replace(hidden.ref, "X") == unknown.error.message.replace(unknown.ref, "X")
        after = fresh(other_partition_call)
        assert (after.version, after.assigned_group) == (before.version, before.assigned_group)


class TestOtherActions:
    def test_a_closer_takes_calls_waiting_in_their_group(self, desk, waiting, still_assigned):
        result = bulk_action(BulkAction.TAKE, [c.ref for c in waiting] + [still_assigned.ref], desk.carol)
        assert result.summary == "Taken 3, refused 1"
        for call in waiting:
            call = fresh(call)
            assert (call.status, call.closure_target_analyst) == (Status.FORWARD_TO_YOU_FOR_CLOSE, desk.carol)
            assert history(call)[-1] == "take"

    def test_rejecting_sends_each_resolution_back_with_one_reason_and_category(self, desk, waiting,
                                                                               still_assigned):
        add_rejection_category(desk.default, "not_fixed", "Not fixed", "bulk test")
        result = bulk_action("reject", [still_assigned.ref, *(c.ref for c in waiting)], desk.carol,
                             reason="Still failing for the users", category="not_fixed")
        assert result.summary == "Rejected 3, refused 1" and not result.outcomes[0].ok
        for call in waiting:
            call = fresh(call)
            assert (call.status, call.assigned_analyst, call.times_rejected) == (Status.ASSIGNED, desk.rita, 1)
            decision = ClosureDecision.objects.get(call=call)
            assert (decision.reason, decision.rejection_category.code) == ("Still failing for the users",
                                                                           "not_fixed")

    def test_forwarding_moves_each_call_to_the_group_with_the_reason(self, desk, waiting):
        result = bulk_action("forward", [c.ref for c in waiting], desk.carol, reason="Closure Group checks these",
                             to_group=desk.closure_group)
        assert result.all_done
        assert {fresh(c).closure_target_group for c in waiting} == {desk.closure_group}
        assert all(history(c)[-1] == "forward_to_group" for c in waiting)

    def test_forwarding_needs_one_target(self, desk, waiting):
        with pytest.raises(InvalidInput, match="one analyst or one group"):
            bulk_action("forward", [waiting[0].ref], desk.carol, reason="why")

    def test_assigning_needs_the_reassign_right_per_call(self, desk, still_assigned):
        other = calls.log_call(desk.default, "incident", "Monitor flickers", log_group=desk.service_desk,
                               actor=desk.alice)
        result = bulk_action("assign", [still_assigned.ref, other.ref], desk.admin, group=desk.network,
                             analyst=desk.bob)
        assert result.all_done, result.outcomes
        assert {(fresh(c).assigned_group, fresh(c).assigned_analyst) for c in (still_assigned, other)} == {
            (desk.network, desk.bob)}
        refused = bulk_action("assign", [other.ref], desk.erin, group=desk.service_desk)
        assert refused.outcomes[0].error.code == "not_allowed"


class TestOneTransactionPerCall:
    @pytest.mark.django_db(transaction=True)
    def test_calls_done_before_a_crash_stay_done(self, desk, waiting):
        real_close = calls.close_call

        def crash_on_last(ref, *args, **kwargs):
            if ref == waiting[-1].ref:
                raise DatabaseError("the database went away")
            return real_close(ref, *args, **kwargs)

        with mock.patch.object(calls, "close_call", crash_on_last), pytest.raises(DatabaseError):
            bulk_action("close", [c.ref for c in waiting], desk.carol, comments="ok", reason="FIXED")
        assert [fresh(c).status for c in waiting] == [Status.CLOSED, Status.CLOSED, Status.FORWARD_FOR_CLOSURE]

    @pytest.mark.django_db(transaction=True)
    def test_a_refusal_commits_the_others(self, desk, waiting, still_assigned):
        result = bulk_action("close", [still_assigned.ref, *(c.ref for c in waiting)], desk.carol,
                             comments="ok", reason="FIXED")
        assert result.summary == "Closed 3, refused 1"
        assert Call.objects.filter(status=Status.CLOSED).count() == 3


class TestWhatIsOffered:
    def test_closers_are_offered_the_closure_actions_and_readers_nothing(self, desk):
        assert offered_actions(desk.carol, desk.default) == list(BulkAction)
        assert offered_actions(desk.erin, desk.default) == []

    def test_forward_targets_are_the_analysts_and_groups_that_can_validate(self, desk):
        analysts, groups = closure_targets(desk.default)
        names = [name for _, name in analysts]
        assert {"carol", "dave", "mia"} <= set(names) and "rita" not in names and names == sorted(names)
        assert (desk.closure_group.id, "Closure Group") in groups
