"""What-if preview of Call Auto Close rules: what the rules would do under a change, before it is saved.

A manager sees it before giving the change reason. It compares the partition's active rules now with the
rules as they would be after the change, on two sets of calls (the window the service chooses):

- the calls in a status the rules watch now: what the next pass would do to each (nothing, a reminder, an
  auto-close or an escalation) and when, decided exactly as the pass decides (`rule_for`, `due`, and a call
  sampled for validation held for its closure target at a closing rule's expiry);
- the resolutions decided lately (closed, rejected, refused by the contact or auto-closed): what the rules
  would have done to the call while it waited, before its actual verdict. That is how much closure work the
  rules would have taken off the closers, and how many resolutions a closer rejected they would have
  auto-closed first: the risk of a rule that closes too early.

Plain Python: services read the calls and the rules and turn them into these values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .autoclose import (
    AutoCloseRuleFacts,
    DueKind,
    Expiry,
    RuleLookup,
    due,
    expires_at,
    holds_for_validation,
    reminder_at,
)
from .model import CallFacts, Status
from .preview import SHOWN_CHANGES
from .sampling import SamplingDecision

__all__ = [
    "Step",
    "NextStep",
    "Verdict",
    "WatchedCall",
    "DecidedCall",
    "StepChange",
    "AutoClosePreview",
    "next_step",
    "step_before_verdict",
    "preview_auto_close",
]


class Step(StrEnum):
    """What a rule does to an idle call."""

    NOTHING = "nothing"
    REMIND = "remind"
    CLOSE = "close"
    ESCALATE = "escalate"

    @property
    def label(self) -> str:
        return "auto-close" if self is Step.CLOSE else self.value


class Verdict(StrEnum):
    """The verdict a resolution got in the closure stage."""

    CLOSED = "closed"
    REJECTED = "rejected"
    REFUSED = "refused"
    AUTO_CLOSED = "auto_closed"

    @property
    def label(self) -> str:
        return {"refused": "refused by the contact", "auto_closed": "auto-closed"}.get(self.value, self.value)


@dataclass(frozen=True)
class NextStep:
    """What a rule does to a call, when, and which rule (`held`: a closing rule's expiry on a call sampled for
    validation, so its closure target is reminded instead). A step already due is `at` the preview's now."""

    step: Step
    at: datetime | None = None
    rule: str | None = None
    held: bool = False

    @property
    def key(self) -> tuple[Step, datetime | None]:
        """What two steps are compared on: the rule that takes it does not matter to the call."""
        return self.step, self.at

    def label(self, now: datetime | None = None) -> str:
        """In users' words: "auto-close on 2026-03-12 09:00 (rule Resolved calls)", "remind at the next pass"."""
        if self.step is Step.NOTHING or self.at is None:
            return Step.NOTHING.label
        what = "remind (held for validation)" if self.held else self.step.label
        when = "at the next pass" if now is not None and self.at <= now else f"on {self.at:%Y-%m-%d %H:%M}"
        return f"{what} {when} (rule {self.rule})"


NOTHING = NextStep(Step.NOTHING)


@dataclass(frozen=True)
class WatchedCall:
    """A call in a watchable status now: idle since its last action, with the reminders sent since then."""

    call: CallFacts
    idle_since: datetime | None
    reminders_sent: int = 0
    sampling: SamplingDecision | None = None


@dataclass(frozen=True)
class DecidedCall:
    """A resolution that got its verdict: the call, the actions on it in the closure stage from its resolution
    on (when, and the status each left it in: each restarts the idle time), and the verdict; `by_closer` when
    an analyst gave it (not the contact or a rule)."""

    call: CallFacts
    actions: tuple[tuple[datetime, Status], ...]
    decided_at: datetime
    verdict: Verdict
    by_closer: bool
    sampling: SamplingDecision | None = None


def _expiry(rule: AutoCloseRuleFacts, call: CallFacts, sampling: SamplingDecision | None, at: datetime) -> NextStep:
    if holds_for_validation(call, rule, sampling):
        return NextStep(Step.REMIND, at, rule.name, held=True)
    return NextStep(Step.CLOSE if rule.expiry is Expiry.CLOSE else Step.ESCALATE, at, rule.name)


def _lookup(rules: Iterable[AutoCloseRuleFacts] | RuleLookup) -> RuleLookup:
    return rules if isinstance(rules, RuleLookup) else RuleLookup(rules)


