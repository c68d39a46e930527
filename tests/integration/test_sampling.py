"""Sampling on a real database: the audited policy, the decision recorded at resolve time, and what the
contact's acceptance and Call Auto Close do to sampled and unsampled calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from closeloop.autoclose import services as autoclose
from closeloop.calls import sampling as call_sampling
from closeloop.calls import services as calls
from closeloop.calls.acceptance import answer_resolution
from closeloop.calls.links import acceptance_links
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.calls.present import call_as_dict
from closeloop.closure import InvalidInput, NotAllowed, Status
from closeloop.closure.sampling import NO_POLICY
from closeloop.partitions.models import SettingsChange
from closeloop.partitions.sampling import load_sampling_policy, set_sampling_policy
from closeloop.reports.base import parse_period
from closeloop.reports.closure_stage import rejection_rate

from .test_acceptance_services import token_of

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)


class Draws:
    """The random numbers a test wants drawn, in order."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


@pytest.fixture
def draws(monkeypatch):  # type: ignore[no-untyped-def]
    def use(*values: float) -> None:
        monkeypatch.setattr(call_sampling, "_RANDOM", Draws(*values))
    return use


def policy(desk, reason="Validate what matters", **values):  # type: ignore[no-untyped-def]
    return set_sampling_policy(desk.default, reason, desk.admin, **{"enabled": True, **values})


def resolved(desk, priority=3, call_type="incident", at=T0, resolver=None):  # type: ignore[no-untyped-def]
    resolver = resolver or desk.alice
    call = calls.log_call(desk.default, call_type, "Printer jam on floor 2", log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=resolver, actor=desk.alice,
                          priority=priority, at=at)
    return calls.resolve_call(call.ref, resolver, "Cleared the jam", at=at)


def fresh(call):  # type: ignore[no-untyped-def]
    return Call.objects.get(pk=call.pk)


def accept(call) -> Call:  # type: ignore[no-untyped-def]
    return answer_resolution(token_of(acceptance_links(fresh(call), T0).accept), "accept", at=T0 + DAY)


# --- the policy: audited, checked, effective at once --------------------------------------------------

def test_setting_the_policy_is_audited_with_its_change_reason(desk):
    saved = policy(desk, min_priority=2, call_types=["major_incident"], random_percent=10)
    assert saved.changed and saved.version == 1
    change = SettingsChange.objects.get(partition=desk.default, subject=SettingsChange.Subject.SAMPLING_POLICY)
    assert (change.changed_by, change.change_reason, change.version) == (desk.admin, "Validate what matters", 1)
    assert change.before["enabled"] is False
    assert change.after == {"enabled": True, "min_priority": 2, "call_types": ["major_incident"],
                            "rejected_or_refused_before": False, "resolver_rejection_rate_above": None,
                            "resolver_first_n": 0, "random_percent": 10.0}
    assert load_sampling_policy(desk.default).min_priority == 2
    again = policy(desk, min_priority=2)  # the same values: nothing to audit
    assert not again.changed and SettingsChange.objects.filter(subject="sampling_policy").count() == 1


