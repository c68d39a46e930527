"""Keeping the daily roll-ups (`reports.models`) in step with the calls, and rebuilding them.

`count_call_event` handles every `CallChanged`, inside the transaction that records the event, with one
statement per roll-up the event changes (each an `INSERT ... SELECT ... ON CONFLICT DO UPDATE` that adds
the call's contribution to its day's row, reading the call's row in the database):

- a call logged, resolved, closed or auto-closed: +1 on its day in `CallFlowDay`, under its type and
  group now;
- a call logged, edited, assigned or escalated (the only changes of its type or group): its counted
  history moves from the type and group it was counted under (`CallFlowKey`) to those it has now, and the
  key follows (two statements; none when the action kept the call's type and group, and once for the events
  one action recorded together, as logging a call with its assignment does);
- a closure-stage decision (close, rejection, refusal by the contact, acceptance that closes, auto-close of
  a resolved call): +1 in `DecisionDay`, under whether the resolution it judged was sampled;
- a call closed (Closed or Closed/Unresolved): +1 in `ClosedCallDay`, with its wait bucket;
- a closure-stage decision with a closure SLA verdict (recorded on the decision when it was made): +1 met or
  breached in `ClosureSlaDay` (no statement when the action said its decision has none).

A closed call is never reopened (a rejection sends back a resolution before the close), so nothing is
ever subtracted but a moved history. Bulk loads and restores write rows past the handler: they call
`rebuild_rollups`, which recomputes every roll-up from the calls, their history and decisions.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from closeloop.calls.history import call_before_action, call_being_published, decision_recorded, published_together
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.closure import CLOSED_STATUSES, CLOSURE_STATUSES, Action, Status
from closeloop.closure.events import CallChanged

from .models import CallFlowDay, CallFlowKey, ClosedCallDay, ClosureSlaDay, DecisionDay
from .waits import NOT_TIMED, bucket_sql

__all__ = ["LOGGED", "RESOLVED", "CLOSED", "AUTO_CLOSED", "CLOSES", "count_call_event", "rebuild_rollups"]

LOGGED = (Action.LOG.value,)
RESOLVED = (Action.RESOLVE_TO_ANALYST.value, Action.RESOLVE_TO_GROUP.value, Action.RESOLVE_AND_CLOSE.value)
AUTO_CLOSED = (Action.AUTO_CLOSE.value,)
CLOSED = (Action.CLOSE.value, Action.RESOLVE_AND_CLOSE.value, *AUTO_CLOSED)
_COUNTED = tuple(dict.fromkeys(LOGGED + RESOLVED + CLOSED))
# the changes that can give a call another type or assigned group (and its first ones, when logged)
_MOVES = frozenset({Action.LOG.value, Action.ASSIGN.value, Action.ESCALATE.value, Action.EDIT.value})
# the changes recorded with a closure decision (`calls.services._decision`, Call Auto Close)
_DECIDING = frozenset({Action.CLOSE.value, Action.REJECT.value, Action.USER_REFUSE.value,
                       Action.ACCEPT_AND_CLOSE.value})
_CLOSED = frozenset(s.value for s in CLOSED_STATUSES)
_AWAITING = frozenset(s.value for s in CLOSURE_STATUSES)

_FLOW_MEASURES = ("logged", "resolved", "closed", "auto_closed")


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _day(column: str) -> tuple[str, list[Any]]:
    """SQL for the day (desk's time zone) of a timestamp column or parameter."""
    sql, params = connection.ops.datetime_cast_date_sql(column, (), timezone.get_current_timezone_name())
    return sql, list(params)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _upsert(model: Any, columns: list[str], key: list[str], added: list[str], select: str, *,
            replace: bool = False) -> str:
    """INSERT ... SELECT that adds the `added` columns to the row of the same key (or, with `replace`, sets
    them), or creates it."""
    adds = ", ".join(f"{c} = {'' if replace else f'{_table(model)}.{c} + '}excluded.{c}" for c in added)
    return (f"INSERT INTO {_table(model)} ({', '.join(columns)}) {select} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {adds}")


_FLOW_KEY = ["partition_id", "day", "call_type", "group_key"]
_FLOW_COLUMNS = [*_FLOW_KEY, *_FLOW_MEASURES]


def _flow_cases(sign: str = "") -> str:
    return ", ".join(f"{sign}CASE WHEN e.action IN {_in(actions)} THEN 1 ELSE 0 END AS m{i}"
                     for i, actions in enumerate((LOGGED, RESOLVED, CLOSED, AUTO_CLOSED)))


def _flow_select(where: str, key: str = "c") -> tuple[str, list[Any]]:
    """The counted events of the calls matching `where`, under the type and group of `key` (c: the call's now,
    k: as last counted), with their day."""
    day, params = _day("e.at")
    group = "COALESCE(c.assigned_group_id, 0)" if key == "c" else "k.group_key"
    join = f"JOIN {_table(CallFlowKey)} k ON k.call_id = c.id" if key == "k" else ""
    sign = "" if key == "c" else "-"
    return (f"SELECT c.partition_id AS partition_id, {day} AS day, {key}.call_type AS call_type, {group} AS group_key, "
            f"{_flow_cases(sign)} FROM {_table(CallEvent)} e JOIN {_table(Call)} c ON c.id = e.call_id {join} "
            f"WHERE e.action IN {_in(_COUNTED)} AND {where}"), params


def _summed(select: str) -> str:
    sums = ", ".join(f"SUM(m{i})" for i in range(len(_FLOW_MEASURES)))
    nonzero = " OR ".join(f"SUM(m{i}) <> 0" for i in range(len(_FLOW_MEASURES)))
    return (f"SELECT partition_id, day, call_type, group_key, {sums} FROM ({select}) AS counted WHERE 1 = 1 "
            f"GROUP BY partition_id, day, call_type, group_key HAVING {nonzero}")


def _move_flow(event: CallChanged) -> None:
    """Count the call's history under its type and group now instead of those it was counted under."""
    now, now_params = _flow_select("e.call_id = %s AND e.id <= %s")
    before, before_params = _flow_select("e.call_id = %s AND e.id < %s", key="k")
    sql = _upsert(CallFlowDay, _FLOW_COLUMNS, _FLOW_KEY, list(_FLOW_MEASURES),
                  _summed(f"{now} UNION ALL {before}"))
    key = (f"INSERT INTO {_table(CallFlowKey)} (call_id, call_type, group_key) "
           f"SELECT c.id, c.call_type, COALESCE(c.assigned_group_id, 0) FROM {_table(Call)} c WHERE c.id = %s "
           "ON CONFLICT (call_id) DO UPDATE SET call_type = excluded.call_type, group_key = excluded.group_key")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*now_params, event.call_id, event.event_id, *before_params, event.call_id,
                             event.event_id])
        cursor.execute(key, [event.call_id])