def next_step(watched: WatchedCall, rules: Iterable[AutoCloseRuleFacts] | RuleLookup, now: datetime) -> NextStep:
    """What the pass would do next to the call under `rules` if nothing else happens to it, and when (`now` when
    the next pass would do it). The same decision as the pass's: the first matching rule, `due`, and a sampled
    call held for its closure target once at a closing rule's expiry."""
    rule = _lookup(rules).for_call(watched.call)
    if rule is None or watched.idle_since is None:
        return NOTHING
    decision = due(rule, watched.idle_since, watched.reminders_sent, now)
    if decision.kind is DueKind.REMIND:
        return NextStep(Step.REMIND, now, rule.name)
    at = now
    if decision.kind is DueKind.NOTHING:
        assert decision.next_at is not None  # only an expired rule has nothing next
        if decision.next_at < decision.expires_at:
            return NextStep(Step.REMIND, decision.next_at, rule.name)
        at = decision.expires_at
    step = _expiry(rule, watched.call, watched.sampling, at)
    if step.held and watched.reminders_sent > len(rule.reminders):
        return NOTHING  # its closure target was told at this expiry already: the call keeps waiting for them
    return step


def step_before_verdict(decided: DecidedCall, rules: Iterable[AutoCloseRuleFacts] | RuleLookup) -> NextStep:
    """The furthest the rules would have gone with the call before its verdict: the expiry action of the first
    idle stretch long enough (an auto-close, an escalation, or a sampled call held for validation), else the
    first reminder that would have gone out, else nothing. Each action on the call starts a new idle stretch."""
    reminded = NOTHING
    lookup = _lookup(rules)
    ends = [at for at, _ in decided.actions[1:]] + [decided.decided_at]
    for (start, status), end in zip(decided.actions, ends, strict=True):
        rule = lookup.for_call(decided.call, status)
        if rule is None:
            continue
        expiry = expires_at(rule, start)
        if expiry <= end:
            return _expiry(rule, decided.call.but(status=status), decided.sampling, expiry)
        if reminded is NOTHING and rule.reminders and (first := reminder_at(rule, start, 1)) <= end:
            reminded = NextStep(Step.REMIND, first, rule.name)
    return reminded


@dataclass(frozen=True)
class StepChange:
    """One call whose step differs under the new rules; `verdict` for a resolution already decided."""

    ref: str
    before: NextStep
    after: NextStep
    verdict: Verdict | None = None


def _closes(step: NextStep) -> bool:
    return step.step is Step.CLOSE


@dataclass(frozen=True)
class AutoClosePreview:
    """The preview: per step, calls under the rules now and under the new rules, and the calls that change.

    `acting_now_*`: watched calls the next pass would act on at once. `taken_*`: verdicts a closer gave that
    the rules would have auto-closed first (closure work off the closers); `rejected_*`: of those, the
    resolutions a closer rejected (the risk)."""

    now: datetime
    watched: int
    before: dict[Step, int]
    after: dict[Step, int]
    acting_now_before: int
    acting_now_after: int
    changed: int
    resolved_recently: int
    days: int
    decided_before: dict[Step, int]
    decided_after: dict[Step, int]
    decided_changed: int
    taken_before: int
    taken_after: int
    rejected_before: int
    rejected_after: int
    examples: tuple[StepChange, ...] = ()  # the first SHOWN_CHANGES watched calls that change
    decided_examples: tuple[StepChange, ...] = ()  # the first SHOWN_CHANGES decided ones

    @staticmethod
    def _rows(before: dict[Step, int], after: dict[Step, int]) -> list[tuple[str, int, int]]:
        return [(step.label, before.get(step, 0), after.get(step, 0)) for step in Step
                if before.get(step, 0) or after.get(step, 0)]

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        """(step, calls under the rules now, under the new rules) for the watched calls, in the order of Step."""
        return self._rows(self.before, self.after)

    @property
    def decided_rows(self) -> list[tuple[str, int, int]]:
        """The same for the resolutions decided lately: what the rules would have done before the verdict."""
        return self._rows(self.decided_before, self.decided_after)

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        """(ref, next step now, next step after the change) for the watched calls listed."""
        return [(c.ref, c.before.label(self.now), c.after.label(self.now)) for c in self.examples]

    @property
    def decided_change_rows(self) -> list[tuple[str, str, str, str]]:
        """(ref, verdict, what the rules now would have done first, what the new ones would have)."""
        return [(c.ref, c.verdict.label if c.verdict else "", c.before.label(), c.after.label())
                for c in self.decided_examples]

    def lines(self) -> list[str]:
        """The preview as plain text lines (the CLI's answer)."""
        out = [f"Preview: {self.watched} call(s) in a status the rules watch now; the next pass would:"]
        out += [f"  {label}: {now} -> {then}" for label, now, then in self.rows]
        out.append(f"{self.changed} would change; the next pass would act on {self.acting_now_before} -> "
                   f"{self.acting_now_after} at once.")
        out += [f"  {ref}: {was} -> {will}" for ref, was, will in self.change_rows]
        if self.changed > len(self.examples):
            out.append(f"  … and {self.changed - len(self.examples)} more")
        out.append(f"Of {self.resolved_recently} resolution(s) decided in the last {self.days} days, before the "
                   "verdict the rules would have:")
        out += [f"  {label}: {now} -> {then}" for label, now, then in self.decided_rows]
        out.append(f"Closure work taken off the closers (their verdicts auto-closed first): {self.taken_before} -> "
                   f"{self.taken_after}.")
        out.append(f"Rejected by a closer but auto-closed first: {self.rejected_before} -> {self.rejected_after}.")
        out += [f"  {ref} ({verdict}): {was} -> {will}" for ref, verdict, was, will in self.decided_change_rows]
        if self.decided_changed > len(self.decided_examples):
            out.append(f"  … and {self.decided_changed - len(self.decided_examples)} more")
        return out

    def as_dict(self) -> dict[str, object]:
        def counts(values: dict[Step, int]) -> dict[str, int]:
            return {step.value: values.get(step, 0) for step in Step}

        def change(c: StepChange, now: datetime | None) -> dict[str, object]:
            return {"ref": c.ref, **({"verdict": c.verdict.value} if c.verdict else {}),
                    "before": c.before.label(now), "after": c.after.label(now),
                    "before_step": c.before.step.value, "after_step": c.after.step.value,
                    "before_at": c.before.at.isoformat() if c.before.at else None,
                    "after_at": c.after.at.isoformat() if c.after.at else None}

        return {
            "watched": self.watched, "before": counts(self.before), "after": counts(self.after),
            "acting_now_before": self.acting_now_before, "acting_now_after": self.acting_now_after,
            "changed": self.changed, "changes": [change(c, self.now) for c in self.examples],
            "resolved_recently": self.resolved_recently, "days": self.days,
            "decided_before": counts(self.decided_before), "decided_after": counts(self.decided_after),
            "decided_changed": self.decided_changed,
            "taken_off_closers": {"before": self.taken_before, "after": self.taken_after},
            "rejected_auto_closed": {"before": self.rejected_before, "after": self.rejected_after},
            "decided_changes": [change(c, None) for c in self.decided_examples],
        }