def test_a_dry_run_checks_and_saves_nothing(desk):
    saved = set_sampling_policy(desk.default, "Try it", desk.admin, dry_run=True, enabled=True, random_percent=20)
    assert saved.dry_run and saved.changed and saved.policy.random_percent == 20
    assert not load_sampling_policy(desk.default).enabled
    assert not SettingsChange.objects.filter(subject="sampling_policy").exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"random_percent": 101}, "random_percent"),
    ({"random_percent": "lots"}, "random_percent"),
    ({"min_priority": 7}, "min_priority"),
    ({"resolver_first_n": -2}, "resolver_first_n"),
    ({"call_types": ["gadget"]}, "call_types"),
    ({"enabled": "yes"}, "enabled"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_value_is_refused_naming_its_field_and_changes_nothing(desk, values, field):
    with pytest.raises(InvalidInput) as refused:
        policy(desk, **{"random_percent": 10, **values})
    assert refused.value.field == field
    assert not load_sampling_policy(desk.default).enabled


def test_only_ipk_setup_may_change_the_policy_and_a_reason_is_required(desk):
    with pytest.raises(NotAllowed):
        set_sampling_policy(desk.default, "mine", desk.alice, enabled=True, random_percent=5)
    with pytest.raises(InvalidInput) as refused:
        set_sampling_policy(desk.default, "  ", desk.admin, enabled=True, random_percent=5)
    assert refused.value.field == "change_reason"


# --- the decision at resolve time ---------------------------------------------------------------------

def test_with_no_policy_a_resolved_call_is_validated_as_today(desk):
    call = fresh(resolved(desk))
    assert (call.sampled, call.sampling_draw, call.sampling_reasons) == (True, None, [NO_POLICY])
    assert "sampling" not in CallEvent.objects.filter(call=call, action__startswith="resolve_to").get().details
    assert call_as_dict(call)["sampling"] == {"sampled": True, "reasons": [NO_POLICY], "draw": None,
                                              "summary": "Validated as the closure settings say (no sampling "
                                                         "policy)"}


def test_resolving_records_the_decision_and_the_draw_on_the_call_and_in_its_history(desk, draws):
    policy(desk, min_priority=2, random_percent=10)
    draws(0.5, 0.07, 0.63)
    urgent, lucky, plain = resolved(desk, priority=1), resolved(desk), resolved(desk)
    assert (fresh(urgent).sampled, fresh(urgent).sampling_reasons) == (True, ["P1 is at or above P2"])
    assert (fresh(lucky).sampled, fresh(lucky).sampling_draw) == (True, 0.07)
    assert fresh(lucky).sampling_reasons == ["random 10 %: draw 0.07 < 0.10"]
    assert not fresh(plain).sampled
    event = CallEvent.objects.filter(call=plain, action__startswith="resolve_to").get()
    assert event.details["sampling"] == {"sampled": False, "draw": 0.63,
                                         "reasons": ["not sampled: no condition matched, draw 0.63 ≥ 0.10"]}
    assert call_as_dict(fresh(plain))["sampling"]["summary"] == "Not sampled: no condition matched, draw 0.63 ≥ 0.10"


def test_a_call_resolved_again_after_a_rejection_is_decided_again_and_sampled(desk, draws):
    policy(desk, rejected_or_refused_before=True, random_percent=10)
    draws(0.9, 0.9)
    call = resolved(desk)
    assert not fresh(call).sampled
    calls.reject_resolution(call.ref, desk.carol, "The jam is back")
    calls.resolve_call(call.ref, desk.alice, "Replaced the roller")
    assert fresh(call).sampled and fresh(call).sampling_reasons == ["rejected 1 time before"]


def test_the_resolvers_history_is_read_in_one_query_and_only_when_the_policy_uses_it(desk, draws):
    policy(desk, min_priority=1, random_percent=10)
    draws(0.9, 0.9, 0.9)
    call = calls.log_call(desk.default, "incident", "Mouse", assigned_analyst=desk.rita, actor=desk.alice)
    with CaptureQueriesContext(connection) as plain:
        calls.resolve_call(call.ref, desk.rita, "New mouse")
    assert not [q for q in plain.captured_queries if "calls_closuredecision" in q["sql"]]
    policy(desk, resolver_first_n=2, resolver_rejection_rate_above=30)
    call = calls.log_call(desk.default, "incident", "Keyboard", assigned_analyst=desk.rita, actor=desk.alice)
    with CaptureQueriesContext(connection) as history:
        calls.resolve_call(call.ref, desk.rita, "New keyboard")
    assert len([q for q in history.captured_queries if "calls_closuredecision" in q["sql"]]) == 1
    assert fresh(call).sampling_reasons == ["one of the resolver's first 2 calls (0 closed so far)"]


def test_a_resolver_rejected_often_in_the_last_30_days_is_sampled(desk, draws):
    policy(desk, resolver_rejection_rate_above=40, random_percent=1)
    draws(*[0.9] * 6)
    now = datetime.now(UTC)
    first, second = resolved(desk, at=now - 3 * DAY), resolved(desk, at=now - 3 * DAY)
    calls.reject_resolution(first.ref, desk.carol, "Not fixed", at=now - 2 * DAY)
    calls.close_call(second.ref, desk.carol, "Fine", reason="FIXED", at=now - 2 * DAY)
    assert call_sampling.resolver_history(desk.alice.id, now) == (50.0, 1)
    assert call_sampling.resolver_history(desk.alice.id, now + 40 * DAY) == (None, 1)  # nothing lately
    later = resolved(desk, at=now)
    assert fresh(later).sampling_reasons == ["the resolver's rejection rate over 30 days is 50.0 % (above 40 %)"]
    third = resolved(desk, at=now - 3 * DAY)
    calls.close_call(third.ref, desk.carol, "Fine", reason="FIXED", at=now - DAY)
    assert call_sampling.resolver_history(desk.alice.id, now) == (100 / 3, 2)
    # a policy asking about the first call only: the count stops at 1, or is not read at all
    assert call_sampling.resolver_history(desk.alice.id, now, closed_up_to=1) == (100 / 3, 1)
    assert call_sampling.resolver_history(desk.alice.id, now, closed_up_to=0) == (100 / 3, 0)


# --- the contact's acceptance ---------------------------------------------------------------------------

def test_the_contacts_acceptance_closes_an_unsampled_call_with_the_acceptance_reason(desk, draws):
    desk.configure(acceptance_reason="FIXED")  # acceptance_closes stays off: only unsampled calls close
    policy(desk, min_priority=1, random_percent=10)
    draws(0.63)
    call = accept(resolved(desk))
    assert call.status == Status.CLOSED and call.closed_by is None and call.closure_reason.code == "FIXED"
    event = CallEvent.objects.filter(call=call).order_by("-id").first()
    assert event.action == "accept_and_close"
    assert event.note == "Closed on the contact's confirmation (not sampled: no condition matched, draw 0.63 ≥ 0.10)"
    decision = ClosureDecision.objects.get(call=call)
    assert (decision.outcome, decision.decided_by, decision.sampled) == ("closed_first_time", None, False)


def test_the_contacts_acceptance_of_a_sampled_call_waits_for_its_closure_target(desk, draws):
    desk.configure(acceptance_closes=True, acceptance_reason="FIXED")
    policy(desk, min_priority=2, random_percent=10)
    draws(0.9)
    call = accept(resolved(desk, priority=1))
    assert call.status == Status.FORWARD_FOR_CLOSURE and call.user_confirmed_at is not None
    note = CallEvent.objects.filter(call=call).order_by("-id").first().note
    assert note == ("The contact confirmed the resolution; not closed: sampled for validation (P1 is at or above "
                    "P2)")
    closed = calls.close_call(call.ref, desk.carol, "Checked", reason="FIXED")
    assert closed.status == Status.CLOSED and ClosureDecision.objects.get(call=call).sampled is True


def test_with_no_policy_acceptance_does_what_the_closure_settings_say(desk):
    desk.configure(acceptance_reason="FIXED")
    assert accept(resolved(desk)).status == Status.FORWARD_FOR_CLOSURE
    assert ClosureDecision.objects.count() == 0


# --- Call Auto Close --------------------------------------------------------------------------------------

def closing_rule(desk):  # type: ignore[no-untyped-def]
    return autoclose.add_rule(desk.default, "Close stale resolutions", desk.admin, name="Stale",
                              statuses=["forward_for_closure"], call_types=["incident"], idle_days=10,
                              reminders=["5:target"],
                              reason="FIXED")


def test_at_expiry_an_unsampled_call_is_closed_and_a_sampled_one_is_held_for_its_closure_target(desk, draws):
    policy(desk, min_priority=2, random_percent=10)
    draws(0.9, 0.9)
    sampled, unsampled = resolved(desk, priority=1), resolved(desk, priority=3)
    closing_rule(desk)
    autoclose.auto_close_pass(T0 + 6 * DAY)  # the reminder of both
    summary = autoclose.auto_close_pass(T0 + 11 * DAY)
    assert summary.closed == 1 and summary.refs["closed"] == [unsampled.ref]
    assert summary.refs["reminded"] == [sampled.ref]
    assert fresh(unsampled).status == Status.CLOSED
    assert ClosureDecision.objects.get(call=unsampled).sampled is False
    held = fresh(sampled)
    assert held.status == Status.FORWARD_FOR_CLOSURE and not ClosureDecision.objects.filter(call=held).exists()
    event = CallEvent.objects.filter(call=held, action="remind").order_by("-id").first()
    assert event.details["held_for_validation"] is True and event.details["to"] == ["target"]
    assert "sampled for validation (P1 is at or above P2): it waits for its closure target" in event.note
    assert autoclose.auto_close_pass(T0 + 12 * DAY).refs == {}  # told once: it keeps waiting
    assert fresh(held).status == Status.FORWARD_FOR_CLOSURE


def test_with_no_policy_a_closing_rule_closes_every_call_as_today(desk):
    call = resolved(desk)
    closing_rule(desk)
    assert autoclose.auto_close_pass(T0 + 11 * DAY).refs == {"closed": [call.ref]}
    assert ClosureDecision.objects.get(call=call).sampled is None


# --- the rejection-rate report --------------------------------------------------------

def test_the_rejection_rate_report_shows_the_sampled_share_and_how_often_sampled_calls_were_rejected(desk, draws):
    resolved_before = resolved(desk)  # under no policy: its own line, outside the share
    calls.close_call(resolved_before.ref, desk.carol, "ok", reason="FIXED", at=T0 + DAY)
    policy(desk, min_priority=2, random_percent=10)
    draws(0.9, 0.9, 0.9, 0.9)
    p1, p1b, p3, p3b = (resolved(desk, priority=1), resolved(desk, priority=1), resolved(desk), resolved(desk))
    calls.reject_resolution(p1.ref, desk.carol, "Not fixed", at=T0 + DAY)
    calls.close_call(p1b.ref, desk.carol, "ok", reason="FIXED", at=T0 + DAY)
    calls.close_call(p3.ref, desk.carol, "ok", reason="FIXED", at=T0 + DAY)
    calls.reject_resolution(p3b.ref, desk.carol, "Not fixed", at=T0 + 40 * DAY)  # outside the period
    period = parse_period(T0.date(), (T0 + 29 * DAY).date())
    lines = {row["name"]: row for row in rejection_rate(desk.default, period).rows if row["dimension"] == "sampling"}
    assert {name: (row["decisions"], row["rejected"], row["rejection_rate"], row["share_under_policy"])
            for name, row in lines.items()} == {
        "resolved under no sampling policy": (1, 0, 0.0, None),
        "sampled (validated by the closure target)": (2, 1, 50.0, 66.7),
        "not sampled (closed on the contact's word)": (1, 0, 0.0, 33.3)}
    other = rejection_rate(desk.other, period).rows
    assert not [row for row in other if row["dimension"] == "sampling"], "no policy in force: no sampling lines"
