"""The reports' figures computed from the raw rows (calls, history events, closure decisions), as every
report computed them before the daily roll-ups: the oracle the roll-ups are checked against.

Kept only here, in the tests: each function scans the period's raw rows, which is what the roll-ups avoid.
"""
# ruff: noqa: E501

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.closure import CLOSED_STATUSES, Action, CallType, Status
from closeloop.closure.priority import priority_label
from closeloop.closure.sla import ClosureSlaPolicy, SlaState
from closeloop.partitions.models import Partition
from closeloop.reports.base import Chart, Column, Period, Report, hours, nearest_rank, ratio, week_label, week_of

NO_GROUP = "(no group)"
NOBODY = "(not resolved)"


def _type_label(value: str) -> str:
    return CallType(value).label


def percentiles_by(rows: QuerySet[Any], key: Any, value: Any, ps: tuple[float, ...] = (0.5, 0.9)
                   ) -> dict[Any, dict[float | str, Any]]:
    """The row count ("n") and nearest-rank percentiles of `value` within each `key`, picked in the database.

    Each row is numbered within its key in order of value; the count per key tells which numbers
    are the percentiles; only those rows come back (at most len(ps) per key), on SQLite and PostgreSQL.
    """
    ranked = rows.annotate(
        r_key=key, r_value=value,
        r_rank=Window(RowNumber(), partition_by=[key], order_by=[F("r_value").asc(), F("id").asc()]),
        r_n=Window(Count("id"), partition_by=[key]),
    )
    wanted = Q()
    for p in ps:
        # ceil(p*n) as integer arithmetic, the same on both databases: (a*n + b - 1) / b with p = a/b
        numerator, denominator = round(p * 100), 100
        wanted |= Q(r_rank=(F("r_n") * numerator + (denominator - 1)) / denominator)
    result: dict[Any, dict[float | str, Any]] = {}
    for row in ranked.filter(wanted).values("r_key", "r_value", "r_rank", "r_n"):
        figures = result.setdefault(row["r_key"], {"n": row["r_n"]})
        for p in ps:
            if row["r_rank"] == nearest_rank(p, row["r_n"]):
                figures[p] = row["r_value"]
    return result


def _duration() -> ExpressionWrapper:
    return ExpressionWrapper(F("closed_at") - F("resolved_at"), output_field=DurationField())


def _unresolved_counts(partition: Partition, period: Period, key: Any) -> dict[Any, int]:
    """Calls closed as Closed/Unresolved in the period, per `key`: closes that validated no resolution."""
    unresolved = Call.objects.filter(partition=partition, status=Status.CLOSED_UNRESOLVED.value).filter(
        period.within("closed_at"))
    return {row["key"]: row["n"] for row in unresolved.annotate(key=key).values("key").annotate(
        n=Count("id")).order_by("key")}


