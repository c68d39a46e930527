"""Risk-based sampling: which resolved calls the closure target must validate, and which may close on the
contact's word (their acceptance) or at the expiry of a Call Auto Close rule.

A partition's `SamplingPolicy` lists conditions; a resolved call is *sampled* (must be validated) when any
condition matches it: its priority is at or above a level, its call type is always validated, it was
rejected or refused before, its resolver's rejection rate over the last 30 days is above a share, or it is
one of its resolver's first calls. Every other call is sampled when a random draw falls under the policy's
random share. The draw is recorded on the call, so the same facts and draw always give the same decision.

With no policy (or a disabled one) every call is decided as before sampling existed: the closure settings
alone say how it closes. Plain Python: services gather the facts and store the decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import InvalidInput
from .model import CallType

__all__ = [
    "MAX_FIRST_CALLS",
    "NO_POLICY",
    "Condition",
    "SamplingPolicy",
    "SamplingFacts",
    "SamplingDecision",
    "check_policy",
    "decide_sampling",
    "decide_and_explain",
    "describe_policy",
    "sampling_conditions",
    "unsampled_decision",
]

MAX_FIRST_CALLS = 10_000
NO_POLICY = "no sampling policy: validated as the closure settings say"


class Condition(StrEnum):
    """What sampled a call: one of the policy's conditions, or the random share. Named as the policy's fields."""

    PRIORITY = "min_priority"
    CALL_TYPE = "call_types"
    SENT_BACK = "rejected_or_refused_before"
    RESOLVER_RATE = "resolver_rejection_rate_above"
    FIRST_CALLS = "resolver_first_n"
    RANDOM = "random_percent"

    @property
    def label(self) -> str:
        return _CONDITION_LABELS[self]


_CONDITION_LABELS = {
    Condition.PRIORITY: "priority", Condition.CALL_TYPE: "call type",
    Condition.SENT_BACK: "rejected or refused before", Condition.RESOLVER_RATE: "resolver's rejection rate",
    Condition.FIRST_CALLS: "resolver's first calls", Condition.RANDOM: "random share",
}


@dataclass(frozen=True)
class SamplingPolicy:
    """A partition's sampling policy. Conditions combine with OR; the random share covers every call that no
    condition matched. `min_priority` 2 samples P1 and P2; percents are 0 to 100."""

    enabled: bool = False
    min_priority: int | None = None
    call_types: frozenset[CallType] = frozenset()
    rejected_or_refused_before: bool = False
    resolver_rejection_rate_above: float | None = None
    resolver_first_n: int = 0
    random_percent: float = 0.0

    @property
    def needs_resolver_history(self) -> bool:
        """Whether deciding needs the resolver's past verdicts (their rate or their count)."""
        return self.enabled and (self.resolver_rejection_rate_above is not None or self.resolver_first_n > 0)

    @property
    def has_condition(self) -> bool:
        return (self.min_priority is not None or bool(self.call_types) or self.rejected_or_refused_before
                or self.resolver_rejection_rate_above is not None or self.resolver_first_n > 0)


@dataclass(frozen=True)
class SamplingFacts:
    """What the decision looks at, for one resolution of one call.

    `resolver_rejection_rate_30d` is the percent of the resolver's closure-stage verdicts of the last 30
    days that were rejections (None: no verdict in 30 days); `resolver_resolved_count` how many of their
    calls have been closed so far (None: not looked up). `draw` is uniform in [0, 1).
    """

    priority: int
    call_type: CallType
    draw: float
    times_rejected: int = 0
    times_refused: int = 0
    resolver_rejection_rate_30d: float | None = None
    resolver_resolved_count: int | None = None


@dataclass(frozen=True)
class SamplingDecision:
    """Sampled (the closure target must validate) or not, why in users' words, and the recorded draw
    (None: decided under no policy, so the closure settings alone apply)."""

    sampled: bool
    reasons: tuple[str, ...]
    draw: float | None = None

    @property
    def under_policy(self) -> bool:
        return self.draw is not None

    @property
    def requires_validation(self) -> bool:
        """A policy sampled this call: neither the contact's acceptance nor an auto-close rule closes it."""
        return self.under_policy and self.sampled

    @property
    def closes_unvalidated(self) -> bool:
        """A policy left this call out of the sample: it may close on the contact's word or at expiry."""
        return self.under_policy and not self.sampled

    @property
    def summary(self) -> str:
        """One line for the call page: "Sampled for validation: …" or "Not sampled: …"."""
        if not self.under_policy:
            return "Validated as the closure settings say (no sampling policy)"
        text = "; ".join(self.reasons)
        if self.sampled:
            return f"Sampled for validation: {text}"
        return "Not sampled: " + text.removeprefix("not sampled: ")


def unsampled_decision() -> SamplingDecision:
    """A call resolved under no policy (also every call from before sampling existed)."""
    return SamplingDecision(True, (NO_POLICY,), None)


def _percent(value: float | None, field: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be a number from 0 to 100 "
                           f"(got {value!r})", field=field)
    if not 0 <= value <= 100:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be from 0 to 100 % (got {value:g})",
                           field=field)
    if round(value, 2) != value:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} has at most two decimals (got {value!r})",
                           field=field)


