"""The what-if preview of a sampling policy (closure.sampling_preview), on calls described as plain values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop.closure import CallType
from closeloop.closure.sampling import (
    Condition,
    SamplingFacts,
    SamplingPolicy,
    decide_and_explain,
    decide_sampling,
    sampling_conditions,
)
from closeloop.closure.sampling_preview import (
    AS_SETTINGS_SAY,
    NOT_SAMPLED,
    SAMPLED,
    PreviewCall,
    preview_sampling,
    stand_in_draw,
)

from .test_sampling import DRAWS, PERCENTS, TYPES, facts_strategy, policies

TARGETS = ("group Service Desk", "group Closure Group", "Carol Closer")
RITA, BOB = 11, 12


def call(n: int, *, waiting: bool = False, priority: int = 4, draw: float | None = 0.5,
         target: str = TARGETS[0], **changes: object) -> PreviewCall:
    values: dict[str, object] = {"ref": f"INC-{n:06d}", "key": n, "waiting": waiting, "priority": priority,
                                 "call_type": CallType.INCIDENT, "draw": draw, "closure_target": target,
                                 "resolver_id": RITA, **changes}
    return PreviewCall(**values)  # type: ignore[arg-type]


def preview_calls() -> st.SearchStrategy[list[PreviewCall]]:
    one = st.builds(PreviewCall, ref=st.just("INC-0"), key=st.integers(1, 10**9), waiting=st.booleans(),
                    priority=st.integers(1, 4), call_type=TYPES, draw=st.none() | DRAWS,
                    closure_target=st.sampled_from(TARGETS), times_rejected=st.integers(0, 2),
                    times_refused=st.integers(0, 2), resolver_id=st.none() | st.sampled_from([RITA, BOB]))
    return st.lists(one, max_size=30).map(
        lambda calls: [PreviewCall(**{**c.__dict__, "ref": f"INC-{i:06d}"}) for i, c in enumerate(calls)])


HISTORIES = st.fixed_dictionaries({}, optional={RITA: st.tuples(st.none() | PERCENTS, st.integers(0, 20)),
                                                BOB: st.tuples(st.none() | PERCENTS, st.integers(0, 20))})
ANY_POLICY = policies() | st.just(SamplingPolicy())


# --- examples -------------------------------------------------------------------------------------------

def test_turning_a_policy_on_keeps_p1_p2_and_a_random_tenth_and_lets_the_rest_close_unvalidated():
    calls = [call(1, priority=1, waiting=True), call(2, priority=2, target=TARGETS[1]), call(3, draw=0.05),
             call(4, draw=0.63), call(5, draw=0.9, waiting=True)]
    after = SamplingPolicy(enabled=True, min_priority=2, random_percent=10)
    preview = preview_sampling(calls, SamplingPolicy(), after, {})
    assert (preview.waiting, preview.resolved_recently, preview.stand_in_draws) == (2, 3, 0)
    assert (preview.before.under_policy, preview.before.sampled, preview.before.not_sampled) == (False, 5, 0)
    assert (preview.after.under_policy, preview.after.sampled, preview.after.not_sampled) == (True, 3, 2)
    assert preview.before.by_condition == {}
    assert preview.after.by_condition == {"min_priority": 2, "random_percent": 1}
    assert preview.workload_rows == [("group Service Desk", 4, 2), ("group Closure Group", 1, 1)]
    assert preview.changed == 2
    assert [(c.ref, c.waiting, c.before, c.after) for c in preview.examples] == [
        ("INC-000004", False, AS_SETTINGS_SAY, NOT_SAMPLED), ("INC-000005", True, AS_SETTINGS_SAY, NOT_SAMPLED)]
    assert preview.examples[0].why == "no condition matched, draw 0.63 ≥ 0.10"
    assert preview.condition_rows == [("priority", 0, 2), ("random share", 0, 1)]


def test_the_resolvers_history_read_as_of_now_samples_a_poor_or_new_resolver():
    calls = [call(1, resolver_id=RITA), call(2, resolver_id=BOB), call(3, resolver_id=None), call(4, resolver_id=99)]
    after = SamplingPolicy(enabled=True, resolver_rejection_rate_above=20, resolver_first_n=3)
    # Rita is rejected too often; Bob has closed enough calls; 99 has no closure decision at all (new)
    preview = preview_sampling(calls, SamplingPolicy(enabled=True, random_percent=1), after,
                               {RITA: (25.0, 10), BOB: (None, 3)})
    assert preview.after.by_condition == {"resolver_rejection_rate_above": 1, "resolver_first_n": 1}
    assert preview.after.sampled == 2 and preview.before.sampled == 0 and preview.changed == 2
    assert {c.ref: c.why for c in preview.examples} == {
        "INC-000001": "the resolver's rejection rate over 30 days is 25.0 % (above 20 %)",
        "INC-000004": "one of the resolver's first 3 calls (0 closed so far)"}
    assert all(c.before == NOT_SAMPLED and c.after == SAMPLED for c in preview.examples)


def test_a_call_with_no_recorded_draw_gets_the_same_stand_in_every_time_and_is_counted():
    calls = [call(7, draw=None), call(8, draw=None), call(9)]
    policy = SamplingPolicy(enabled=True, random_percent=50)
    first, again = preview_sampling(calls, policy, policy, {}), preview_sampling(calls, policy, policy, {})
    assert first == again and first.stand_in_draws == 2
    sampled_by_stand_in = sum(stand_in_draw(k) < 0.5 for k in (7, 8))
    assert first.after.sampled == sampled_by_stand_in  # INC-000009 drew 0.5, not under 50 %
    assert "2 call(s) resolved under no policy have no recorded draw" in "\n".join(first.lines())


def test_only_the_first_50_changes_are_listed_and_the_rest_is_counted():
    calls = [call(n, draw=0.99) for n in range(1, 61)]
    preview = preview_sampling(calls, SamplingPolicy(), SamplingPolicy(enabled=True, random_percent=1), {})
    assert preview.changed == 60 and len(preview.examples) == 50
    assert preview.lines()[-1] == "  … and 10 more" and len(preview.as_dict()["changes"]) == 50  # type: ignore[arg-type]


def test_the_lines_say_waiting_calls_are_shown_as_if_resolved_again():
    text = "\n".join(preview_sampling([call(1, waiting=True)], SamplingPolicy(),
                                     SamplingPolicy(enabled=True, random_percent=10), {}).lines())
    assert "shown as if resolved again now" in text and "A waiting call keeps the decision" in text
    assert "read as of now" in text and "group Service Desk: 1 -> 0" in text


# --- properties -----------------------------------------------------------------------------------------

@settings(max_examples=200)
@given(preview_calls(), ANY_POLICY, HISTORIES)
def test_the_same_policy_before_and_after_changes_nothing(calls, policy, history):
    preview = preview_sampling(calls, policy, policy, history)
    assert preview.before == preview.after
    assert preview.changed == 0 and preview.examples == ()


@settings(max_examples=200)
@given(preview_calls(), ANY_POLICY, ANY_POLICY, HISTORIES)
def test_the_counts_add_up(calls, before, after, history):
    preview = preview_sampling(calls, before, after, history)
    assert preview.waiting + preview.resolved_recently == len(calls)
    assert preview.stand_in_draws == sum(c.draw is None for c in calls)
    for tally in (preview.before, preview.after):
        assert tally.sampled + tally.not_sampled == len(calls)
        assert sum(tally.workload.values()) == tally.sampled
        assert set(tally.by_condition) <= {c.value for c in Condition}
        if not tally.under_policy:  # every call validated as the closure settings say, by no condition
            assert (tally.sampled, tally.by_condition) == (len(calls), {})
            continue
        # the random share only counts calls no condition matched: with the others it covers every sampled call
        matched_any = tally.sampled - tally.by_condition.get(Condition.RANDOM.value, 0)
        assert matched_any <= sum(n for k, n in tally.by_condition.items() if k != Condition.RANDOM.value)
        assert matched_any >= max((n for k, n in tally.by_condition.items() if k != Condition.RANDOM.value),
                                  default=0)
    flips = preview.after.sampled - preview.before.sampled
    assert abs(flips) <= preview.changed <= len(calls)
    assert len(preview.examples) == min(preview.changed, 50)


@settings(max_examples=200)
@given(preview_calls(), PERCENTS, PERCENTS)
def test_a_policy_with_only_a_random_share_samples_the_draws_under_it(calls, y, x):
    calls = [PreviewCall(**{**c.__dict__, "times_rejected": 0, "times_refused": 0}) for c in calls]
    before = SamplingPolicy(enabled=True, random_percent=x) if x else SamplingPolicy()
    preview = preview_sampling(calls, before, SamplingPolicy(enabled=True, random_percent=y), {})
    draws = [c.draw if c.draw is not None else stand_in_draw(c.key) for c in calls]
    assert preview.after.sampled == sum(d < y / 100 for d in draws)
    assert preview.after.by_condition == ({"random_percent": preview.after.sampled} if preview.after.sampled else {})


@settings(max_examples=200)
@given(preview_calls(), ANY_POLICY, HISTORIES)
def test_each_call_is_decided_as_decide_sampling_decides_it_with_its_recorded_draw(calls, policy, history):
    preview = preview_sampling(calls, SamplingPolicy(), policy, history)
    changed = {c.ref for c in preview.examples}
    for c in calls:
        rate, closed = (None, None) if c.resolver_id is None else history.get(c.resolver_id, (None, 0))
        decision = decide_sampling(policy, SamplingFacts(
            c.priority, c.call_type, c.draw if c.draw is not None else stand_in_draw(c.key), c.times_rejected,
            c.times_refused, rate, closed))
        # before: no policy, every call validated; so exactly the unsampled ones change
        if len(calls) <= 50:
            assert (c.ref in changed) == (not decision.sampled)


@given(ANY_POLICY, facts_strategy())
def test_what_sampled_a_call_agrees_with_its_decision(policy, facts):
    decision, conditions = decide_sampling(policy, facts), sampling_conditions(policy, facts)
    assert bool(conditions) == (decision.sampled and decision.under_policy)
    if conditions and conditions != (Condition.RANDOM,):
        assert len(conditions) == len(decision.reasons)  # one reason per condition matched
    if conditions == (Condition.RANDOM,):
        assert decision.reasons[0].startswith("random ")
    assert decide_and_explain(policy, facts) == (decision, conditions)  # what the preview uses: both at once


@given(st.integers(0, 2**63))
def test_a_stand_in_draw_is_a_draw(key):
    assert 0 <= stand_in_draw(key) < 1 and stand_in_draw(key) == stand_in_draw(key)