def time_to_close(partition: Partition, period: Period) -> Report:
    """How long resolved calls waited to be closed (median and 90th percentile, nearest rank), for calls
    closed in the period: for the partition, per closure group, per closer, and per week; with how many of
    them a Call Auto Close rule closed (never validated by a closer) and their share. Calls closed as
    Closed/Unresolved (cancelled, duplicates, no response) validated no resolution: they are counted apart
    and never in the times."""
    closed = Call.objects.filter(partition=partition, status=Status.CLOSED.value, resolved_at__isnull=False).filter(
        period.within("closed_at"))
    # closed by a Call Auto Close rule: nobody validated them
    auto = closed.filter(closure_decisions__outcome=ClosureDecision.Outcome.AUTO_CLOSED)
    dimensions: list[tuple[str, Any, Any]] = [
        ("partition", Value(partition.name), lambda k: k),
        ("closure group", F("closure_target_group__name"), lambda k: k or NO_GROUP),
        ("closer", F("closed_by__username"), lambda k: k or "system"),
    ]
    rows: list[dict[str, Any]] = []
    for dimension, key, name_of in dimensions:
        figures = percentiles_by(closed, key, _duration())
        unresolved = _unresolved_counts(partition, period, key)
        figures.update({k: {"n": 0} for k in unresolved if k not in figures})
        if dimension == "partition" and not figures:
            figures = {partition.name: {"n": 0}}  # the partition's own line is shown even with nothing closed
        autos = _counts_by(auto, key)
        for key_value, fig in sorted(figures.items(), key=lambda item: str(item[0] or "")):
            rows.append(_close_row(dimension, name_of(key_value), fig, autos.get(key_value, 0),
                                   unresolved.get(key_value, 0)))
    weekly = {week_of(k): fig for k, fig in percentiles_by(closed, TruncWeek("closed_at"), _duration()).items()}
    auto_weekly = {week_of(k): n for k, n in _counts_by(auto, TruncWeek("closed_at")).items()}
    weekly_unresolved = {week_of(k): n for k, n in _unresolved_counts(partition, period,
                                                                      TruncWeek("closed_at")).items()}
    weeks = period.weeks()
    for monday in weeks:
        rows.append(_close_row("week", monday.isoformat(), weekly.get(monday, {"n": 0}), auto_weekly.get(monday, 0),
                               weekly_unresolved.get(monday, 0)))
    chart = Chart("line", "Time to close after resolve, per week (hours)", [week_label(w) for w in weeks],
                  [("median", [hours(weekly.get(w, {}).get(0.5)) for w in weeks]),
                   ("90th percentile", [hours(weekly.get(w, {}).get(0.9)) for w in weeks])], "hours")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("closed", "Calls closed", "count"),
               Column("median_hours", "Median (hours)", "hours"), Column("p90_hours", "90th percentile (hours)",
                                                                          "hours"),
               Column("auto_closed", "Auto-closed", "count"), Column("auto_closed_share", "Auto-closed (%)", "percent"),
               Column("closed_unresolved", "Closed/Unresolved (not counted)", "count")]
    return Report("time-to-close", "Time to close after resolve", partition.name, period, columns, rows, chart,
                  time_to_close.__doc__ or "")


def _counts_by(calls: Any, key: Any) -> dict[Any, int]:
    return {row["k"]: row["n"] for row in calls.annotate(k=key).values("k").annotate(n=Count("id", distinct=True))
            .order_by()}


def _close_row(dimension: str, name: str, fig: dict[Any, Any], auto: int = 0, unresolved: int = 0) -> dict[str, Any]:
    return {"dimension": dimension, "name": name, "closed": fig.get("n", 0),
            "median_hours": hours(fig.get(0.5)), "p90_hours": hours(fig.get(0.9)),
            "auto_closed": auto, "auto_closed_share": ratio(auto, fig.get("n", 0)), "closed_unresolved": unresolved}


def _decision_counts() -> dict[str, Any]:
    outcome = ClosureDecision.Outcome
    return {
        "decisions": Count("id"),
        "rejected": Count("id", filter=Q(outcome=outcome.REJECTED)),
        "closed_first_time": Count("id", filter=Q(outcome=outcome.CLOSED_FIRST_TIME)),
        "closed_after_rejection": Count("id", filter=Q(outcome=outcome.CLOSED_AFTER_REJECTION)),
        "refused_by_user": Count("id", filter=Q(outcome=outcome.REFUSED_BY_USER)),
        "first_decisions": Count("id", filter=Q(rejections_before=0)),
    }


_COUNT_KEYS = ("decisions", "rejected", "refused_by_user", "closed_first_time", "closed_after_rejection")
_DECISION_KEYS = (*_COUNT_KEYS, "rejection_rate", "user_refusal_rate", "first_time_validation_rate")


def _decision_row(dimension: str, name: str, counts: dict[str, Any]) -> dict[str, Any]:
    return {
        "dimension": dimension, "name": name,
        **{k: counts.get(k, 0) for k in _COUNT_KEYS},
        "rejection_rate": ratio(counts.get("rejected", 0), counts.get("decisions", 0)),
        "user_refusal_rate": ratio(counts.get("refused_by_user", 0), counts.get("decisions", 0)),
        "first_time_validation_rate": ratio(counts.get("closed_first_time", 0), counts.get("first_decisions", 0)),
    }