def check_policy(policy: SamplingPolicy) -> None:
    """Refuse a policy with a value out of range, naming the field; and an enabled policy that could never
    sample a call (no condition and a random share of 0 %)."""
    if policy.min_priority is not None and (isinstance(policy.min_priority, bool)
                                            or policy.min_priority not in (1, 2, 3, 4)):
        raise InvalidInput(f"The priority is 1 to 4 (got {policy.min_priority!r})", field="min_priority")
    _percent(policy.resolver_rejection_rate_above, "resolver_rejection_rate_above")
    _percent(policy.random_percent, "random_percent")
    first = policy.resolver_first_n
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= MAX_FIRST_CALLS:
        raise InvalidInput(f"The resolver's first calls are 0 to {MAX_FIRST_CALLS} (got {first!r})",
                           field="resolver_first_n")
    if policy.enabled and not policy.has_condition and policy.random_percent == 0:
        raise InvalidInput("This policy would sample no call at all: choose a condition or a random share above "
                           "0 %, or disable the policy", field="random_percent")


def _times(n: int) -> str:
    return f"{n} time" + ("" if n == 1 else "s")


def _decimals(value: float) -> str:
    """0.0712 → "0.0712", 0.1 → "0.10", 0.07999 → "0.0799": two to four decimals, cut, never rounded up (so a
    draw shown under the share is under it)."""
    whole, decimals = f"{math.floor(value * 10_000) / 10_000:.4f}".split(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def _matched(policy: SamplingPolicy, facts: SamplingFacts) -> list[tuple[Condition, str]]:
    """The conditions of the policy that match the call, each with its reason in users' words."""
    reasons: list[tuple[Condition, str]] = []
    if policy.min_priority is not None and facts.priority <= policy.min_priority:
        reasons.append((Condition.PRIORITY, f"P{facts.priority} is at or above P{policy.min_priority}"))
    if facts.call_type in policy.call_types:
        reasons.append((Condition.CALL_TYPE, f"{facts.call_type.label} is always validated"))
    if policy.rejected_or_refused_before and (facts.times_rejected or facts.times_refused):
        sent_back = [f"rejected {_times(facts.times_rejected)}" if facts.times_rejected else "",
                     f"refused by the contact {_times(facts.times_refused)}" if facts.times_refused else ""]
        reasons.append((Condition.SENT_BACK, " and ".join(filter(None, sent_back)) + " before"))
    rate, above = facts.resolver_rejection_rate_30d, policy.resolver_rejection_rate_above
    if above is not None and rate is not None and rate > above:
        reasons.append((Condition.RESOLVER_RATE,
                        f"the resolver's rejection rate over 30 days is {rate:.1f} % (above {above:g} %)"))
    count = facts.resolver_resolved_count
    if policy.resolver_first_n and count is not None and count < policy.resolver_first_n:
        reasons.append((Condition.FIRST_CALLS,
                        f"one of the resolver's first {policy.resolver_first_n} calls ({count} closed so far)"))
    return reasons


def decide_sampling(policy: SamplingPolicy, facts: SamplingFacts) -> SamplingDecision:
    """Sampled if any condition of the policy matches the call; otherwise if the draw falls under the random
    share. Pure: the same policy, facts and draw always give the same decision and reasons."""
    return decide_and_explain(policy, facts)[0]


def decide_and_explain(policy: SamplingPolicy, facts: SamplingFacts
                       ) -> tuple[SamplingDecision, tuple[Condition, ...]]:
    """`decide_sampling` and `sampling_conditions` at once, from one look at the policy's conditions (the
    sampling preview decides every call of its window twice)."""
    if not policy.enabled:
        return unsampled_decision(), ()
    if not 0 <= facts.draw < 1:
        raise InvalidInput(f"A draw is from 0 up to 1 (got {facts.draw!r})", field="draw")
    reasons = _matched(policy, facts)
    if reasons:
        return (SamplingDecision(True, tuple(text for _, text in reasons), facts.draw),
                tuple(condition for condition, _ in reasons))
    share = policy.random_percent / 100
    if facts.draw < share:
        return SamplingDecision(True, (f"random {policy.random_percent:g} %: draw {_decimals(facts.draw)} < "
                                       f"{_decimals(share)}",), facts.draw), (Condition.RANDOM,)
    return SamplingDecision(False, (f"not sampled: no condition matched, draw {_decimals(facts.draw)} ≥ "
                                    f"{_decimals(share)}",), facts.draw), ()


def sampling_conditions(policy: SamplingPolicy, facts: SamplingFacts) -> tuple[Condition, ...]:
    """What sampled the call under `policy`: the conditions it matched, or the random share when it matched none
    and its draw fell under the share; empty when it is not sampled (or the policy is off). Agrees with
    `decide_sampling` on the same policy and facts."""
    if not policy.enabled:
        return ()
    if matched := _matched(policy, facts):
        return tuple(condition for condition, _ in matched)
    return (Condition.RANDOM,) if facts.draw < policy.random_percent / 100 else ()


def describe_policy(policy: SamplingPolicy) -> dict[str, Any]:
    """The policy as the settings history, the API and the command line show it."""
    return {
        "enabled": policy.enabled,
        "min_priority": policy.min_priority,
        "call_types": sorted(t.value for t in policy.call_types),
        "rejected_or_refused_before": policy.rejected_or_refused_before,
        "resolver_rejection_rate_above": policy.resolver_rejection_rate_above,
        "resolver_first_n": policy.resolver_first_n,
        "random_percent": policy.random_percent,
    }
