"""Sampling decisions at resolve time.

When a call enters the closure stage, `decide_sampling_for` gathers what the partition's policy looks at
(the resolver's past verdicts only when the policy uses them: one aggregate query), draws a random number
and asks the closure core. The caller stores the decision on the call and in the resolve event; each
closure decision keeps whether the resolution it judged was sampled, and the rejection-rate report splits
its decisions by that (`reports.closure_stage.rejection_rate`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.db.models import IntegerField, OuterRef, Subquery, Value

from closeloop.accounts.models import Analyst
from closeloop.closure import CallFacts, CallType
from closeloop.closure.sampling import SamplingDecision, SamplingFacts, SamplingPolicy, decide_sampling
from closeloop.partitions.sampling import load_sampling_policy

from .models import Call, ClosureDecision

__all__ = ["RATE_WINDOW", "resolver_histories", "resolver_history", "decide_sampling_for", "drawing_from",
           "sampling_details"]

RATE_WINDOW = timedelta(days=30)
_RANDOM = secrets.SystemRandom()
_draws: ContextVar[Callable[[], float] | None] = ContextVar("closeloop_sampling_draws", default=None)


@contextmanager
def drawing_from(source: Callable[[], float]) -> Iterator[None]:
    """Within this block, draws come from `source` (a seeded `random.Random().random`): the demo desk loads
    the same sampled and unsampled calls every time. Everywhere else the draw is the system's randomness."""
    token = _draws.set(source)
    try:
        yield
    finally:
        _draws.reset(token)


class _CountOf(Subquery):
    """How many rows a (correlated) subquery yields: COUNT(*) over it, so a LIMIT inside caps the count."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


# A call is closed once (no transition leaves Closed), so its closing verdicts count its closed calls
_CLOSED = (ClosureDecision.Outcome.CLOSED_FIRST_TIME, ClosureDecision.Outcome.CLOSED_AFTER_REJECTION,
           ClosureDecision.Outcome.AUTO_CLOSED)


def resolver_histories(resolver_ids: Iterable[int], now: datetime,
                       closed_up_to: int | None = None) -> dict[int, tuple[float | None, int]]:
    """Each resolver's rejection rate over the 30 days up to `now` (percent of their closure-stage verdicts
    that were closers' rejections; None with no verdict in 30 days) and how many of their calls have been
    closed, in one query. A resolver with no closure decision in 30 days and no closed call is left out.

    A policy only asks whether a resolver has closed fewer calls than its first N: with `closed_up_to` the
    count stops there, so a resolver's whole history is never counted (each count reads the index on
    (resolver, decided_at), as do the 30 days' counts)."""
    mine = ClosureDecision.objects.filter(resolver_id=OuterRef("pk")).order_by().values("id")
    recent = mine.filter(decided_at__gt=now - RATE_WINDOW, decided_at__lte=now)
    closed = mine.filter(outcome__in=_CLOSED)
    rows = (Analyst.objects.filter(pk__in=list(resolver_ids)).order_by()
            .annotate(recent=_CountOf(recent), recent_rejected=_CountOf(recent.filter(
                      outcome=ClosureDecision.Outcome.REJECTED)),
                      closed=(Value(0) if closed_up_to == 0 else  # no policy asks: none counted
                              _CountOf(closed[:closed_up_to] if closed_up_to is not None else closed)))
            .values_list("pk", "recent", "recent_rejected", "closed"))
    return {pk: (100 * rejected / recent if recent else None, closed)
            for pk, recent, rejected, closed in rows if recent or closed}


def resolver_history(resolver_id: int, now: datetime, closed_up_to: int | None = None) -> tuple[float | None, int]:
    """One resolver's rejection rate over the last 30 days (None with no verdict in 30 days) and how many of
    their calls have been closed, up to `closed_up_to` (see `resolver_histories`)."""
    return resolver_histories([resolver_id], now, closed_up_to).get(resolver_id, (None, 0))


def decide_sampling_for(call: Call, resolved: CallFacts, now: datetime, *,
                        policy: SamplingPolicy | None = None,
                        draw: Callable[[], float] | None = None) -> SamplingDecision:
    """The sampling decision for a resolution that puts the call in the closure stage (`resolved`: the call
    as resolved). Without an enabled policy: "under no policy", and no query beyond reading the policy."""
    policy = policy if policy is not None else load_sampling_policy(call.partition_id)
    if not policy.enabled:
        return decide_sampling(policy, SamplingFacts(resolved.priority, resolved.call_type, 0.0))
    rate, count = None, None
    if policy.needs_resolver_history and resolved.resolved_by_id is not None:
        rate, count = resolver_history(resolved.resolved_by_id, now, policy.resolver_first_n)
    return decide_sampling(policy, SamplingFacts(
        priority=resolved.priority, call_type=CallType(resolved.call_type),
        draw=(draw or _draws.get() or _RANDOM.random)(),
        times_rejected=resolved.times_rejected, times_refused=resolved.times_refused,
        resolver_rejection_rate_30d=rate, resolver_resolved_count=count))


def sampling_details(decision: SamplingDecision) -> dict[str, Any]:
    """The decision as the resolve event records it and the API shows it."""
    return {"sampled": decision.sampled, "reasons": list(decision.reasons), "draw": decision.draw}