def _count_flow(event: CallChanged) -> None:
    """+1 logged/resolved/closed/auto-closed for the event's day, under the call's type and group now."""
    flags = [int(event.action in actions) for actions in (LOGGED, RESOLVED, CLOSED, AUTO_CLOSED)]
    select = (f"SELECT c.partition_id, %s, c.call_type, COALESCE(c.assigned_group_id, 0), %s, %s, %s, %s "
              f"FROM {_table(Call)} c WHERE c.id = %s")
    with connection.cursor() as cursor:
        cursor.execute(_upsert(CallFlowDay, _FLOW_COLUMNS, _FLOW_KEY, list(_FLOW_MEASURES), select),
                       [timezone.localtime(event.at).date(), *flags, event.call_id])


_DECISION_KEY = ["partition_id", "day", "outcome", "first_decision", "resolver_key", "resolver_group_key",
                 "call_type", "category_key", "sampling"]
_SAMPLING = (f"CASE WHEN d.sampled IS NULL THEN '{DecisionDay.Sampling.NO_POLICY.value}' "
             f"WHEN d.sampled THEN '{DecisionDay.Sampling.SAMPLED.value}' "
             f"ELSE '{DecisionDay.Sampling.UNSAMPLED.value}' END")


def _decision_select(where: str) -> tuple[str, list[Any]]:
    day, params = _day("d.decided_at")
    return (f"SELECT d.partition_id, {day}, d.outcome, d.rejections_before = 0, COALESCE(d.resolver_id, 0), "
            "COALESCE(d.resolver_group_id, 0), d.call_type, COALESCE(d.rejection_category_id, 0), "
            f"{_SAMPLING}, COUNT(*) FROM {_table(ClosureDecision)} d WHERE {where} "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"), params


def _count_decision(event: CallChanged) -> None:
    """+1 for the decision just recorded with the event (the call's newest)."""
    select, params = _decision_select(f"d.id = (SELECT MAX(id) FROM {_table(ClosureDecision)} WHERE call_id = %s)")
    with connection.cursor() as cursor:
        cursor.execute(_upsert(DecisionDay, [*_DECISION_KEY, "decisions"], _DECISION_KEY, ["decisions"], select),
                       [*params, event.call_id])


_CLOSED_KEY = ["partition_id", "day", "status", "call_type", "reason_key", "closure_group_key", "closer_key",
               "resolver_key", "auto_closed", "wait_bucket"]


def _closed_select(where: str) -> tuple[str, list[Any]]:
    """The closed calls matching `where`, counted by day and the keys of `ClosedCallDay`."""
    day, params = _day("c.closed_at")
    if connection.vendor == "postgresql":
        seconds = "EXTRACT(EPOCH FROM (c.closed_at - c.resolved_at))"
    else:
        seconds = "django_timestamp_diff(c.closed_at, c.resolved_at) / 1000000.0"
    bucket = (f"CASE WHEN c.status = '{Status.CLOSED.value}' AND c.resolved_at IS NOT NULL "
              f"THEN {bucket_sql(connection.vendor, seconds)} ELSE {NOT_TIMED} END")
    auto = (f"EXISTS (SELECT 1 FROM {_table(ClosureDecision)} d WHERE d.call_id = c.id "
            f"AND d.outcome = '{ClosureDecision.Outcome.AUTO_CLOSED.value}')")
    keys = [day, "c.status", "c.call_type", "COALESCE(c.closure_reason_id, 0)",
            "COALESCE(c.closure_target_group_id, 0)", "COALESCE(c.closed_by_id, 0)", "COALESCE(c.resolved_by_id, 0)",
            auto, bucket]
    return (f"SELECT c.partition_id, {', '.join(keys)}, COUNT(*) FROM {_table(Call)} c "
            f"WHERE c.status IN {_in(tuple(sorted(_CLOSED)))} AND c.closed_at IS NOT NULL AND {where} "
            f"GROUP BY {', '.join(str(n) for n in range(1, len(keys) + 2))}"), params


def _count_closed(event: CallChanged) -> None:
    select, params = _closed_select("c.id = %s")
    with connection.cursor() as cursor:
        cursor.execute(_upsert(ClosedCallDay, [*_CLOSED_KEY, "calls"], _CLOSED_KEY, ["calls"], select),
                       [*params, event.call_id])


_SLA_KEY = ["partition_id", "day", "closure_group_key", "closer_key", "priority", "outcome", "met"]
# the decisions that close the call: counted under the group it waited for (the others sent it back)
CLOSES = (ClosureDecision.Outcome.CLOSED_FIRST_TIME.value, ClosureDecision.Outcome.CLOSED_AFTER_REJECTION.value,
          ClosureDecision.Outcome.AUTO_CLOSED.value)


def _closure_sla_select(where: str) -> tuple[str, list[Any]]:
    """The decisions matching `where` that have a closure SLA verdict, counted by day and the keys of
    `ClosureSlaDay`."""
    day, params = _day("d.decided_at")
    group = f"CASE WHEN d.outcome IN {_in(CLOSES)} THEN COALESCE(c.closure_target_group_id, 0) ELSE 0 END"
    return (f"SELECT d.partition_id, {day}, {group}, COALESCE(d.decided_by_id, 0), d.priority, d.outcome, "
            f"d.closure_sla_met, COUNT(*) FROM {_table(ClosureDecision)} d JOIN {_table(Call)} c ON c.id = d.call_id "
            f"WHERE d.closure_sla_met IS NOT NULL AND {where} GROUP BY 1, 2, 3, 4, 5, 6, 7"), params


def _count_closure_sla(event: CallChanged) -> None:
    """+1 met or breached for the decision just recorded with the event, if it has a verdict."""
    select, params = _closure_sla_select(
        f"d.id = (SELECT MAX(id) FROM {_table(ClosureDecision)} WHERE call_id = %s)")
    with connection.cursor() as cursor:
        cursor.execute(_upsert(ClosureSlaDay, [*_SLA_KEY, "verdicts"], _SLA_KEY, ["verdicts"], select),
                       [*params, event.call_id])


def _nothing_to_move(event: CallChanged) -> bool:
    """Whether the call's counted history is already under its type and group now, so that moving it would add
    nothing (the event itself is never counted): an earlier event the action recorded with this one moved it
    (the call was written once, before all of them), or the action kept the type and group the call had, and
    was counted under, before it."""
    if event.action in _COUNTED:
        return False
    if any(e.action in _MOVES and e.event_id < event.event_id for e in published_together(event)):
        return True
    before, call = call_before_action(event.call_id), call_being_published(event.call_id)
    return before is not None and call is not None and (before.call_type.value, before.assigned_group_id) == (
        call.call_type, call.assigned_group_id)


def count_call_event(event: CallChanged) -> None:
    """Add what one call event changes to the daily roll-ups, in the event's transaction."""
    if event.action in _MOVES:
        if not _nothing_to_move(event):
            _move_flow(event)
    elif event.action in _COUNTED:
        _count_flow(event)
    if event.action in _DECIDING or (event.action == Action.AUTO_CLOSE.value and event.from_status in _AWAITING):
        _count_decision(event)
        decision = decision_recorded(event.call_id)
        if decision is None or decision.closure_sla_met is not None:  # no verdict: nothing to count
            _count_closure_sla(event)
    if event.to_status in _CLOSED and event.from_status not in _CLOSED:
        _count_closed(event)


def rebuild_rollups() -> None:
    """Recompute every daily roll-up from the calls, their history and their closure decisions (with the closure
    SLA verdicts they recorded), after a bulk load or a restore, which write past the handler, or to repair
    them. Runs in the caller's transaction.

    Rows that were right stay as they were (every count is set to zero, then set from the calls), so a
    restore of a backup whose roll-ups were current changes nothing and still matches the backup."""
    flow, flow_params = _flow_select("1 = 1")
    decisions, decision_params = _decision_select("1 = 1")
    closed, closed_params = _closed_select("1 = 1")
    verdicts, verdict_params = _closure_sla_select("1 = 1")
    with connection.cursor() as cursor:
        for model, counts in ((CallFlowDay, _FLOW_MEASURES), (DecisionDay, ("decisions",)),
                              (ClosedCallDay, ("calls",)), (ClosureSlaDay, ("verdicts",))):
            cursor.execute(f"UPDATE {_table(model)} SET {', '.join(f'{c} = 0' for c in counts)}")
        cursor.execute(_upsert(CallFlowDay, _FLOW_COLUMNS, _FLOW_KEY, list(_FLOW_MEASURES), _summed(flow),
                               replace=True), flow_params)
        cursor.execute(f"INSERT INTO {_table(CallFlowKey)} (call_id, call_type, group_key) "
                       f"SELECT c.id, c.call_type, COALESCE(c.assigned_group_id, 0) FROM {_table(Call)} c WHERE 1 = 1 "
                       "ON CONFLICT (call_id) DO UPDATE SET call_type = excluded.call_type, "
                       "group_key = excluded.group_key")
        cursor.execute(_upsert(DecisionDay, [*_DECISION_KEY, "decisions"], _DECISION_KEY, ["decisions"], decisions,
                               replace=True), decision_params)
        cursor.execute(_upsert(ClosedCallDay, [*_CLOSED_KEY, "calls"], _CLOSED_KEY, ["calls"], closed,
                               replace=True), closed_params)
        cursor.execute(_upsert(ClosureSlaDay, [*_SLA_KEY, "verdicts"], _SLA_KEY, ["verdicts"], verdicts,
                               replace=True), verdict_params)
