"""Call Auto Close with a frozen clock: rules audited with their change reason, reminders at the right times,
close or escalate at expiry, idle time restarted by an action, and passes that act once per call."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from closeloop.autoclose import services as autoclose
from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.closure import InvalidInput, NotAllowed, Status
from closeloop.partitions import services as partitions
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)


def resolved_call(desk, at=T0, summary="Printer jam on floor 2"):  # type: ignore[no-untyped-def]
    """An incident logged by the Service Desk and resolved by alice: Forward for Closure to Service Desk."""
    call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=desk.alice, actor=desk.alice, at=at)
    return calls.resolve_call(call.ref, desk.alice, "Cleared the jam", at=at)


def servicenow_rule(desk, **values):  # type: ignore[no-untyped-def]
    """Remind the closure target and the contact at 5 days, close at 10."""
    fields = {"name": "Resolved calls", "statuses": ["forward_for_closure", "forward_to_you_for_close"],
              "call_types": ["incident"], "idle_days": 10, "reminders": ["5:target,contact"], "reason": "FIXED",
              **values}
    return autoclose.add_rule(desk.default, "Resolved calls pile up unvalidated", desk.admin, **fields)


def events(call, action):  # type: ignore[no-untyped-def]
    return list(CallEvent.objects.filter(call=call, action=action).order_by("at", "id"))


def fresh(call):  # type: ignore[no-untyped-def]
    return Call.objects.get(pk=call.pk)


# --- rules: audited, checked, counted ----------------------------------------------------------------

def test_adding_a_rule_is_audited_with_its_change_reason_and_says_how_many_calls_it_matches(desk):
    resolved_call(desk)
    resolved_call(desk, summary="Monitor flickers")
    saved = servicenow_rule(desk)
    assert saved.matches == 2
    change = SettingsChange.objects.filter(partition=desk.default,
                                           subject=SettingsChange.Subject.AUTO_CLOSE_RULES).get()
    assert (change.changed_by, change.change_reason) == (desk.admin, "Resolved calls pile up unvalidated")
    assert change.before == {} and change.after["Resolved calls"]["idle_days"] == 10
    autoclose.set_rule(saved.rule, "Give closers two weeks", desk.admin, idle_days=14)
    latest = SettingsChange.objects.filter(subject=SettingsChange.Subject.AUTO_CLOSE_RULES).first()
    assert latest.diff == {"Resolved calls": ({**latest.before["Resolved calls"]},
                                              {**latest.before["Resolved calls"], "idle_days": 14})}


def test_rule_changes_need_ipk_setup_and_a_change_reason(desk):
    with pytest.raises(NotAllowed, match="IPK Setup"):
        autoclose.add_rule(desk.default, "why not", desk.alice, name="Mine", statuses=["on_hold"], idle_days=3,
                           expiry="escalate", escalation_group="Service Desk")
    with pytest.raises(InvalidInput) as refused:
        autoclose.add_rule(desk.default, " ", desk.admin, name="Again", statuses=["on_hold"], idle_days=3)
    assert refused.value.field == "change_reason"


@pytest.mark.parametrize(("values", "field"), [
    ({"reason": "FULFILLED"}, "reason"),
    ({"statuses": ["assigned"]}, "statuses"),
    ({"reminders": ["12:target"]}, "reminders"),
    ({"reminders": ["5:nobody"]}, "reminders"),
    ({"idle_days": "ten"}, "idle_days"),
    ({"name": ""}, "name"),
    ({"reason": None, "expiry": "escalate", "escalation_group": "Nowhere"}, "escalation_group"),
])
def test_a_rule_that_could_not_act_is_refused_naming_the_field_and_nothing_is_saved(desk, values, field):
    with pytest.raises((InvalidInput, NotAllowed)) as refused:
        servicenow_rule(desk, **values)
    assert refused.value.field == field
    assert not autoclose.list_rules(None).exists()
    assert not SettingsChange.objects.filter(subject=SettingsChange.Subject.AUTO_CLOSE_RULES).exists()


def test_escalating_resolved_calls_to_a_group_with_no_eligible_closer_is_refused(desk):
    partitions.create_group(desk.default, "Nobody Closes", [desk.alice])
    with pytest.raises(InvalidInput, match="no eligible closer") as refused:
        servicenow_rule(desk, reason=None, expiry="escalate", escalation_group="Nobody Closes")
    assert refused.value.field == "escalation_group"


def test_a_close_rule_for_calls_on_hold_needs_a_reason_for_closed_unresolved(desk):
    with pytest.raises(InvalidInput, match="Closed/Unresolved") as refused:
        servicenow_rule(desk, statuses=["on_hold"])
    assert refused.value.field == "reason"


def test_two_rules_of_a_partition_cannot_share_a_name(desk):
    servicenow_rule(desk)
    with pytest.raises(InvalidInput, match="already has") as refused:
        servicenow_rule(desk, idle_days=3, reminders=[])
    assert refused.value.field == "name"


# --- the pass with a frozen clock -----------------------------------------------------------------------

def test_reminder_at_five_days_then_closed_at_ten_by_the_system_with_the_rules_reason(desk):
    call = resolved_call(desk)
    servicenow_rule(desk, comments="The user did not answer our follow-up")
    assert autoclose.auto_close_pass(T0 + 5 * DAY - timedelta(minutes=1)).reminded == 0
    summary = autoclose.auto_close_pass(T0 + 5 * DAY)
    assert (summary.reminded, summary.closed, summary.refs) == (1, 0, {"reminded": [call.ref]})
    [reminder] = events(call, "remind")
    assert reminder.details == {"rule": "Resolved calls", "number": 1, "to": ["contact", "target"],
                                "due_at": (T0 + 10 * DAY).isoformat()}
    assert reminder.actor is None and fresh(call).status == Status.FORWARD_FOR_CLOSURE
    assert fresh(call).last_action_at == T0  # a reminder does not restart the idle time
    assert autoclose.auto_close_pass(T0 + 9 * DAY).reminded == 0  # never twice
    assert autoclose.auto_close_pass(T0 + 10 * DAY - timedelta(seconds=1)).closed == 0
    assert autoclose.auto_close_pass(T0 + 10 * DAY).closed == 1
    closed = fresh(call)
    assert (closed.status, closed.closed_by, closed.closed_at, closed.closure_reason.code) == (
        Status.CLOSED, None, T0 + 10 * DAY, "FIXED")
    assert closed.closure_comments == ("Auto-closed by rule Resolved calls after 10 days without a decision. "
                                       "The user did not answer our follow-up")
    decision = ClosureDecision.objects.get(call=call)
    assert (decision.outcome, decision.decided_by, decision.resolver) == ("auto_closed", None, desk.alice)
    assert [e.details.get("rule") for e in events(call, "auto_close")] == ["Resolved calls"]
    assert autoclose.auto_close_pass(T0 + 30 * DAY).closed == 0  # closed once


def test_an_action_on_the_call_restarts_its_idle_time_and_its_reminders(desk):
    call = resolved_call(desk)
    servicenow_rule(desk)
    autoclose.auto_close_pass(T0 + 5 * DAY)
    calls.take_call(call.ref, desk.carol, at=T0 + 6 * DAY)  # carol takes it: a decision is under way
    assert autoclose.auto_close_pass(T0 + 10 * DAY).closed == 0
    assert autoclose.auto_close_pass(T0 + 11 * DAY).reminded == 1  # 5 days after the take
    assert [e.details["number"] for e in events(call, "remind")] == [1, 1]
    assert autoclose.auto_close_pass(T0 + 16 * DAY).closed == 1


def test_reminders_come_in_order_and_business_days_skip_the_weekend(desk):
    call = resolved_call(desk)  # Monday 09:00
    servicenow_rule(desk, idle_days=6, business_days=True, reminders=["2:target", "4:contact"])
    assert autoclose.auto_close_pass(T0 + 2 * DAY).reminded == 1  # Wednesday
    assert autoclose.auto_close_pass(T0 + 3 * DAY).reminded == 0
    assert autoclose.auto_close_pass(T0 + 4 * DAY).reminded == 1  # Friday
    assert autoclose.auto_close_pass(T0 + 7 * DAY).closed == 0  # Monday: 5 business days
    assert autoclose.auto_close_pass(T0 + 8 * DAY).closed == 1  # Tuesday: 6
    assert [(e.details["number"], e.details["to"]) for e in events(call, "remind")] == [(1, ["target"]),
                                                                                        (2, ["contact"])]


def test_escalation_at_expiry_forwards_to_the_rules_group_with_a_higher_priority(desk):
    call = resolved_call(desk)
    servicenow_rule(desk, reason=None, expiry="escalate", escalation_group="Closure Group", raise_priority=1,
                    reminders=[])
    summary = autoclose.auto_close_pass(T0 + 10 * DAY)
    assert (summary.escalated, summary.closed) == (1, 0)
    escalated = fresh(call)
    assert (escalated.status, escalated.closure_target_group, escalated.priority) == (
        Status.FORWARD_FOR_CLOSURE, desk.closure_group, 2)
    assert escalated.last_action_at == T0 + 10 * DAY
    assert events(call, "escalate")[0].details == {"rule": "Resolved calls", "to_group": "Closure Group",
                                                   "priority": 2}


def test_a_call_on_hold_is_escalated_off_hold_to_the_groups_queue(desk):
    call = calls.log_call(desk.default, "incident", "Waiting for the user", assigned_group=desk.service_desk,
                          assigned_analyst=desk.alice, actor=desk.alice, at=T0)
    calls.hold_call(call.ref, desk.alice, "Asked the user for a screenshot", at=T0)
    autoclose.add_rule(desk.default, "Stale holds", desk.admin, name="On hold too long", statuses=["on_hold"],
                       idle_days=3, expiry="escalate", escalation_group="Network", priority_to=2)
    assert autoclose.auto_close_pass(T0 + 3 * DAY).escalated == 1
    moved = fresh(call)
    assert (moved.status, moved.assigned_group, moved.assigned_analyst, moved.priority) == (
        Status.ASSIGNED, desk.network, None, 2)


def test_a_call_on_hold_closes_at_expiry_as_closed_unresolved_for_no_response(desk):
    partitions.add_closure_reason(desk.default, "NO-RESPONSE", "No response from user", ["incident"],
                                  unresolved=True)
    call = calls.log_call(desk.default, "incident", "Waiting for the user", assigned_group=desk.service_desk,
                          assigned_analyst=desk.alice, actor=desk.alice, at=T0)
    calls.hold_call(call.ref, desk.alice, "Asked the user for a screenshot", at=T0)
    autoclose.add_rule(desk.default, "Stale holds", desk.admin, name="No answer", statuses=["on_hold"],
                       idle_days=5, expiry="close", reason="NO-RESPONSE", call_types=["incident"])
    assert autoclose.auto_close_pass(T0 + 5 * DAY).closed == 1
    closed = fresh(call)
    assert (closed.status, closed.unresolved_kind, closed.closure_reason.code, closed.closed_by) == (
        Status.CLOSED_UNRESOLVED, "no_response", "NO-RESPONSE", None)
    assert closed.resolution == "" and "Auto-closed by rule No answer" in closed.closure_comments


def test_the_first_matching_rule_in_order_applies(desk):
    call = resolved_call(desk)
    servicenow_rule(desk)
    autoclose.add_rule(desk.default, "Incidents wait less", desk.admin, name="Quick", position=0,
                       statuses=["forward_for_closure"], idle_days=2, reason="FIXED", call_types=["incident"])
    assert autoclose.auto_close_pass(T0 + 2 * DAY).closed == 1
    assert events(call, "auto_close")[0].details["rule"] == "Quick"


def test_a_deactivated_rule_does_nothing(desk):
    call = resolved_call(desk)
    saved = servicenow_rule(desk)
    autoclose.deactivate_rule(saved.rule, "Closers caught up", desk.admin)
    assert str(autoclose.auto_close_pass(T0 + 20 * DAY)) == "0 reminded, 0 closed, 0 escalated"
    assert fresh(call).status == Status.FORWARD_FOR_CLOSURE


def test_two_passes_in_a_row_remind_once_and_close_once(desk):
    calls_waiting = [resolved_call(desk, summary=f"Jam {n}") for n in range(3)]
    servicenow_rule(desk)
    assert autoclose.auto_close_pass(T0 + 6 * DAY).reminded == 3
    assert autoclose.auto_close_pass(T0 + 6 * DAY).reminded == 0
    assert autoclose.auto_close_pass(T0 + 12 * DAY).closed == 3
    assert autoclose.auto_close_pass(T0 + 12 * DAY).closed == 0
    assert ClosureDecision.objects.filter(outcome="auto_closed").count() == 3
    assert all(len(events(c, "auto_close")) == 1 for c in calls_waiting)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_close_each_call_once(desk):
    waiting = [resolved_call(desk, summary=f"Race {n}") for n in range(12)]
    servicenow_rule(desk)
    start = threading.Barrier(4)
    summaries: list[autoclose.PassSummary] = []

    def run(now: datetime) -> None:
        try:
            start.wait()
            summaries.append(autoclose.auto_close_pass(now))
        finally:
            connection.close()

    for now in (T0 + 6 * DAY, T0 + 12 * DAY):
        threads = [threading.Thread(target=run, args=(now,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(s.reminded for s in summaries) == 12
    assert sum(s.closed for s in summaries) == 12
    assert sum(s.failed for s in summaries) == 0
    for call in waiting:
        assert len(events(call, "remind")) == 1 and len(events(call, "auto_close")) == 1
    assert ClosureDecision.objects.filter(outcome="auto_closed").count() == 12