def preview_auto_close(watched: Iterable[WatchedCall], decided: Iterable[DecidedCall],
                       before: Sequence[AutoCloseRuleFacts], after: Sequence[AutoCloseRuleFacts], now: datetime,
                       days: int = 30, *, others_watched: int = 0, others_decided: int = 0) -> AutoClosePreview:
    """What the rules `after` would do compared with the rules `before` (see the module's docstring).

    `watched` are the calls in a status the rules watch now; `decided` the resolutions that got their verdict
    in the last `days` days. `others_watched` and `others_decided` count more of each, of a call type and
    priority no rule before or after applies to (`kinds_ruled`): the rules do nothing to those either way."""
    rules_before, rules_after = RuleLookup(before), RuleLookup(after)
    counts_before: Counter[Step] = Counter({Step.NOTHING: others_watched} if others_watched else {})
    counts_after: Counter[Step] = Counter(counts_before)
    acting = Counter[str]()
    changes: list[StepChange] = []
    n_watched = others_watched
    for call in watched:
        n_watched += 1
        was, will = next_step(call, rules_before, now), next_step(call, rules_after, now)
        counts_before[was.step] += 1
        counts_after[will.step] += 1
        acting["before"] += was.step is not Step.NOTHING and was.at == now
        acting["after"] += will.step is not Step.NOTHING and will.at == now
        if was.key != will.key:
            changes.append(StepChange(call.call.ref, was, will))
    decided_before: Counter[Step] = Counter({Step.NOTHING: others_decided} if others_decided else {})
    decided_after: Counter[Step] = Counter(decided_before)
    tally = Counter[str]()
    decided_changes: list[StepChange] = []
    n_decided = others_decided
    for past in decided:
        n_decided += 1
        was, will = step_before_verdict(past, rules_before), step_before_verdict(past, rules_after)
        decided_before[was.step] += 1
        decided_after[will.step] += 1
        if past.by_closer:
            tally["taken_before"] += _closes(was)
            tally["taken_after"] += _closes(will)
            if past.verdict is Verdict.REJECTED:
                tally["rejected_before"] += _closes(was)
                tally["rejected_after"] += _closes(will)
        if was.key != will.key:
            decided_changes.append(StepChange(past.call.ref, was, will, past.verdict))
    return AutoClosePreview(
        now=now, watched=n_watched, before=dict(counts_before), after=dict(counts_after),
        acting_now_before=acting["before"], acting_now_after=acting["after"], changed=len(changes),
        resolved_recently=n_decided, days=days, decided_before=dict(decided_before),
        decided_after=dict(decided_after), decided_changed=len(decided_changes),
        taken_before=tally["taken_before"], taken_after=tally["taken_after"],
        rejected_before=tally["rejected_before"], rejected_after=tally["rejected_after"],
        examples=tuple(changes[:SHOWN_CHANGES]), decided_examples=tuple(decided_changes[:SHOWN_CHANGES]))
