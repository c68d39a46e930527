"""Sampling decisions of the closure core: which resolved calls a closure target must validate."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop.closure import CallFacts, CallType, InvalidInput, PartitionSettings, ReasonFacts, Status
from closeloop.closure.acceptance import user_accept
from closeloop.closure.autoclose import AutoCloseRuleFacts, Expiry, hold_for_validation, holds_for_validation
from closeloop.closure.lifecycle import Action
from closeloop.closure.sampling import (
    NO_POLICY,
    SamplingDecision,
    SamplingFacts,
    SamplingPolicy,
    check_policy,
    decide_sampling,
)

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
TYPES = st.sampled_from(list(CallType))
DRAWS = st.floats(min_value=0, max_value=1, exclude_max=True, allow_nan=False)
PERCENTS = st.integers(0, 10_000).map(lambda n: n / 100)


def facts_strategy() -> st.SearchStrategy[SamplingFacts]:
    return st.builds(SamplingFacts, priority=st.integers(1, 4), call_type=TYPES, draw=DRAWS,
                     times_rejected=st.integers(0, 3), times_refused=st.integers(0, 3),
                     resolver_rejection_rate_30d=st.none() | PERCENTS,
                     resolver_resolved_count=st.none() | st.integers(0, 50))


def policies() -> st.SearchStrategy[SamplingPolicy]:
    return st.builds(SamplingPolicy, enabled=st.just(True), min_priority=st.none() | st.integers(1, 4),
                     call_types=st.frozensets(TYPES, max_size=2), rejected_or_refused_before=st.booleans(),
                     resolver_rejection_rate_above=st.none() | PERCENTS, resolver_first_n=st.integers(0, 20),
                     random_percent=PERCENTS)


def plain(**facts: object) -> SamplingFacts:
    values: dict[str, object] = {"priority": 4, "call_type": CallType.INCIDENT, "draw": 0.5, **facts}
    return SamplingFacts(**values)  # type: ignore[arg-type]


# --- each condition alone forces sampling -------------------------------------------------------------

def test_priority_at_or_above_the_level_is_sampled_and_below_is_not() -> None:
    policy = SamplingPolicy(enabled=True, min_priority=2)
    assert decide_sampling(policy, plain(priority=1)).reasons == ("P1 is at or above P2",)
    assert decide_sampling(policy, plain(priority=2)).sampled
    assert not decide_sampling(policy, plain(priority=3)).sampled


def test_every_major_incident_is_validated() -> None:
    policy = SamplingPolicy(enabled=True, call_types=frozenset({CallType.MAJOR_INCIDENT}))
    decision = decide_sampling(policy, plain(call_type=CallType.MAJOR_INCIDENT))
    assert decision.sampled and decision.reasons == ("Major Incident is always validated",)
    assert not decide_sampling(policy, plain()).sampled


def test_a_call_rejected_or_refused_before_is_sampled() -> None:
    policy = SamplingPolicy(enabled=True, rejected_or_refused_before=True)
    assert decide_sampling(policy, plain(times_rejected=1)).reasons == ("rejected 1 time before",)
    assert decide_sampling(policy, plain(times_refused=2)).reasons == ("refused by the contact 2 times before",)
    assert not decide_sampling(policy, plain()).sampled


def test_a_resolver_rejected_often_lately_is_sampled_only_above_the_rate() -> None:
    policy = SamplingPolicy(enabled=True, resolver_rejection_rate_above=20)
    assert decide_sampling(policy, plain(resolver_rejection_rate_30d=25)).reasons == (
        "the resolver's rejection rate over 30 days is 25.0 % (above 20 %)",)
    assert not decide_sampling(policy, plain(resolver_rejection_rate_30d=20)).sampled
    assert not decide_sampling(policy, plain(resolver_rejection_rate_30d=None)).sampled  # no verdict lately


def test_a_resolvers_first_calls_are_sampled() -> None:
    policy = SamplingPolicy(enabled=True, resolver_first_n=5)
    assert decide_sampling(policy, plain(resolver_resolved_count=4)).reasons == (
        "one of the resolver's first 5 calls (4 closed so far)",)
    assert not decide_sampling(policy, plain(resolver_resolved_count=5)).sampled


def test_the_random_share_says_the_draw_against_the_share() -> None:
    policy = SamplingPolicy(enabled=True, random_percent=10)
    assert decide_sampling(policy, plain(draw=0.07)).reasons == ("random 10 %: draw 0.07 < 0.10",)
    assert decide_sampling(policy, plain(draw=0.63)) == SamplingDecision(
        False, ("not sampled: no condition matched, draw 0.63 ≥ 0.10",), 0.63)
    # a draw just under the share is never shown rounded up to it
    assert decide_sampling(policy, plain(draw=0.0999999)).reasons == ("random 10 %: draw 0.0999 < 0.10",)


def test_no_policy_or_a_disabled_one_validates_every_call_as_the_closure_settings_say() -> None:
    for policy in (SamplingPolicy(), SamplingPolicy(enabled=False, random_percent=0, min_priority=1)):
        decision = decide_sampling(policy, plain(draw=0.99))
        assert decision == SamplingDecision(True, (NO_POLICY,), None)
        assert not decision.under_policy and not decision.requires_validation and not decision.closes_unvalidated


@given(policies(), facts_strategy())
def test_each_matching_condition_samples_and_is_named(policy: SamplingPolicy, facts: SamplingFacts) -> None:
    """Conditions combine with OR: sampled with a reason for each one that matches, whatever the draw."""
    decision = decide_sampling(policy, facts)
    matches = {
        "priority": policy.min_priority is not None and facts.priority <= policy.min_priority,
        "type": facts.call_type in policy.call_types,
        "before": policy.rejected_or_refused_before and bool(facts.times_rejected or facts.times_refused),
        "rate": (policy.resolver_rejection_rate_above is not None and facts.resolver_rejection_rate_30d is not None
                 and facts.resolver_rejection_rate_30d > policy.resolver_rejection_rate_above),
        "first": (policy.resolver_first_n > 0 and facts.resolver_resolved_count is not None
                  and facts.resolver_resolved_count < policy.resolver_first_n),
    }
    if any(matches.values()):
        assert decision.sampled and len(decision.reasons) == sum(matches.values())
        assert not any(r.startswith("random") for r in decision.reasons)
    else:  # then, and only then, the random share decides
        assert decision.sampled == (facts.draw < policy.random_percent / 100)
        assert len(decision.reasons) == 1
        assert decision.reasons[0].startswith("random" if decision.sampled else "not sampled: no condition matched")
    assert decision.draw == facts.draw


@given(policies(), facts_strategy())
def test_the_same_facts_and_recorded_draw_replay_the_same_decision(policy: SamplingPolicy,
                                                                    facts: SamplingFacts) -> None:
    first = decide_sampling(policy, facts)
    assert first.draw is not None
    replayed = decide_sampling(policy, SamplingFacts(**{**facts.__dict__, "draw": first.draw}))
    assert replayed == first


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 100), st.integers(0, 2**32 - 1))
def test_the_random_share_converges_to_the_policys_percent(percent: int, seed: int) -> None:
    """Over 20,000 calls that no condition matches, the sampled share is within 1.5 points of the percent
    (more than five standard deviations: a false failure is rarer than one in a million runs)."""
    policy = SamplingPolicy(enabled=True, random_percent=percent)
    draws = random.Random(seed)
    n = 20_000
    sampled = sum(decide_sampling(policy, plain(draw=draws.random())).sampled for _ in range(n))
    assert abs(100 * sampled / n - percent) <= 1.5


# --- validation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "field"), [
    ({"min_priority": 0}, "min_priority"),
    ({"min_priority": 5}, "min_priority"),
    ({"random_percent": -1}, "random_percent"),
    ({"random_percent": 100.5}, "random_percent"),
    ({"random_percent": 12.345}, "random_percent"),
    ({"random_percent": float("nan")}, "random_percent"),
    ({"resolver_rejection_rate_above": 101}, "resolver_rejection_rate_above"),
    ({"resolver_first_n": -1}, "resolver_first_n"),
    ({"resolver_first_n": 10_001}, "resolver_first_n"),
])
def test_a_value_out_of_range_is_refused_naming_its_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_policy(SamplingPolicy(**{"enabled": True, "random_percent": 10, **values}))  # type: ignore[arg-type]
    assert refused.value.field == field


def test_an_enabled_policy_that_could_sample_nothing_is_refused() -> None:
    with pytest.raises(InvalidInput, match="sample no call") as refused:
        check_policy(SamplingPolicy(enabled=True))
    assert refused.value.field == "random_percent"
    check_policy(SamplingPolicy(enabled=False))  # a disabled one may be empty
    check_policy(SamplingPolicy(enabled=True, rejected_or_refused_before=True))


@given(policies())
def test_every_policy_in_range_is_accepted(policy: SamplingPolicy) -> None:
    if policy.has_condition or policy.random_percent:
        check_policy(policy)


# --- the contact's acceptance and auto-close, under a decision ------------------------------------------

FIXED = ReasonFacts("FIXED", True, frozenset(CallType), 7)
RESOLVED = CallFacts(ref="INC-000001", call_type=CallType.INCIDENT, status=Status.FORWARD_FOR_CLOSURE,
                     logged_by_id=1, log_group_id=None, resolved_by_id=2, resolution="Reset", resolved_at=AT,
                     target_group_id=5, forwarded_at=AT)
SAMPLED = SamplingDecision(True, ("P1 is at or above P2",), 0.5)
UNSAMPLED = SamplingDecision(False, ("not sampled: no condition matched, draw 0.63 ≥ 0.10",), 0.63)


def test_acceptance_closes_an_unsampled_call_saying_why() -> None:
    change = user_accept(RESOLVED, PartitionSettings(acceptance_closes=False), FIXED, AT, UNSAMPLED)
    assert change.action is Action.ACCEPT_AND_CLOSE and change.after.status is Status.CLOSED
    assert change.note == ("Closed on the contact's confirmation (not sampled: no condition matched, draw 0.63 "
                           "≥ 0.10)")
    assert change.after.closed_by_id is None and change.after.closure_reason_id == 7


def test_acceptance_records_but_does_not_close_a_sampled_call_even_where_acceptance_closes() -> None:
    change = user_accept(RESOLVED, PartitionSettings(acceptance_closes=True), FIXED, AT, SAMPLED)
    assert change.action is Action.USER_ACCEPT and change.after.status is Status.FORWARD_FOR_CLOSURE
    assert "sampled for validation (P1 is at or above P2)" in change.note


def test_acceptance_under_no_policy_follows_the_closure_settings() -> None:
    none = SamplingDecision(True, (NO_POLICY,), None)
    assert user_accept(RESOLVED, PartitionSettings(), FIXED, AT, none).action is Action.USER_ACCEPT
    assert user_accept(RESOLVED, PartitionSettings(acceptance_closes=True), FIXED, AT,
                       none).action is Action.ACCEPT_AND_CLOSE


def test_an_unsampled_call_without_an_acceptance_reason_waits_saying_why() -> None:
    change = user_accept(RESOLVED, PartitionSettings(), None, AT, UNSAMPLED)
    assert change.action is Action.USER_ACCEPT and "no acceptance reason" in change.note


def test_a_closing_rule_holds_a_sampled_call_for_its_closure_target() -> None:
    rule = AutoCloseRuleFacts("Stale", frozenset({Status.FORWARD_FOR_CLOSURE}), 10, Expiry.CLOSE, reason=FIXED)
    assert holds_for_validation(RESOLVED, rule, SAMPLED)
    assert not holds_for_validation(RESOLVED, rule, UNSAMPLED)
    assert not holds_for_validation(RESOLVED, rule, SamplingDecision(True, (NO_POLICY,), None))
    change = hold_for_validation(RESOLVED, rule, SAMPLED, AT)
    assert change.action is Action.REMIND and change.after.status is Status.FORWARD_FOR_CLOSURE
    assert change.details["to"] == ["target"] and change.details["held_for_validation"] is True
    assert "sampled for validation (P1 is at or above P2)" in change.note