def rejection_rate(partition: Partition, period: Period) -> Report:
    """Closure-stage decisions in the period: the share rejected by closers, the share refused by contacts
    (from the resolved e-mail), and the first-time validation rate (of resolutions checked for the first
    time, the share closed without being sent back), per resolver, resolver group, call type and week; and
    how many rejections fell in each rejection category.

    Under a sampling policy, the decisions are also split by whether the resolution judged was sampled:
    the sampled share of the decisions made under a policy, the rejection rate of sampled calls (does the
    sample catch poor resolutions?) and the contacts' refusal rate of the calls that closed on their word."""
    decisions = ClosureDecision.objects.filter(partition=partition).filter(period.within("decided_at"))
    dimensions: list[tuple[str, str, Any]] = [
        ("resolver", "resolver__username", lambda k: k or "system"),
        ("resolver group", "resolver_group__name", lambda k: k or NO_GROUP),
        ("call type", "call_type", _type_label),
    ]
    rows: list[dict[str, Any]] = []
    total = decisions.aggregate(**_decision_counts())
    rows.append(_decision_row("partition", partition.name, total))
    for dimension, key, name_of in dimensions:
        for counts in decisions.values(key).annotate(**_decision_counts()).order_by(key):
            rows.append(_decision_row(dimension, name_of(counts[key]), counts))
    by_sampling = {counts["sampled"]: counts for counts in decisions.values("sampled").annotate(**_decision_counts())}
    if set(by_sampling) - {None}:  # a sampling policy was in force for some of them
        under_policy = sum(by_sampling[k]["decisions"] for k in (True, False) if k in by_sampling)
        for key, name in ((None, "resolved under no sampling policy"), (True, "sampled (validated by the closure target)"),
                          (False, "not sampled (closed on the contact's word)")):
            if key in by_sampling:
                rows.append({**_decision_row("sampling", name, by_sampling[key]),
                             "share_under_policy": None if key is None else ratio(by_sampling[key]["decisions"], under_policy)})
    rejected = decisions.filter(outcome=ClosureDecision.Outcome.REJECTED)
    for counts in rejected.values("rejection_category__label").annotate(n=Count("id")).order_by(
            "rejection_category__label"):
        # why resolutions were sent back: only the count of rejections means something here
        rows.append({**{k: None for k in _DECISION_KEYS}, "dimension": "rejection category",
                     "name": counts["rejection_category__label"] or "(no category)", "rejected": counts["n"]})
    weekly = {week_of(c["week"]): c for c in decisions.annotate(week=TruncWeek("decided_at")).values("week").annotate(
        **_decision_counts()).order_by("week")}
    weeks = period.weeks()
    week_rows = [_decision_row("week", w.isoformat(), weekly.get(w, {})) for w in weeks]
    rows.extend(week_rows)
    chart = Chart("line", "Rejection rate, user refusal rate and first-time validation rate, per week (%)",
                  [week_label(w) for w in weeks],
                  [("rejection rate", [r["rejection_rate"] for r in week_rows]),
                   ("user refusal rate", [r["user_refusal_rate"] for r in week_rows]),
                   ("first-time validation rate", [r["first_time_validation_rate"] for r in week_rows])], "%")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("decisions", "Decisions", "count"),
               Column("rejected", "Rejected", "count"),
               Column("refused_by_user", "Refused by the contact", "count"),
               Column("closed_first_time", "Closed first time", "count"),
               Column("closed_after_rejection", "Closed after rejection", "count"),
               Column("rejection_rate", "Rejection rate (%)", "percent"),
               Column("user_refusal_rate", "User refusal rate (%)", "percent"),
               Column("first_time_validation_rate", "First-time validation rate (%)", "percent"),
               Column("share_under_policy", "Share of the decisions under a sampling policy (%)", "percent")]
    for row in rows:
        row.setdefault("share_under_policy", None)
    return Report("rejection-rate", "Rejection rate", partition.name, period, columns, rows, chart,
                  rejection_rate.__doc__ or "")


