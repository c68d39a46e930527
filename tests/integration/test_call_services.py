"""Call use cases on a real database: each action, its history event, and refusals that change nothing."""

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.closure import ChangedByOther, InvalidInput, InvalidTransition, NotAllowed, NotFound, Status

pytestmark = pytest.mark.django_db


def logged(desk, **kw):
    kw.setdefault("log_group", desk.service_desk)
    return calls.log_call(desk.default, kw.pop("type", "incident"), kw.pop("summary", "Outlook keeps crashing"),
                          actor=kw.pop("actor", desk.alice), **kw)


def resolved(desk, **kw):
    call = logged(desk, **kw)
    return calls.resolve_call(call.ref, desk.rita, "Repaired the Office install")


def events(call):
    return list(CallEvent.objects.filter(call=call).values_list("action", "from_status", "to_status"))


class TestLogCall:
    def test_logging_gives_a_human_reference_and_a_history_event(self, desk):
        call = logged(desk, priority=2)
        assert call.ref == "INC-000001" and call.status == Status.LOGGED and call.priority == 2
        assert events(call) == [("log", "", "logged")]
        assert logged(desk, type="Service Request").ref == "SR-000001"
        assert logged(desk).ref == "INC-000002"

    def test_logging_with_an_assignment_makes_the_call_assigned(self, desk):
        call = logged(desk, assigned_group=desk.service_desk, assigned_analyst=desk.rita)
        assert (call.status, call.assigned_analyst, call.version) == (Status.ASSIGNED, desk.rita, 2)
        assert [e[0] for e in events(call)] == ["log", "assign"]

    @pytest.mark.parametrize("priority", [0, 5, "high", None])
    def test_a_priority_outside_1_to_4_is_refused(self, desk, priority):
        with pytest.raises(InvalidInput, match="Priority must be 1, 2, 3 or 4") as err:
            logged(desk, priority=priority)
        assert err.value.field == "priority" and Call.objects.count() == 0

    def test_the_log_group_must_be_one_of_the_loggers_groups(self, desk):
        with pytest.raises(InvalidInput, match="alice is not a member of group Network"):
            logged(desk, log_group=desk.network)

    def test_a_read_only_analyst_cannot_log(self, desk):
        with pytest.raises(NotAllowed, match="erin lacks the 'Log' right"):
            logged(desk, actor=desk.erin, log_group=None)

    def test_an_analyst_cannot_log_in_a_partition_they_are_not_in(self, desk):
        with pytest.raises(NotAllowed, match="in partition Other"):
            calls.log_call(desk.other, "incident", "Printer", actor=desk.alice)

    def test_an_unknown_call_type_is_refused_naming_the_field(self, desk):
        with pytest.raises(InvalidInput) as err:
            logged(desk, type="bug")
        assert err.value.field == "type"


class TestResolve:
    def test_resolved_call_goes_to_the_log_group_under_log_group_rule(self, desk):
        call = resolved(desk)
        assert (call.status, call.closure_target_group, call.resolved_by) == \
            (Status.FORWARD_FOR_CLOSURE, desk.service_desk, desk.rita)
        assert events(call)[-1] == ("resolve_to_group", "logged", "forward_for_closure")
        assert "forwarded to log group Service Desk" in call.events.last().note

    def test_settings_take_effect_for_the_next_action_at_once(self, desk):
        desk.configure(closure_rule="closure_group")
        assert resolved(desk).closure_target_group == desk.closure_group
        desk.configure(closure_method="comments")
        call = logged(desk)
        call = calls.resolve_call(call.ref, desk.rita, "done", closer=desk.mia)
        assert (call.status, call.closure_target_analyst) == (Status.FORWARD_TO_YOU_FOR_CLOSE, desk.mia)

    def test_immediate_method_closes_on_resolve_with_a_reason(self, desk):
        desk.configure(closure_method="immediate")
        call = logged(desk)
        with pytest.raises(NotAllowed, match="rita lacks the 'Closure Comments' right"):
            calls.resolve_call(call.ref, desk.rita, "Fixed it")
        with pytest.raises(InvalidInput, match="A closure reason is required"):
            calls.resolve_call(call.ref, desk.carol, "Fixed it")
        call = calls.resolve_call(call.ref, desk.carol, "Fixed it", reason="FIXED")
        assert (call.status, call.closed_by, call.closure_comments, call.closure_reason.code) == \
            (Status.CLOSED, desk.carol, "Fixed it", "FIXED")

    def test_a_refused_resolve_changes_nothing(self, desk):
        call = logged(desk)
        with pytest.raises(InvalidInput, match="does not allow a designated closing analyst"):
            calls.resolve_call(call.ref, desk.rita, "done", closer=desk.dave)
        fresh = Call.objects.get(pk=call.pk)
        assert (fresh.status, fresh.version, fresh.resolution) == (Status.LOGGED, 1, "")
        assert len(events(call)) == 1


