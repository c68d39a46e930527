"""The what-if preview of Call Auto Close rules (closure.autoclose_preview), on calls described as plain values and
a frozen clock: what the next pass would do under the rules now and after a change, and what the rules would
have done before the verdicts of the last 30 days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closeloop.closure import CallFacts, CallType, ReasonFacts, Status
from closeloop.closure.autoclose import (
    AUTO_CLOSE_INPUT,
    WATCHABLE_STATUSES,
    Audience,
    AutoCloseRuleFacts,
    DayCount,
    DueKind,
    Expiry,
    Reminder,
    due,
    facts_for_rules,
    kinds_ruled,
    rule_for,
    shortest_wait,
)
from closeloop.closure.autoclose_preview import (
    DecidedCall,
    Step,
    Verdict,
    WatchedCall,
    next_step,
    preview_auto_close,
    step_before_verdict,
)
from closeloop.closure.preview import SHOWN_CHANGES
from closeloop.closure.sampling import NO_POLICY, SamplingDecision

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday: the frozen clock
DAY = timedelta(days=1)
FIXED = ReasonFacts("FIXED", True, frozenset(CallType), 7)
TARGET = frozenset({Audience.TARGET})
CLOSURE = frozenset({Status.FORWARD_FOR_CLOSURE, Status.FORWARD_TO_YOU_FOR_CLOSE})
SAMPLED = SamplingDecision(True, ("priority 1",), 0.5)
UNSAMPLED = SamplingDecision(False, (), 0.5)


def rule(name: str = "Resolved calls", **changes: object) -> AutoCloseRuleFacts:
    """Remind the closure target at 5 days, close at 10."""
    values: dict[str, object] = {"name": name, "statuses": CLOSURE, "idle_days": 10, "expiry": Expiry.CLOSE,
                                 "reminders": (Reminder(5, TARGET),), "reason": FIXED, "rule_id": 1}
    values.update(changes)
    return AutoCloseRuleFacts(**values)  # type: ignore[arg-type]


def facts(n: int, status: Status = Status.FORWARD_FOR_CLOSURE, **changes: object) -> CallFacts:
    values: dict[str, object] = {"ref": f"INC-{n:06d}", "call_type": CallType.INCIDENT, "status": status,
                                 "logged_by_id": 1, "resolved_by_id": 1, "target_group_id": 10, "priority": 3}
    values.update(changes)
    return CallFacts(**values)  # type: ignore[arg-type]


def idle(n: int, days: float, sent: int = 0, sampling: SamplingDecision | None = None,
         **changes: object) -> WatchedCall:
    return WatchedCall(facts(n, **changes), NOW - days * DAY, sent, sampling)


RESOLVED = NOW - 20 * DAY


def decided(n: int, waited_days: float, verdict: Verdict = Verdict.CLOSED, by_closer: bool = True,
            sampling: SamplingDecision | None = None) -> DecidedCall:
    """Resolved 20 days ago, to a group, and left alone until its verdict."""
    return DecidedCall(facts(n), ((RESOLVED, Status.FORWARD_FOR_CLOSURE),), RESOLVED + waited_days * DAY, verdict,
                       by_closer, sampling)


# --- the watched calls: what the next pass would do, and when -----------------------------------------------

def test_the_next_step_is_the_pass_s_decision_with_its_date() -> None:
    r = rule()
    assert next_step(idle(1, 2), [r], NOW).key == (Step.REMIND, NOW + 3 * DAY)
    assert next_step(idle(2, 6), [r], NOW).key == (Step.REMIND, NOW)  # reminder 1 due: at the next pass
    assert next_step(idle(3, 6, sent=1), [r], NOW).key == (Step.CLOSE, NOW + 4 * DAY)
    assert next_step(idle(4, 12, sent=1), [r], NOW).key == (Step.CLOSE, NOW)  # overdue: at the next pass
    assert next_step(idle(5, 12, status=Status.ASSIGNED), [r], NOW).step is Step.NOTHING
    assert next_step(WatchedCall(facts(6), None), [r], NOW).step is Step.NOTHING  # no idle time yet
    escalating = rule(expiry=Expiry.ESCALATE, reason=None, escalation_group_id=20, reminders=())
    assert next_step(idle(7, 3), [escalating], NOW).key == (Step.ESCALATE, NOW + 7 * DAY)
    assert next_step(idle(8, 3), [r], NOW).label(NOW) == "remind on 2026-03-18 09:00 (rule Resolved calls)"
    assert next_step(idle(9, 30, sent=1), [r], NOW).label(NOW) == "auto-close at the next pass (rule Resolved calls)"


def test_a_call_sampled_for_validation_is_held_once_at_a_closing_rule_s_expiry_and_then_left_waiting() -> None:
    r = rule()
    held = next_step(idle(1, 12, sent=1, sampling=SAMPLED), [r], NOW)
    assert (held.step, held.at, held.held) == (Step.REMIND, NOW, True)
    assert "held for validation" in held.label(NOW)
    assert next_step(idle(2, 12, sent=2, sampling=SAMPLED), [r], NOW).step is Step.NOTHING  # told already
    assert next_step(idle(3, 12, sent=1, sampling=UNSAMPLED), [r], NOW).step is Step.CLOSE
    no_policy = SamplingDecision(True, (NO_POLICY,))
    assert next_step(idle(4, 12, sent=1, sampling=no_policy), [r], NOW).step is Step.CLOSE


def test_adding_a_closing_rule_shows_what_it_would_close_and_when() -> None:
    calls = [idle(1, 30), idle(2, 7, sent=1), idle(3, 1), idle(4, 1, status=Status.ON_HOLD)]
    preview = preview_auto_close(calls, [], [], [rule()], NOW)
    assert preview.watched == 4
    assert preview.before == {Step.NOTHING: 4}
    assert preview.after == {Step.CLOSE: 2, Step.REMIND: 1, Step.NOTHING: 1}
    assert (preview.acting_now_before, preview.acting_now_after) == (0, 1)  # INC-000001 closes at once
    assert preview.changed == 3
    assert [(c.ref, c.before.step, c.after.key) for c in preview.examples] == [
        ("INC-000001", Step.NOTHING, (Step.CLOSE, NOW)),
        ("INC-000002", Step.NOTHING, (Step.CLOSE, NOW + 3 * DAY)),
        ("INC-000003", Step.NOTHING, (Step.REMIND, NOW + 4 * DAY))]
    assert preview.rows == [("nothing", 4, 1), ("remind", 0, 1), ("auto-close", 0, 2)]
    text = "\n".join(preview.lines())
    assert "4 call(s) in a status the rules watch now" in text and "  auto-close: 0 -> 2" in text
    assert "INC-000001: nothing -> auto-close at the next pass (rule Resolved calls)" in text
    assert "the next pass would act on 0 -> 1 at once" in text


def test_a_narrow_rule_placed_first_takes_its_calls_from_the_broad_one() -> None:
    broad = rule("Broad", position=1, rule_id=1)
    p1 = rule("P1 escalates", position=0, rule_id=2, priorities=frozenset({1}), expiry=Expiry.ESCALATE, reason=None,
              escalation_group_id=20, reminders=(), idle_days=2)
    calls = [idle(1, 3, sent=1, priority=1), idle(2, 3, sent=1, priority=3)]
    preview = preview_auto_close(calls, [], [broad], [broad, p1], NOW)
    assert [(c.ref, c.before.label(NOW), c.after.label(NOW)) for c in preview.examples] == [
        ("INC-000001", "auto-close on 2026-03-23 09:00 (rule Broad)", "escalate at the next pass (rule P1 escalates)")]


def test_deactivating_the_only_rule_leaves_every_call_waiting() -> None:
    r = rule()
    calls = [idle(n, n) for n in range(1, 13)]
    preview = preview_auto_close(calls, [], [r], [rule(active=False)], NOW)
    assert preview.after == {Step.NOTHING: 12} and preview.changed == 12
    assert sum(preview.before.values()) == 12 and preview.acting_now_after == 0


def test_only_the_first_changes_are_listed_and_the_rest_counted() -> None:
    calls = [idle(n, 30) for n in range(SHOWN_CHANGES + 7)]
    preview = preview_auto_close(calls, [], [], [rule()], NOW)
    assert preview.changed == SHOWN_CHANGES + 7 and len(preview.examples) == SHOWN_CHANGES
    assert preview.lines().count("  … and 7 more") == 1
    assert len(preview.as_dict()["changes"]) == SHOWN_CHANGES  # type: ignore[arg-type]


# --- the resolutions decided lately: what the rules would have done before the verdict -----------------------

def test_a_resolution_decided_after_the_idle_time_would_have_been_auto_closed_first() -> None:
    r = rule()
    assert step_before_verdict(decided(1, 12), [r]).key == (Step.CLOSE, NOW - 10 * DAY)
    assert step_before_verdict(decided(2, 10), [r]).step is Step.CLOSE  # the verdict at the very expiry
    assert step_before_verdict(decided(3, 7), [r]).key == (Step.REMIND, NOW - 15 * DAY)
    assert step_before_verdict(decided(4, 2), [r]).step is Step.NOTHING
    assert step_before_verdict(decided(5, 12, sampling=SAMPLED), [r]).held  # a sampled call is never closed


def test_each_action_in_the_closure_stage_restarts_the_idle_time_and_the_status_it_left_decides_the_rule() -> None:
    taken = DecidedCall(facts(1), ((RESOLVED, Status.FORWARD_FOR_CLOSURE),
                                   (RESOLVED + 8 * DAY, Status.FORWARD_TO_YOU_FOR_CLOSE)),
                        RESOLVED + 16 * DAY, Verdict.CLOSED, True)
    # 8 idle days, then 8 more: ten never passed, but the first reminder (5 days) went out
    assert step_before_verdict(taken, [rule()]).key == (Step.REMIND, RESOLVED + 5 * DAY)
    assert step_before_verdict(taken, [rule(idle_days=7)]).key == (Step.CLOSE, RESOLVED + 7 * DAY)
    late = rule(idle_days=7, statuses=frozenset({Status.FORWARD_TO_YOU_FOR_CLOSE}))  # not while it waited for a group
    assert step_before_verdict(taken, [late]).key == (Step.CLOSE, RESOLVED + 15 * DAY)


def test_the_preview_counts_the_closers_work_taken_off_and_the_rejections_a_rule_would_have_closed() -> None:
    window = [decided(1, 12), decided(2, 15, Verdict.REJECTED), decided(3, 7, Verdict.REJECTED),
              decided(4, 11, Verdict.REFUSED, by_closer=False), decided(5, 12, sampling=SAMPLED),
              decided(6, 10, Verdict.AUTO_CLOSED, by_closer=False)]
    old, new = rule(idle_days=14, reminders=()), rule()
    preview = preview_auto_close([], window, [old], [new], NOW)
    assert preview.resolved_recently == 6
    assert preview.decided_before == {Step.CLOSE: 1, Step.NOTHING: 5}
    assert preview.decided_after == {Step.CLOSE: 4, Step.REMIND: 2}
    assert (preview.taken_before, preview.taken_after) == (1, 2)  # by closers only: INC-000001 and INC-000002
    assert (preview.rejected_before, preview.rejected_after) == (1, 1)
    assert preview.decided_changed == 6  # INC-000002 too: auto-closed four days sooner
    rejected = [c for c in preview.decided_examples if c.verdict is Verdict.REJECTED]
    assert [(c.ref, c.before.step, c.after.step) for c in rejected] == [
        ("INC-000002", Step.CLOSE, Step.CLOSE), ("INC-000003", Step.NOTHING, Step.REMIND)]
    text = "\n".join(preview.lines())
    assert "Of 6 resolution(s) decided in the last 30 days" in text
    assert "Rejected by a closer but auto-closed first: 1 -> 1." in text
    data = preview.as_dict()
    assert data["taken_off_closers"] == {"before": 1, "after": 2}
    assert data["decided_after"] == {"nothing": 0, "remind": 2, "close": 4, "escalate": 0}


# --- properties, with a frozen clock -------------------------------------------------------------------------

reminder_days = st.lists(st.integers(min_value=1, max_value=20), max_size=3, unique=True).map(sorted)


@st.composite
def rules(draw: st.DrawFn) -> AutoCloseRuleFacts:
    days = draw(reminder_days)
    closing = draw(st.booleans())
    statuses = draw(st.sampled_from([CLOSURE, frozenset({Status.FORWARD_FOR_CLOSURE}), frozenset({Status.ON_HOLD})]))
    return AutoCloseRuleFacts(
        name=draw(st.sampled_from(["A", "B", "C"])), statuses=statuses,
        idle_days=draw(st.integers(min_value=(days[-1] + 1) if days else 1, max_value=30)),
        expiry=Expiry.CLOSE if closing else Expiry.ESCALATE,
        priorities=draw(st.sampled_from([frozenset(), frozenset({1}), frozenset({3, 4})])),
        days=draw(st.sampled_from(DayCount)), reminders=tuple(Reminder(d, TARGET) for d in days),
        reason=FIXED if closing else None, escalation_group_id=None if closing else 20,
        active=draw(st.booleans()), position=draw(st.integers(0, 3)), rule_id=draw(st.integers(1, 9)))


samplings = st.sampled_from([None, SAMPLED, UNSAMPLED, SamplingDecision(True, (NO_POLICY,))])


@st.composite
def watched_calls(draw: st.DrawFn) -> list[WatchedCall]:
    count = draw(st.integers(0, 12))
    return [WatchedCall(facts(n, status=draw(st.sampled_from([*WATCHABLE_STATUSES, Status.ASSIGNED])),
                              priority=draw(st.integers(1, 4))),
                        draw(st.none() | st.integers(0, 60 * 24 * 40).map(lambda m: NOW - timedelta(minutes=m))),
                        draw(st.integers(0, 4)), draw(samplings)) for n in range(count)]


@st.composite
def decided_calls(draw: st.DrawFn) -> list[DecidedCall]:
    out = []
    for n in range(draw(st.integers(0, 12))):
        minutes = sorted(draw(st.lists(st.integers(0, 60 * 24 * 30), min_size=2, max_size=5, unique=True)))
        start = NOW - 31 * DAY
        actions = tuple((start + timedelta(minutes=m), draw(st.sampled_from(sorted(CLOSURE)))) for m in minutes[:-1])
        verdict = draw(st.sampled_from(Verdict))
        out.append(DecidedCall(facts(100 + n, priority=draw(st.integers(1, 4))), actions,
                               start + timedelta(minutes=minutes[-1]), verdict,
                               verdict in (Verdict.CLOSED, Verdict.REJECTED), draw(samplings)))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=watched_calls(), past=decided_calls(), same=st.lists(rules(), max_size=3))
def test_the_same_rules_before_and_after_change_nothing(calls: list[WatchedCall], past: list[DecidedCall],
                                                        same: list[AutoCloseRuleFacts]) -> None:
    same = [replace(r, rule_id=n) for n, r in enumerate(same)]  # as rows: each its own id
    preview = preview_auto_close(calls, past, same, list(reversed(same)), NOW)
    assert preview.changed == preview.decided_changed == 0
    assert preview.examples == preview.decided_examples == ()
    assert preview.before == preview.after and preview.decided_before == preview.decided_after
    assert (preview.taken_before, preview.rejected_before) == (preview.taken_after, preview.rejected_after)
    assert preview.acting_now_before == preview.acting_now_after


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=watched_calls(), past=decided_calls(), before=st.lists(rules(), max_size=3),
       after=st.lists(rules(), max_size=3))
def test_the_counts_add_up(calls: list[WatchedCall], past: list[DecidedCall], before: list[AutoCloseRuleFacts],
                           after: list[AutoCloseRuleFacts]) -> None:
    preview = preview_auto_close(calls, past, before, after, NOW)
    assert sum(preview.before.values()) == sum(preview.after.values()) == preview.watched == len(calls)
    assert sum(preview.decided_before.values()) == sum(preview.decided_after.values()) == len(past)
    differ = [c for c in calls if next_step(c, before, NOW).key != next_step(c, after, NOW).key]
    assert preview.changed == len(differ) and len(preview.examples) == min(len(differ), SHOWN_CHANGES)
    assert preview.acting_now_after <= preview.watched - preview.after.get(Step.NOTHING, 0)
    by_closers = [d for d in past if d.by_closer]
    assert preview.rejected_after <= preview.taken_after <= len(by_closers)
    assert preview.rejected_after <= sum(d.verdict is Verdict.REJECTED for d in by_closers)
    assert preview.taken_after <= preview.decided_after.get(Step.CLOSE, 0)
    for d in past:  # what the rules would have done falls in the closure stage, before the verdict
        step = step_before_verdict(d, after)
        assert step.step is Step.NOTHING or (step.at is not None and d.actions[0][0] <= step.at <= d.decided_at)
    swapped = preview_auto_close(calls, past, after, before, NOW)  # the change undone: the counts swap
    assert (swapped.before, swapped.after, swapped.changed) == (preview.after, preview.before, preview.changed)
    assert (swapped.taken_before, swapped.rejected_after) == (preview.taken_after, preview.rejected_before)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=watched_calls(), rules_now=st.lists(rules(), min_size=1, max_size=3))
def test_the_date_shown_is_exactly_when_the_pass_would_act(calls: list[WatchedCall],
                                                           rules_now: list[AutoCloseRuleFacts]) -> None:
    for call in calls:
        step = next_step(call, rules_now, NOW)
        if step.step is Step.NOTHING:
            continue
        applied = rule_for(call.call, rules_now)
        assert applied is not None and call.idle_since is not None and step.at is not None
        assert step.at >= NOW and step.rule == applied.name
        # nothing falls due before the date shown, and something does at it
        if step.at > NOW:
            assert due(applied, call.idle_since, call.reminders_sent, NOW).kind is DueKind.NOTHING
        at_then = due(applied, call.idle_since, call.reminders_sent, step.at)
        assert at_then.kind is (DueKind.REMIND if step.step is Step.REMIND and not step.held else DueKind.EXPIRE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=watched_calls(), past=decided_calls(), before=st.lists(rules(), max_size=3),
       after=st.lists(rules(), max_size=3))
def test_calls_read_as_the_rules_read_them_give_the_same_preview(
        calls: list[WatchedCall], past: list[DecidedCall], before: list[AutoCloseRuleFacts],
        after: list[AutoCloseRuleFacts]) -> None:
    """The service reads of each call only AUTO_CLOSE_INPUT (`facts_for_rules`): the preview must not change."""
    def read(call: CallFacts) -> CallFacts:
        return facts_for_rules(*(getattr(call, name) for name in AUTO_CLOSE_INPUT))

    full = preview_auto_close(calls, past, before, after, NOW)
    reduced = preview_auto_close([replace(c, call=read(c.call)) for c in calls],
                                 [replace(d, call=read(d.call)) for d in past], before, after, NOW)
    assert reduced.as_dict() == full.as_dict()


typed_rules = st.tuples(rules(), st.sampled_from([frozenset(), frozenset({CallType.INCIDENT}),
                                                  frozenset({CallType.PROBLEM, CallType.SERVICE_REQUEST})])).map(
    lambda pair: replace(pair[0], call_types=pair[1]))
some_types = st.lists(st.sampled_from(CallType), min_size=30, max_size=30)


def _ruled(call: CallFacts, kinds: dict[CallType, frozenset[int] | None]) -> bool:
    return call.call_type in kinds and (kinds[call.call_type] is None or call.priority in kinds[call.call_type])


@settings(max_examples=300, deadline=None)
@given(rules_now=st.lists(typed_rules, max_size=4), call_type=st.sampled_from(CallType), priority=st.integers(0, 5))
def test_the_kinds_ruled_are_exactly_the_types_and_priorities_some_rule_applies_to(
        rules_now: list[AutoCloseRuleFacts], call_type: CallType, priority: int) -> None:
    applies = any(rule_for(facts(1, status=status, call_type=call_type, priority=priority), rules_now) is not None
                  for status in Status)
    assert _ruled(facts(1, call_type=call_type, priority=priority), kinds_ruled(rules_now)) is applies


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=watched_calls(), past=decided_calls(), types=some_types, before=st.lists(typed_rules, max_size=3),
       after=st.lists(typed_rules, max_size=3))
def test_calls_no_rule_applies_to_may_be_counted_instead_of_read(
        calls: list[WatchedCall], past: list[DecidedCall], types: list[CallType], before: list[AutoCloseRuleFacts],
        after: list[AutoCloseRuleFacts]) -> None:
    """The service reads only the calls of `kinds_ruled` and counts the others: the preview must not change."""
    calls = [replace(c, call=c.call.but(call_type=t)) for c, t in zip(calls, types, strict=False)]
    past = [replace(d, call=d.call.but(call_type=t)) for d, t in zip(past, reversed(types), strict=False)]
    kinds = kinds_ruled([*before, *after])
    read = [c for c in calls if _ruled(c.call, kinds)]
    read_past = [d for d in past if _ruled(d.call, kinds)]
    counted = preview_auto_close(read, read_past, before, after, NOW, others_watched=len(calls) - len(read),
                                 others_decided=len(past) - len(read_past))
    assert counted.as_dict() == preview_auto_close(calls, past, before, after, NOW).as_dict()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(past=decided_calls(), rules_now=st.lists(typed_rules, max_size=4))
def test_a_verdict_given_before_the_shortest_wait_is_one_the_rules_would_not_have_touched(
        past: list[DecidedCall], rules_now: list[AutoCloseRuleFacts]) -> None:
    """The service reads only the verdicts given at least `shortest_wait` after their resolution."""
    wait = shortest_wait(rules_now)
    for d in past:
        if wait is None or d.decided_at - d.actions[0][0] < wait:
            assert step_before_verdict(d, rules_now).step is Step.NOTHING


def test_the_shortest_wait_is_the_first_thing_an_active_rule_would_do() -> None:
    closing = rule()  # reminds at 5 days, closes at 10
    paused = rule("Escalate", idle_days=3, expiry=Expiry.ESCALATE, reason=None, escalation_group_id=20,
                  reminders=(), rule_id=2, active=False)
    assert shortest_wait([closing, paused]) == 5 * DAY and shortest_wait([paused]) is None
    resolved = NOW - 10 * DAY
    at_the_wait = DecidedCall(facts(1), ((resolved, Status.FORWARD_FOR_CLOSURE),), resolved + 5 * DAY,
                              Verdict.CLOSED, True)
    assert step_before_verdict(at_the_wait, [closing]).step is Step.REMIND
    sooner = replace(at_the_wait, decided_at=resolved + 5 * DAY - timedelta(minutes=1))
    assert step_before_verdict(sooner, [closing]).step is Step.NOTHING