def closure_reasons(partition: Partition, period: Period) -> Report:
    """Calls closed in the period by call type and closure reason, with each reason's share of its type."""
    closed = Call.objects.filter(partition=partition, status=Status.CLOSED.value).filter(period.within("closed_at"))
    grouped = list(closed.values("call_type", "closure_reason__code", "closure_reason__label").annotate(
        calls=Count("id")).order_by("call_type", "-calls", "closure_reason__code"))
    per_type: dict[str, int] = {}
    for row in grouped:
        per_type[row["call_type"]] = per_type.get(row["call_type"], 0) + row["calls"]
    rows = [{"call_type": _type_label(r["call_type"]), "reason_code": r["closure_reason__code"] or "",
             "reason": r["closure_reason__label"] or "(no reason)", "calls": r["calls"],
             "share": ratio(r["calls"], per_type[r["call_type"]])} for r in grouped]
    types = [_type_label(t) for t in sorted(per_type)]
    reasons = sorted({r["reason"] for r in rows})
    counts = {(r["call_type"], r["reason"]): r["calls"] for r in rows}
    series: list[tuple[str, list[float | None]]] = [
        (reason, [float(counts.get((t, reason), 0)) for t in types]) for reason in reasons]
    columns = [Column("call_type", "Call type"), Column("reason_code", "Code"), Column("reason", "Closure reason"),
               Column("calls", "Calls", "count"), Column("share", "Share of type (%)", "percent")]
    return Report("closure-reasons", "Closure reasons", partition.name, period, columns, rows,
                  Chart("stacked_bar", "Closure reasons by call type", types, series, "calls"),
                  closure_reasons.__doc__ or "")




_LOGGED = [Action.LOG.value]
_RESOLVED = [Action.RESOLVE_TO_ANALYST.value, Action.RESOLVE_TO_GROUP.value, Action.RESOLVE_AND_CLOSE.value]
_AUTO_CLOSED = [Action.AUTO_CLOSE.value]
_CLOSED = [Action.CLOSE.value, Action.RESOLVE_AND_CLOSE.value, *_AUTO_CLOSED]
_MEASURES = ("logged", "resolved", "closed", "auto_closed")


def _counts() -> dict[str, Any]:
    return {"logged": Count("id", filter=Q(action__in=_LOGGED)),
            "resolved": Count("id", filter=Q(action__in=_RESOLVED)),
            "closed": Count("id", filter=Q(action__in=_CLOSED)),
            "auto_closed": Count("id", filter=Q(action__in=_AUTO_CLOSED))}


def trends(partition: Partition, period: Period) -> Report:
    """Calls logged, resolved and closed per week: for the whole partition, per call type, and per
    group (the group the call is assigned to now); closed counts the calls Call Auto Close rules closed
    too, shown apart as auto-closed with their share."""
    events = CallEvent.objects.filter(call__partition=partition, action__in=_LOGGED + _RESOLVED + _CLOSED).filter(
        period.within("at")).annotate(week=TruncWeek("at"))
    weeks = period.weeks()
    rows: list[dict[str, Any]] = []
    totals = {week_of(r["week"]): r for r in events.values("week").annotate(**_counts()).order_by("week")}
    for monday in weeks:
        rows.append(_row(monday.isoformat(), "partition", partition.name, totals.get(monday, {})))
    dimensions: list[tuple[str, str, Any]] = [
        ("call type", "call__call_type", lambda k: CallType(k).label),
        ("group", "call__assigned_group__name", lambda k: k or NO_GROUP),
    ]
    for dimension, key, name_of in dimensions:
        for r in events.values("week", key).annotate(**_counts()).order_by("week", key):
            rows.append(_row(week_of(r["week"]).isoformat(), dimension, name_of(r[key]), r))  # type: ignore[union-attr]
    chart = Chart("line", "Calls logged, resolved and closed per week", [week_label(w) for w in weeks],
                  [(m.replace("_", "-"), [float(totals.get(w, {}).get(m, 0)) for w in weeks])
                   for m in _MEASURES], "calls")
    columns = [Column("week", "Week commencing", "date"), Column("dimension", "By"), Column("name", "Name"),
               Column("logged", "Logged", "count"), Column("resolved", "Resolved", "count"),
               Column("closed", "Closed", "count"), Column("auto_closed", "Auto-closed", "count"),
               Column("auto_closed_share", "Auto-closed share of closed (%)", "percent")]
    return Report("trends", "Trends", partition.name, period, columns, rows, chart, trends.__doc__ or "")


