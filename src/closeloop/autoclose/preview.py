"""The what-if preview of Call Auto Close rules: the calls it looks at, read in four queries, judged by the core.

`preview_rule_change` is what the Call Auto Close page shows before it asks for the change reason, what the API
answers to `dry_run=true` and what `closeloop autoclose add/set/deactivate --dry-run` prints. The rule
services call it inside a dry run, where the partition's rules already read as they would be after the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Count, F
from django.utils import timezone

from closeloop.calls.models import (
    CALL_TYPE_OF,
    STATUS_OF,
    Call,
    CallEvent,
    ClosureDecision,
)
from closeloop.calls.moments import moment, seconds
from closeloop.closure import Action, CallFacts, Status
from closeloop.closure.autoclose import AUTO_CLOSE_INPUT, AutoCloseRuleFacts, facts_for_rules
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


def _watched(partition: Partition, statuses: list[str]) -> list[WatchedCall]:
    """The calls in a watched status, each with the reminders sent since its last action (two queries)."""
    # idle the longest first; of each call only what the rules read (AUTO_CLOSE_INPUT)
    calls = Call.objects.filter(partition=partition, status__in=statuses).order_by(
        "last_action_at", "id").values("id", *AUTO_CLOSE_INPUT, "sampled", "sampling_draw",
                                       idle_since=seconds("last_action_at"))
    sent = dict(CallEvent.objects.filter(call__partition=partition, call__status__in=statuses,
                                         action=Action.REMIND.value, at__gt=F("call__last_action_at"))
                .values("call_id").annotate(n=Count("id")).order_by().values_list("call_id", "n"))
    zone = timezone.get_current_timezone()
    return [WatchedCall(_for_rules(row), moment(row["idle_since"], zone),
                        sent.get(row["id"], 0), SamplingDecision(row["sampled"], (), row["sampling_draw"]))
            for row in calls]  # a rule asks only whether a policy sampled it


def _decided(partition: Partition, since: datetime) -> list[DecidedCall]:
    """The verdicts on resolutions of the window, each with the actions on its call in the closure stage before
    it (two queries: the decisions with their calls, then the actions of those calls in their closure stage)."""
    window = ClosureDecision.objects.filter(partition=partition, decided_at__gte=since, resolved_at__gte=since)
    # one row per verdict: the decision's columns, and of its call what the rules read, as the call was judged
    # (of the type and priority the decision recorded), and whom it waited for
    decisions = list(window.order_by("-decided_at").values(
        *_DECISION_COLUMNS, ref=F("call__ref"), status=F("call__status"),
        closure_target_analyst_id=F("call__closure_target_analyst_id"),
        resolved_s=seconds("resolved_at"), decided_s=seconds("decided_at")))
    actions: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    zone = timezone.get_current_timezone()
    if decisions:
        # only the actions inside each verdict's closure stage (its resolve, and any take or forward before it),
        # read from each decision through the index of its call's events by time
        rows = (window.filter(call__events__at__gte=F("resolved_at"), call__events__at__lt=F("decided_at"),
                              call__events__action__in=_ACTIONS)
                .order_by("call__events__at", "call__events__id")
                .values_list("call_id", seconds("call__events__at"), "call__events__to_status"))
        for call_id, at, to_status in rows:
            actions[call_id].append((moment(at, zone), to_status))
    return [_decided_call(decision, actions[decision["call_id"]], zone) for decision in decisions]


def _for_rules(row: dict[str, Any]) -> CallFacts:
    """The call of a row as the rules read it."""
    return facts_for_rules(row["ref"], CALL_TYPE_OF[row["call_type"]], STATUS_OF[row["status"]], row["priority"])


# its times are read as `seconds` (resolved_s, decided_s)
_DECISION_COLUMNS = ("call_id", "call_type", "priority", "outcome", "decided_by_id", "sampled")


def _decided_call(decision: dict[str, Any], actions: list[tuple[datetime, str]], zone: tzinfo) -> DecidedCall:
    """One verdict (a `values()` row of the decision and of its call's AUTO_CLOSE_INPUT) with its call's actions."""
    resolved_at, decided_at = moment(decision["resolved_s"], zone), moment(decision["decided_s"], zone)
    assert resolved_at is not None and decided_at is not None  # the window holds resolutions only
    call = _for_rules(decision)
    stage = [(at, STATUS_OF[status]) for at, status in actions if resolved_at <= at < decided_at]
    if not stage or stage[0][0] > resolved_at:  # a desk loaded without history: waiting since resolved
        waited = (Status.FORWARD_TO_YOU_FOR_CLOSE if decision["closure_target_analyst_id"]
                  else Status.FORWARD_FOR_CLOSURE)
        stage.insert(0, (resolved_at, waited))
    sampled = decision["sampled"]
    sampling = SamplingDecision(True, (NO_POLICY,)) if sampled is None else SamplingDecision(sampled, (), 0.0)
    return DecidedCall(call, tuple(stage), decided_at,
                       _VERDICTS[decision["outcome"]], decision["decided_by_id"] is not None,
                       sampling)


def preview_rule_change(partition: Partition, before: Sequence[AutoCloseRuleFacts],
                        after: Sequence[AutoCloseRuleFacts], now: datetime | None = None) -> AutoClosePreview:
    """What the partition's rules `after` would do compared with `before` (see closure.autoclose_preview).

    The window: the calls in a status any of the rules watch, and the verdicts of the last PREVIEW_DAYS days on
    resolutions of those days (found through the closure decisions, indexed by partition and time)."""
    now = now or timezone.now()
    statuses = sorted({s.value for rule in (*before, *after) if rule.active for s in rule.statuses})
    watched = _watched(partition, statuses) if statuses else []  # no active rule either way: none watched
    decided = _decided(partition, now - timedelta(days=PREVIEW_DAYS))
    return preview_auto_close(watched, decided, before, after, now, days=PREVIEW_DAYS)
