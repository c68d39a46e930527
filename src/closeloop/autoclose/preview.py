"""The what-if preview of Call Auto Close rules: the calls it looks at, read in a few queries, judged by the core.

`preview_rule_change` is what the Call Auto Close page shows before it asks for the change reason, what the API
answers to `dry_run=true` and what `closeloop autoclose add/set/deactivate --dry-run` prints. The rule
services call it inside a dry run, where the partition's rules already read as they would be after the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from closeloop.calls.models import (
    CALL_TYPE_OF,
    STATUS_OF,
    Call,
    CallEvent,
    ClosureDecision,
)
from closeloop.calls.moments import moment, seconds
from closeloop.closure import Action, CallType, Status
from closeloop.closure.autoclose import (
    AUTO_CLOSE_INPUT,
    AutoCloseRuleFacts,
    facts_for_rules,
    kinds_ruled,
    shortest_wait,
)
from closeloop.closure.autoclose_preview import (
    AutoClosePreview,
    DecidedCall,
    Verdict,
    WatchedCall,
    preview_auto_close,
)
from closeloop.closure.sampling import NO_POLICY, SamplingDecision
from closeloop.partitions.models import Partition

__all__ = ["PREVIEW_DAYS", "preview_rule_change"]

PREVIEW_DAYS = 30
_VERDICTS = {
    ClosureDecision.Outcome.CLOSED_FIRST_TIME: Verdict.CLOSED,
    ClosureDecision.Outcome.CLOSED_AFTER_REJECTION: Verdict.CLOSED,
    ClosureDecision.Outcome.REJECTED: Verdict.REJECTED,
    ClosureDecision.Outcome.REFUSED_BY_USER: Verdict.REFUSED,
    ClosureDecision.Outcome.AUTO_CLOSED: Verdict.AUTO_CLOSED,
}
# The actions that restart a call's idle time: all but reminders (`calls.services.save_change` skips them)
# and notes (no action)
_ACTIONS = [action.value for action in Action if action not in (Action.REMIND, Action.ADD_NOTE)]


def _ruled(kinds: dict[CallType, frozenset[int] | None], prefix: str = "") -> Q | None:
    """The calls of the types and priorities some rule applies to (`kinds_ruled`), as a condition on the type and
    priority columns (of the related call, with `prefix`); None when the rules apply to every call."""
    if len(kinds) == len(CallType) and all(priorities is None for priorities in kinds.values()):
        return None
    condition = Q(pk__in=[])  # no rule applies to any call: the condition matches none
    for kind, priorities in sorted(kinds.items()):
        at = {f"{prefix}priority__in": sorted(priorities)} if priorities is not None else {}
        condition |= Q(**{f"{prefix}call_type": kind.value}, **at)
    return condition


def _watched(partition: Partition, statuses: list[str],
             kinds: dict[CallType, frozenset[int] | None]) -> tuple[list[WatchedCall], int]:
    """The calls in a watched status that some rule could apply to, each with the reminders sent since its last
    action, and how many other calls are in a watched status (two queries, and a count when there are others)."""
    waiting = Call.objects.filter(partition=partition, status__in=statuses)
    ruled = _ruled(kinds)
    calls = waiting if ruled is None else waiting.filter(ruled)
    # idle the longest first; of each call only what the rules read (AUTO_CLOSE_INPUT)
    rows = list(calls.order_by("last_action_at", "id").values_list(
        "id", *AUTO_CLOSE_INPUT, "sampled", "sampling_draw", seconds("last_action_at")))
    reminders = CallEvent.objects.filter(call__partition=partition, call__status__in=statuses,
                                         action=Action.REMIND.value, at__gt=F("call__last_action_at"))
    if (ruled_call := _ruled(kinds, "call__")) is not None:
        reminders = reminders.filter(ruled_call)
    sent = dict(reminders.values("call_id").annotate(n=Count("id")).order_by().values_list("call_id", "n"))
    zone = timezone.get_current_timezone()
    watched = [WatchedCall(facts_for_rules(ref, CALL_TYPE_OF[call_type], STATUS_OF[status], priority),
                           moment(idle_since, zone), sent.get(call_id, 0),
                           SamplingDecision(sampled, (), draw))  # a rule asks only whether a policy sampled it
               for call_id, ref, call_type, status, priority, sampled, draw, idle_since in rows]
    return watched, (0 if ruled is None else waiting.count() - len(watched))


def _decided(partition: Partition, since: datetime, kinds: dict[CallType, frozenset[int] | None],
             wait: timedelta | None) -> tuple[list[DecidedCall], int]:
    """The verdicts on resolutions of the window on calls some rule could apply to (of the type and priority the
    decision recorded), given at least `wait` after the resolution (`shortest_wait`: any sooner came before the
    rules would have acted), each with the actions on its call in the closure stage before it; and how many
    other verdicts the window holds (two queries: the decisions with their calls, then the actions of those
    calls in their closure stage; and a count when some are left out)."""
    window = ClosureDecision.objects.filter(partition=partition, decided_at__gte=since, resolved_at__gte=since)
    ruled = _ruled(kinds)
    judged = window if ruled is None else window.filter(ruled)
    if wait is not None:
        judged = judged.filter(decided_at__gte=F("resolved_at") + wait)
    # one row per verdict: the decision's columns, and of its call what the rules read, as the call was judged
    # (of the type and priority the decision recorded), and whom it waited for
    decisions = list(judged.order_by("-decided_at").values_list(
        "call_id", "call__ref", "call_type", "call__status", "priority", "outcome", "decided_by_id", "sampled",
        "call__closure_target_analyst_id", seconds("resolved_at"), seconds("decided_at")))
    actions: dict[int, list[tuple[float, str]]] = defaultdict(list)
    if decisions:
        # only the actions inside each verdict's closure stage (its resolve, and any take or forward before it),
        # read from each decision through the index of its call's events by time
        rows = (judged.filter(call__events__at__gte=F("resolved_at"), call__events__at__lt=F("decided_at"),
                              call__events__action__in=_ACTIONS)
                .order_by("call__events__at", "call__events__id")
                .values_list("call_id", seconds("call__events__at"), "call__events__to_status"))
        for call_id, at, to_status in rows:
            actions[call_id].append((at, to_status))
    zone = timezone.get_current_timezone()
    decided = [_decided_call(decision, actions[decision[0]], zone) for decision in decisions]
    return decided, (0 if ruled is None and wait is None else window.count() - len(decided))


def _decided_call(decision: tuple[Any, ...], actions: list[tuple[float, str]], zone: tzinfo) -> DecidedCall:
    """One verdict (a row of `_decided`'s decisions) with its call's actions (seconds, status left in)."""
    _, ref, call_type, status, priority, outcome, decided_by_id, sampled, waited_for, resolved_s, decided_s = decision
    resolved_at, decided_at = moment(resolved_s, zone), moment(decided_s, zone)
    assert resolved_at is not None and decided_at is not None  # the window holds resolutions only
    # a call decided more than once in the window: only the actions of this verdict's closure stage
    stage = [(moment(at, zone), STATUS_OF[status]) for at, status in actions if resolved_s <= at < decided_s]
    if not stage or stage[0][0] > resolved_at:  # a desk loaded without history: waiting since resolved
        waited = Status.FORWARD_TO_YOU_FOR_CLOSE if waited_for else Status.FORWARD_FOR_CLOSURE
        stage.insert(0, (resolved_at, waited))
    sampling = SamplingDecision(True, (NO_POLICY,)) if sampled is None else SamplingDecision(sampled, (), 0.0)
    call = facts_for_rules(ref, CALL_TYPE_OF[call_type], STATUS_OF[status], priority)
    return DecidedCall(call, tuple(stage), decided_at, _VERDICTS[outcome], decided_by_id is not None, sampling)


def preview_rule_change(partition: Partition, before: Sequence[AutoCloseRuleFacts],
                        after: Sequence[AutoCloseRuleFacts], now: datetime | None = None) -> AutoClosePreview:
    """What the partition's rules `after` would do compared with `before` (see closure.autoclose_preview).

    The window: the calls in a status any of the rules watch, and the verdicts of the last PREVIEW_DAYS days on
    resolutions of those days (found through the closure decisions, indexed by partition and time)."""
    now = now or timezone.now()
    rules = (*before, *after)
    statuses = sorted({s.value for rule in rules if rule.active for s in rule.statuses})
    kinds = kinds_ruled(rules)
    # no active rule either way: none watched
    watched, others_watched = _watched(partition, statuses, kinds) if statuses else ([], 0)
    decided, others_decided = _decided(partition, now - timedelta(days=PREVIEW_DAYS), kinds, shortest_wait(rules))
    return preview_auto_close(watched, decided, before, after, now, days=PREVIEW_DAYS,
                              others_watched=others_watched, others_decided=others_decided)