def _row(week: str, dimension: str, name: str, counts: dict[str, Any]) -> dict[str, Any]:
    measures = {m: counts.get(m, 0) for m in _MEASURES}
    return {"week": week, "dimension": dimension, "name": name, **measures,
            "auto_closed_share": ratio(measures["auto_closed"], measures["closed"])}


def auto_closed(partition: Partition, period: Period) -> Report:
    """Calls closed by a Call Auto Close rule in the period, never validated by a closer: for the partition,
    per rule, per closure group they waited for, per resolver and per week, with their share of all the calls
    closed (Closed or Closed/Unresolved) and the calls themselves."""
    decisions = list(ClosureDecision.objects.filter(
        partition=partition, outcome=ClosureDecision.Outcome.AUTO_CLOSED).filter(period.within("decided_at")).values(
        "call_id", "call__ref", "call__closure_target_group__name", "resolver__username", "decided_at").order_by(
        "decided_at", "call_id"))
    rule_of = {e["call_id"]: (e["details"] or {}).get("rule", "") for e in CallEvent.objects.filter(
        call_id__in=[d["call_id"] for d in decisions], action=Action.AUTO_CLOSE.value).values("call_id", "details")}
    closed = Call.objects.filter(partition=partition, status__in=[s.value for s in CLOSED_STATUSES]).filter(
        period.within("closed_at"))
    closed_by_group = {r["closure_target_group__name"] or NO_GROUP: r["n"] for r in closed.values(
        "closure_target_group__name").annotate(n=Count("id")).order_by()}
    closed_by_resolver = {r["resolved_by__username"] or NOBODY: r["n"] for r in closed.values(
        "resolved_by__username").annotate(n=Count("id")).order_by()}
    closed_by_week = {week_of(r["week"]): r["n"] for r in closed.annotate(week=TruncWeek("closed_at")).values(
        "week").annotate(n=Count("id")).order_by()}
    dimensions: list[tuple[str, Any, dict[Any, int] | None]] = [
        ("rule", lambda d: rule_of.get(d["call_id"]) or "(unknown rule)", None),
        ("closure group", lambda d: d["call__closure_target_group__name"] or NO_GROUP, closed_by_group),
        ("resolver", lambda d: d["resolver__username"] or NOBODY, closed_by_resolver),
    ]
    rows = [_auto_row("partition", partition.name, decisions, closed.count())]
    for dimension, key_of, closed_counts in dimensions:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for decision in decisions:
            grouped[key_of(decision)].append(decision)
        for name in sorted(grouped):
            rows.append(_auto_row(dimension, name, grouped[name], closed_counts.get(name, 0) if closed_counts else None))
    weeks = period.weeks()
    per_week: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for decision in decisions:
        per_week[_monday(decision["decided_at"])].append(decision)
    week_rows = [_auto_row("week", w.isoformat(), per_week.get(w, []), closed_by_week.get(w, 0)) for w in weeks]
    rows.extend(week_rows)
    chart = Chart("bar", "Calls auto-closed per week", [week_label(w) for w in weeks],
                  [("auto-closed", [float(r["auto_closed"]) for r in week_rows])], "calls")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("auto_closed", "Auto-closed", "count"),
               Column("closed", "All closed", "count"), Column("share", "Auto-closed share (%)", "percent"),
               Column("refs", "Calls (refs)", "refs")]
    return Report("auto-closed", "Calls Auto Closed", partition.name, period, columns, rows, chart,
                  auto_closed.__doc__ or "")