class TestClosureStage:
    def test_a_member_takes_then_closes_with_reason_and_comments(self, desk):
        call = resolved(desk)
        call = calls.take_call(call.ref, desk.carol)
        assert (call.status, call.closure_target_analyst) == (Status.FORWARD_TO_YOU_FOR_CLOSE, desk.carol)
        call = calls.close_call(call.ref, desk.carol, "User confirmed", reason="FIXED")
        assert (call.status, call.closed_by, call.closure_reason.code) == (Status.CLOSED, desk.carol, "FIXED")
        decision = ClosureDecision.objects.get(call=call)
        assert (decision.outcome, decision.resolver) == ("closed_first_time", desk.rita)
        assert [e[0] for e in events(call)] == ["log", "resolve_to_group", "take", "close"]

    def test_the_resolver_cannot_close_without_the_closure_comments_right(self, desk):
        call = resolved(desk)
        with pytest.raises(NotAllowed, match="rita lacks the 'Closure Comments' right"):
            calls.close_call(call.ref, desk.rita, "done", reason="FIXED")

    def test_after_a_take_other_group_members_can_no_longer_close(self, desk):
        call = resolved(desk)
        calls.take_call(call.ref, desk.carol)
        with pytest.raises(NotAllowed, match="forwarded to carol for close: only they may close it"):
            calls.close_call(call.ref, desk.admin, "done", reason="FIXED")

    def test_closing_needs_a_reason_linked_to_the_call_type(self, desk):
        call = resolved(desk)
        with pytest.raises(InvalidInput, match="FULFILLED does not apply to an Incident"):
            calls.close_call(call.ref, desk.carol, "done", reason="FULFILLED")
        with pytest.raises(InvalidInput, match="No closure reason 'NOPE'"):
            calls.close_call(call.ref, desk.carol, "done", reason="NOPE")
        assert Call.objects.get(pk=call.pk).status == Status.FORWARD_FOR_CLOSURE

    def test_rejecting_sends_the_call_back_to_its_resolver_and_counts_it(self, desk):
        call = resolved(desk)
        call = calls.reject_resolution(call.ref, desk.carol, "User says it still crashes")
        assert (call.status, call.assigned_analyst, call.times_rejected) == (Status.ASSIGNED, desk.rita, 1)
        assert call.closure_target_group is None
        call = calls.resolve_call(call.ref, desk.rita, "Reinstalled Office")
        call = calls.close_call(call.ref, desk.carol, "Confirmed", reason="FIXED")
        outcomes = list(ClosureDecision.objects.filter(call=call).order_by("decided_at", "id")
                        .values_list("outcome", "rejections_before"))
        assert outcomes == [("rejected", 0), ("closed_after_rejection", 1)]

    def test_reforwarding_to_another_group_needs_a_reason(self, desk):
        call = resolved(desk)
        with pytest.raises(InvalidInput, match="A reason for forwarding"):
            calls.forward_call(call.ref, desk.carol, "", to_group=desk.closure_group)
        call = calls.forward_call(call.ref, desk.carol, "Needs a second look", to_group=desk.closure_group)
        assert (call.status, call.closure_target_group) == (Status.FORWARD_FOR_CLOSURE, desk.closure_group)
        assert call.events.last().note == "Needs a second look"

    def test_a_closed_call_cannot_be_closed_again(self, desk):
        call = resolved(desk)
        calls.close_call(call.ref, desk.carol, "ok", reason="FIXED")
        with pytest.raises(InvalidTransition, match="is Closed"):
            calls.close_call(call.ref, desk.carol, "ok", reason="FIXED")

    def test_a_stale_version_is_refused_as_changed_by_someone_else(self, desk):
        call = resolved(desk)
        stale = call.version
        calls.take_call(call.ref, desk.carol)
        with pytest.raises(ChangedByOther, match="changed by someone else"):
            calls.close_call(call.ref, desk.carol, "ok", reason="FIXED", expected_version=stale)


class TestVisibility:
    def test_a_call_of_another_partition_is_not_found(self, desk):
        call = calls.log_call(desk.other, "incident", "Door lock broken", actor=desk.olga)
        with pytest.raises(NotFound):
            calls.get_call(call.ref, desk.alice)
        with pytest.raises(NotFound):
            calls.assign_call(call.ref, desk.alice, group=desk.service_desk)
        assert calls.get_call(call.ref.lower(), desk.olga).ref == call.ref

    def test_actions_offered_match_the_rules(self, desk):
        call = resolved(desk)
        assert "close" not in calls.actions_for(call, desk.rita)
        assert {"take", "close", "reject"} <= calls.actions_for(call, desk.carol)
