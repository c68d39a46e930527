"""Keeping the daily roll-ups (`reports.models`) in step with the calls, and rebuilding them.

An action writes no roll-up row: its events and closure decision are written as not counted yet
(`rolled_up` false, in a small partial index), and `catch_up` folds them in afterwards, a batch of the oldest
at a time, each batch one transaction (one at a time: an advisory lock on PostgreSQL, SQLite's single
writer). The worker runs it every few seconds and every report runs it before it reads, so a report still
counts every change committed before it was asked for. A batch:

- calls logged, resolved, closed or auto-closed, and calls edited, assigned or escalated (the only changes
  of a call's type or group): the call's counted history is taken away from the type and group it was
  counted under (`CallFlowKey`), the key is set to the call's type and group now, and its history, the new
  events with it, is counted again under the key in `CallFlowDay` (so a reassigned call takes its whole
  history to its new group, as the Trends report says);
- a call closed (Closed or Closed/Unresolved): +1 in `ClosedCallDay`, with its wait bucket;
- a closure-stage decision (close, rejection, refusal by the contact, acceptance that closes, auto-close of
  a resolved call): +1 in `DecisionDay`, under whether the resolution it judged was sampled, and, with the
  closure SLA verdict recorded on it when it was made, +1 met or breached in `ClosureSlaDay`.

Each is one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` for the whole batch. A closed call is never
reopened (a rejection sends back a resolution before the close), so nothing is ever subtracted but a moved
history. Bulk loads and restores write rows past the services: they call `rebuild_rollups`, which
recomputes every roll-up from the calls, their history and decisions and counts them all.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.closure import CLOSED_STATUSES, Action, Status

from .models import CallFlowDay, CallFlowKey, ClosedCallDay, ClosureSlaDay, DecisionDay
from .waits import NOT_TIMED, bucket_sql

__all__ = ["LOGGED", "RESOLVED", "CLOSED", "AUTO_CLOSED", "CLOSES", "BATCH", "pending", "catch_up", "rebuild_rollups"]

LOGGED = (Action.LOG.value,)
RESOLVED = (Action.RESOLVE_TO_ANALYST.value, Action.RESOLVE_TO_GROUP.value, Action.RESOLVE_AND_CLOSE.value)
AUTO_CLOSED = (Action.AUTO_CLOSE.value,)
CLOSED = (Action.CLOSE.value, Action.RESOLVE_AND_CLOSE.value, *AUTO_CLOSED)
_COUNTED = tuple(dict.fromkeys(LOGGED + RESOLVED + CLOSED))
# the changes that can give a call another type or assigned group (and its first ones, when logged)
_MOVES = frozenset({Action.LOG.value, Action.ASSIGN.value, Action.ESCALATE.value, Action.EDIT.value})
_CLOSED = frozenset(s.value for s in CLOSED_STATUSES)

_FLOW_MEASURES = ("logged", "resolved", "closed", "auto_closed")


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _day(column: str) -> tuple[str, list[Any]]:
    """SQL for the day (desk's time zone) of a timestamp column or parameter."""
    if connection.vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        # SQLite keeps times as UTC text: its own date() reads the day where Django's function (Python, called
        # for each row) would parse and convert each one: a rebuild of 1M calls' roll-ups spent most of its time there
        return f"date({column})", []
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


def _flow_cases(sign: str) -> str:
    return ", ".join(f"{sign}CASE WHEN e.action IN {_in(actions)} THEN 1 ELSE 0 END AS m{i}"
                     for i, actions in enumerate((LOGGED, RESOLVED, CLOSED, AUTO_CLOSED)))


def _flow_select(where: str, sign: str = "") -> tuple[str, list[Any]]:
    """The counted events matching `where` (of calls `c`) with their day, under the type and group they are
    counted under (`k`: `CallFlowKey`), each measure 1 (or -1 with `sign="-"`) or 0."""
    day, params = _day("e.at")
    return (f"SELECT c.partition_id AS partition_id, {day} AS day, k.call_type AS call_type, "
            f"k.group_key AS group_key, {_flow_cases(sign)} FROM {_table(CallEvent)} e "
            f"JOIN {_table(Call)} c ON c.id = e.call_id JOIN {_table(CallFlowKey)} k ON k.call_id = c.id "
            f"WHERE e.action IN {_in(_COUNTED)} AND {where}"), params


def _summed(select: str) -> str:
    sums = ", ".join(f"SUM(m{i})" for i in range(len(_FLOW_MEASURES)))
    nonzero = " OR ".join(f"SUM(m{i}) <> 0" for i in range(len(_FLOW_MEASURES)))
    return (f"SELECT partition_id, day, call_type, group_key, {sums} FROM ({select}) AS counted WHERE 1 = 1 "
            f"GROUP BY partition_id, day, call_type, group_key HAVING {nonzero}")


def _flow_key_sql(where: str) -> str:
    """Set `CallFlowKey` of the calls matching `where` to their type and assigned group now."""
    return (f"INSERT INTO {_table(CallFlowKey)} (call_id, call_type, group_key) "
            f"SELECT c.id, c.call_type, COALESCE(c.assigned_group_id, 0) FROM {_table(Call)} c WHERE {where} "
            "ON CONFLICT (call_id) DO UPDATE SET call_type = excluded.call_type, group_key = excluded.group_key")


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


_SERIAL = 7_202_612  # the advisory lock that makes catch-ups on PostgreSQL take turns
BATCH = 1000  # events (and decisions) one catch-up transaction folds in


def _ids(values: list[int]) -> tuple[str, list[int]]:
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def _take_turns(cursor: Any) -> None:
    """One catch-up (or rebuild) at a time: two would fold the same events twice. SQLite's write transaction
    (IMMEDIATE, see settings) is already the only one."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SERIAL])


def _fold_events(cursor: Any) -> int:
    """Fold the oldest events not counted yet into `CallFlowDay` and `ClosedCallDay`; returns how many."""
    cursor.execute(f"SELECT id, call_id, action, from_status, to_status FROM {_table(CallEvent)} "
                   f"WHERE NOT rolled_up ORDER BY id LIMIT {BATCH}")
    events = cursor.fetchall()
    if not events:
        return 0
    flowing = sorted({call for _, call, action, _, _ in events if action in _COUNTED or action in _MOVES})
    closed = sorted({call for _, call, _, before, after in events if after in _CLOSED and before not in _CLOSED})
    if flowing:
        # A call's counted history is under its key (`CallFlowKey`): take the events counted so far away from
        # it, set the key to the call's type and group now, then count them and the new ones under it. The key
        # is read, not the call, both times: a change committed meanwhile comes with an event the next catch-up
        # folds in.
        calls, call_params = _ids(flowing)
        counted, params = _flow_select(f"c.id IN {calls} AND e.rolled_up", sign="-")
        cursor.execute(_upsert(CallFlowDay, _FLOW_COLUMNS, _FLOW_KEY, list(_FLOW_MEASURES), _summed(counted)),
                       [*params, *call_params])
        cursor.execute(_flow_key_sql(f"c.id IN {calls}"), call_params)
    marked, marked_params = _ids([row[0] for row in events])
    cursor.execute(f"UPDATE {_table(CallEvent)} SET rolled_up = %s WHERE id IN {marked}", [True, *marked_params])
    if flowing:
        counted, params = _flow_select(f"c.id IN {calls} AND e.rolled_up")
        cursor.execute(_upsert(CallFlowDay, _FLOW_COLUMNS, _FLOW_KEY, list(_FLOW_MEASURES), _summed(counted)),
                       [*params, *call_params])
    if closed:  # a closed call is never reopened: it is counted once, when it closes
        calls, call_params = _ids(closed)
        select, params = _closed_select(f"c.id IN {calls}")
        cursor.execute(_upsert(ClosedCallDay, [*_CLOSED_KEY, "calls"], _CLOSED_KEY, ["calls"], select),
                       [*params, *call_params])
    return len(events)


def _fold_decisions(cursor: Any) -> int:
    """Fold the oldest closure decisions not counted yet into `DecisionDay` and `ClosureSlaDay`."""
    cursor.execute(f"SELECT id FROM {_table(ClosureDecision)} WHERE NOT rolled_up ORDER BY id LIMIT {BATCH}")
    decisions = [row[0] for row in cursor.fetchall()]
    if not decisions:
        return 0
    ids, id_params = _ids(decisions)
    select, params = _decision_select(f"d.id IN {ids}")
    cursor.execute(_upsert(DecisionDay, [*_DECISION_KEY, "decisions"], _DECISION_KEY, ["decisions"], select),
                   [*params, *id_params])
    select, params = _closure_sla_select(f"d.id IN {ids}")
    cursor.execute(_upsert(ClosureSlaDay, [*_SLA_KEY, "verdicts"], _SLA_KEY, ["verdicts"], select),
                   [*params, *id_params])
    cursor.execute(f"UPDATE {_table(ClosureDecision)} SET rolled_up = %s WHERE id IN {ids}", [True, *id_params])
    return len(decisions)


def pending() -> bool:
    """Whether some event is not counted in the roll-ups yet (a decision is always recorded with an event).
    `NOT rolled_up`, word for word the partial index's condition: SQLite uses the index only then."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {_table(CallEvent)} WHERE NOT rolled_up LIMIT 1")
        return cursor.fetchone() is not None


def catch_up() -> int:
    """Fold every call event and closure decision committed so far that the roll-ups do not count yet into
    them, a batch per transaction; returns how many events. The worker runs it every few seconds and a
    report runs it before it reads, so a report counts every change committed before it was asked for.

    With nothing to fold it is one indexed read, outside any write transaction."""
    folded = 0
    while pending():
        with transaction.atomic(), connection.cursor() as cursor:
            _take_turns(cursor)
            events = _fold_events(cursor)
            decisions = _fold_decisions(cursor)
        folded += events
        if events < BATCH and decisions < BATCH:
            break
    return folded


def rebuild_rollups() -> None:
    """Recompute every daily roll-up from the calls, their history and their closure decisions (with the closure
    SLA verdicts they recorded), after a bulk load or a restore, which write past the services, or to repair
    them; every event and decision is counted afterwards. Runs in the caller's transaction.

    Rows that were right stay as they were (every count is set to zero, then set from the calls), so a
    restore of a backup whose roll-ups were current changes nothing and still matches the backup."""
    closing = (f"NOT EXISTS (SELECT 1 FROM {_table(CallEvent)} e WHERE e.call_id = c.id AND NOT e.rolled_up "
               f"AND e.to_status IN {_in(tuple(sorted(_CLOSED)))} "
               f"AND e.from_status NOT IN {_in(tuple(sorted(_CLOSED)))})")
    flow, flow_params = _flow_select("e.rolled_up")
    decisions, decision_params = _decision_select("d.rolled_up")
    closed, closed_params = _closed_select(closing)
    verdicts, verdict_params = _closure_sla_select("d.rolled_up")
    with transaction.atomic(), connection.cursor() as cursor:
        _take_turns(cursor)
        # what is committed now is counted; what commits later is pending and a catch-up folds it in
        for model in (CallEvent, ClosureDecision):
            cursor.execute(f"UPDATE {_table(model)} SET rolled_up = %s WHERE NOT rolled_up", [True])
        for model, counts in ((CallFlowDay, _FLOW_MEASURES), (DecisionDay, ("decisions",)),
                              (ClosedCallDay, ("calls",)), (ClosureSlaDay, ("verdicts",))):
            cursor.execute(f"UPDATE {_table(model)} SET {', '.join(f'{c} = 0' for c in counts)}")
        cursor.execute(_flow_key_sql("1 = 1"))
        cursor.execute(_upsert(CallFlowDay, _FLOW_COLUMNS, _FLOW_KEY, list(_FLOW_MEASURES), _summed(flow),
                               replace=True), flow_params)
        cursor.execute(_upsert(DecisionDay, [*_DECISION_KEY, "decisions"], _DECISION_KEY, ["decisions"], decisions,
                               replace=True), decision_params)
        cursor.execute(_upsert(ClosedCallDay, [*_CLOSED_KEY, "calls"], _CLOSED_KEY, ["calls"], closed,
                               replace=True), closed_params)
        cursor.execute(_upsert(ClosureSlaDay, [*_SLA_KEY, "verdicts"], _SLA_KEY, ["verdicts"], verdicts,
                               replace=True), verdict_params)