def _monday(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _auto_row(dimension: str, name: str, decisions: list[dict[str, Any]], closed: int | None) -> dict[str, Any]:
    return {"dimension": dimension, "name": name, "auto_closed": len(decisions), "closed": closed,
            "share": ratio(len(decisions), closed) if closed is not None else None,
            "refs": " ".join(d["call__ref"] for d in decisions)}


_SENT_BACK = "(sent back to the resolver)"
_CLOSER_NONE = {ClosureDecision.Outcome.REFUSED_BY_USER.value: "(the contact refused)",
                ClosureDecision.Outcome.AUTO_CLOSED.value: "(Call Auto Close)"}
_CLOSES = {ClosureDecision.Outcome.CLOSED_FIRST_TIME.value, ClosureDecision.Outcome.CLOSED_AFTER_REJECTION.value,
           ClosureDecision.Outcome.AUTO_CLOSED.value}


def closure_sla(partition: Partition, period: Period, policy_of: Callable[[int], ClosureSlaPolicy]) -> Report:
    """Closure-stage verdicts in the period, each judged here from scratch on the closure SLA that was in force
    when it was made (`policy_of(decision id)`, as the history under test set it): met and breached per
    closure group, closer, priority and week, with the calls of each row's first 50 breached verdicts."""
    decisions = list(ClosureDecision.objects.filter(partition=partition).filter(period.within("decided_at")).values(
        "id", "outcome", "decided_at", "resolved_at", "decided_by__username", "call__ref", "call__priority",
        "call__closure_target_group__name").order_by("decided_at", "id"))
    judged = []
    for d in decisions:
        verdict = policy_of(d["id"]).verdict(d["call__priority"], d["resolved_at"], d["decided_at"], d["decided_at"])
        if verdict is not None:
            judged.append({**d, "met": verdict.state is SlaState.MET})
    dimensions: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("closure group", lambda d: (d["call__closure_target_group__name"] or NO_GROUP)
         if d["outcome"] in _CLOSES else _SENT_BACK),
        ("closer", lambda d: d["decided_by__username"] or _CLOSER_NONE.get(d["outcome"], "(system)")),
        ("priority", lambda d: priority_label(d["call__priority"])),
    ]
    rows = [_sla_row("partition", partition.name, judged)]
    for dimension, key_of in dimensions:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in judged:
            grouped[key_of(d)].append(d)
        rows.extend(_sla_row(dimension, name, grouped[name]) for name in sorted(grouped))
    weeks = period.weeks()
    per_week: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for d in judged:
        per_week[_monday(d["decided_at"])].append(d)
    week_rows = [_sla_row("week", w.isoformat(), per_week.get(w, [])) for w in weeks]
    rows.extend(week_rows)
    chart = Chart("stacked_bar", "Closure-stage verdicts per week", [week_label(w) for w in weeks],
                  [("met", [float(r["met"]) for r in week_rows]),
                   ("breached", [float(r["breached"]) for r in week_rows])], "verdicts")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("verdicts", "Verdicts", "count"),
               Column("met", "Met", "count"), Column("breached", "Breached", "count"),
               Column("met_share", "Met (%)", "percent"), Column("breached_refs", "Breached (first 50 refs)", "refs")]
    return Report("closure-sla", "Closure SLA", partition.name, period, columns, rows, chart, "")


def _sla_row(dimension: str, name: str, judged: list[dict[str, Any]]) -> dict[str, Any]:
    met = sum(1 for d in judged if d["met"])
    breached = [d["call__ref"] for d in judged if not d["met"]][:50]  # in decision order, as they were judged
    return {"dimension": dimension, "name": name, "verdicts": len(judged), "met": met,
            "breached": len(judged) - met, "met_share": ratio(met, len(judged)),
            "breached_refs": " ".join(dict.fromkeys(breached))}
