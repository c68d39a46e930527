"""What-if preview of a sampling policy: which calls would be sampled under a new policy, next to the policy
in force.

An administrator sees it before giving the change reason. It covers the calls waiting for closure now and
those resolved in the last 30 days (the window the service chooses, the same as the closure settings'
preview) and decides each one twice, under the policy in force and under the new one, as if it were
resolved again now: a saved policy does not change the decision a waiting call was given (it applies to calls
resolved from then on), so the difference shown is the policies' own.

Each call is decided with the draw recorded at its last resolution, so a call's random part is the same on
both sides and the same as it really was. A call resolved under no policy has no recorded draw: it gets a
stand-in draw derived from the call itself (`stand_in_draw`), the same at every preview, and the preview
says how many calls needed one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .model import CallType
from .preview import SHOWN_CHANGES
from .sampling import Condition, SamplingDecision, SamplingFacts, SamplingPolicy, decide_and_explain

__all__ = ["PreviewCall", "SamplingChange", "SamplingPreview", "SamplingTally", "preview_sampling",
           "stand_in_draw", "SAMPLED", "NOT_SAMPLED", "AS_SETTINGS_SAY"]

SAMPLED = "sampled"
NOT_SAMPLED = "not sampled"
AS_SETTINGS_SAY = "no policy (validated as the closure settings say)"
# A resolver with no closure decision at all: no rate over 30 days and nothing closed yet.
_NO_HISTORY: tuple[float | None, int] = (None, 0)


def stand_in_draw(key: int) -> float:
    """A draw for a call that has none recorded (it was resolved under no policy): uniform in [0, 1), derived
    from the call's id alone, so the same call gets the same draw at every preview and on both sides."""
    digest = hashlib.sha256(f"closeloop sampling stand-in draw {key}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53  # 53 bits: every value below 1.0 exactly


@dataclass(frozen=True)
class PreviewCall:
    """One call of the preview's window, as the sampling decision sees it, and who validates it.

    `key` is the call's id (a stand-in draw comes from it); `draw` the one recorded at its last resolution
    (None: resolved under no policy); `closure_target` the analyst or group that validates it, in users' words."""

    ref: str
    key: int
    waiting: bool
    priority: int
    call_type: CallType
    draw: float | None
    closure_target: str
    times_rejected: int = 0
    times_refused: int = 0
    resolver_id: int | None = None


@dataclass(frozen=True)
class SamplingTally:
    """The window's calls under one policy: how many the closure target must validate, how many may close on
    the contact's word or at Call Auto Close, what sampled them and the validation workload per target.

    Under no policy (or a disabled one) every call is validated as the closure settings say: all count as
    sampled, with no condition. A call may match several conditions, so `by_condition` may add up to more
    than `sampled`."""

    under_policy: bool
    sampled: int
    not_sampled: int
    by_condition: dict[str, int]  # Condition value -> sampled calls that matched it
    workload: dict[str, int]  # closure target -> sampled calls it would validate

    def as_dict(self) -> dict[str, object]:
        return {"under_policy": self.under_policy, "sampled": self.sampled, "not_sampled": self.not_sampled,
                "by_condition": self.by_condition, "workload": self.workload}


@dataclass(frozen=True)
class SamplingChange:
    """One call the closure target would validate under one policy and not under the other."""

    ref: str
    waiting: bool  # in the closure stage now (else: resolved in the window)
    before: str
    after: str
    why: str  # the new policy's reasons for its decision ("no condition matched, draw 0.63 ≥ 0.10")


@dataclass(frozen=True)
class SamplingPreview:
    """The preview: the calls looked at, the tallies under both policies and the calls that change decision."""

    waiting: int
    resolved_recently: int
    days: int
    stand_in_draws: int  # calls with no recorded draw (resolved under no policy)
    before: SamplingTally
    after: SamplingTally
    changed: int
    examples: tuple[SamplingChange, ...] = field(default=())  # the first SHOWN_CHANGES changes

    @property
    def calls(self) -> int:
        return self.waiting + self.resolved_recently

    @property
    def condition_rows(self) -> list[tuple[str, int, int]]:
        """(condition, calls now, calls under the new policy) for each condition that sampled a call."""
        return [(c.label, self.before.by_condition.get(c.value, 0), self.after.by_condition.get(c.value, 0))
                for c in Condition if c.value in self.before.by_condition or c.value in self.after.by_condition]

    @property
    def workload_rows(self) -> list[tuple[str, int, int]]:
        """(closure target, sampled calls now, under the new policy), the busiest target first."""
        before, after = self.before.workload, self.after.workload
        labels = sorted(set(before) | set(after), key=lambda t: (-after.get(t, 0), -before.get(t, 0), t))
        return [(label, before.get(label, 0), after.get(label, 0)) for label in labels]

    def lines(self) -> list[str]:
        """The preview as plain text lines (the CLI's answer)."""
        out = [f"Preview: {self.waiting} call(s) waiting for closure now and {self.resolved_recently} resolved in "
               f"the last {self.days} days, each shown as if resolved again now. A waiting call keeps the decision "
               "it was given when resolved: a policy applies to calls resolved from then on.",
               f"{self.changed} would change decision (validated under one policy, not under the other)."]
        if self.stand_in_draws:
            out.append(f"{self.stand_in_draws} call(s) resolved under no policy have no recorded draw: a stand-in "
                       "draw derived from each call is used.")
        out.append("Resolvers' rejection rates and closed calls are read as of now.")
        out.append(f"  Sampled (the closure target must validate): {self.before.sampled} -> {self.after.sampled}")
        out.append(f"  Not sampled (may close on the contact's word or at Call Auto Close): "
                   f"{self.before.not_sampled} -> {self.after.not_sampled}")
        if not self.before.under_policy:
            out.append("  (no policy now: every call is validated as the closure settings say)")
        if not self.after.under_policy:
            out.append("  (no policy after: every call is validated as the closure settings say)")
        if rows := self.condition_rows:
            out.append("  Sampled by:")
            out += [f"    {label}: {now} -> {then}" for label, now, then in rows]
        if rows := self.workload_rows:
            out.append("  Calls to validate per closure target:")
            out += [f"    {label}: {now} -> {then}" for label, now, then in rows]
        for change in self.examples:
            stage = "waiting" if change.waiting else "resolved"
            out.append(f"  {change.ref} ({stage}): {change.before} -> {change.after} ({change.why})")
        if self.changed > len(self.examples):
            out.append(f"  … and {self.changed - len(self.examples)} more")
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "waiting": self.waiting, "resolved_recently": self.resolved_recently, "days": self.days,
            "stand_in_draws": self.stand_in_draws, "before": self.before.as_dict(), "after": self.after.as_dict(),
            "changed": self.changed,
            "changes": [{"ref": c.ref, "waiting": c.waiting, "before": c.before, "after": c.after, "why": c.why}
                        for c in self.examples],
        }


def _outcome(decision: SamplingDecision) -> str:
    if not decision.under_policy:
        return AS_SETTINGS_SAY
    return SAMPLED if decision.sampled else NOT_SAMPLED


class _Tallying:
    """Counts the decisions under one policy, call by call."""

    def __init__(self, policy: SamplingPolicy) -> None:
        self.policy = policy
        self.sampled = self.not_sampled = 0
        self.by_condition: Counter[str] = Counter()
        self.workload: Counter[str] = Counter()

    def decide(self, call: PreviewCall, facts: SamplingFacts) -> SamplingDecision:
        decision, conditions = decide_and_explain(self.policy, facts)
        if decision.sampled:
            self.sampled += 1
            self.workload[call.closure_target] += 1
            for condition in conditions:
                self.by_condition[condition.value] += 1
        else:
            self.not_sampled += 1
        return decision

    def tally(self) -> SamplingTally:
        return SamplingTally(self.policy.enabled, self.sampled, self.not_sampled,
                             {c.value: self.by_condition[c.value] for c in Condition if self.by_condition[c.value]},
                             dict(self.workload.most_common()))


def preview_sampling(calls: Iterable[PreviewCall], before: SamplingPolicy, after: SamplingPolicy,
                     history: Mapping[int, tuple[float | None, int]], days: int = 30) -> SamplingPreview:
    """Decide every call under `before` and under `after` (see the module's docstring).

    `history` gives each resolver's rejection rate over 30 days and how many of their calls were closed, as of
    now (a resolver left out has no closure decision at all); a call with no resolver has neither."""
    now, then = _Tallying(before), _Tallying(after)
    changes: list[SamplingChange] = []
    n_waiting = n_recent = stand_ins = 0
    for call in calls:
        if call.waiting:
            n_waiting += 1
        else:
            n_recent += 1
        if call.draw is None:
            stand_ins += 1
        rate, closed = (None, None) if call.resolver_id is None else history.get(call.resolver_id, _NO_HISTORY)
        facts = SamplingFacts(
            priority=call.priority, call_type=call.call_type,
            draw=call.draw if call.draw is not None else stand_in_draw(call.key),
            times_rejected=call.times_rejected, times_refused=call.times_refused,
            resolver_rejection_rate_30d=rate, resolver_resolved_count=closed)
        was, will = now.decide(call, facts), then.decide(call, facts)
        if was.sampled != will.sampled:
            why = "; ".join(will.reasons).removeprefix("not sampled: ")  # `after` says it already
            changes.append(SamplingChange(call.ref, call.waiting, _outcome(was), _outcome(will), why))
    return SamplingPreview(waiting=n_waiting, resolved_recently=n_recent, days=days, stand_in_draws=stand_ins,
                           before=now.tally(), after=then.tally(), changed=len(changes),
                           examples=tuple(changes[:SHOWN_CHANGES]))
