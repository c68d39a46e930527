"""Reports on the closure stage itself: the closure group's backlog, how fast it closes, and what it sends back.

Every figure is an aggregate computed in the database; Python only shapes the handful of rows
that come back (one per group, closer, week...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Value
from django.db.models.functions import TruncWeek
from django.utils import timezone

from closeloop.calls.models import Call, ClosureDecision
from closeloop.calls.queries import AGE_BUCKETS
from closeloop.closure import CLOSURE_STATUSES, CallType, Status
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, hours, percentiles_by, ratio, week_label, week_of

__all__ = ["closure_backlog", "time_to_close", "rejection_rate", "closure_reasons"]

_BUCKET_KEYS = ["age_under_1d", "age_1_3d", "age_3_7d", "age_over_7d"]
NO_GROUP = "(no group)"
NOBODY = "(nobody)"


def _type_label(value: str) -> str:
    return CallType(value).label


def closure_backlog(partition: Partition, period: Period, now: datetime | None = None) -> Report:
    """Calls still waiting in Forward for Closure / Forward to You for Close, by target and age.

    Counts the calls that entered the closure stage during the period and are still waiting now;
    age is the time since they were forwarded.
    """
    now = now or timezone.now()
    waiting = Call.objects.filter(partition=partition, status__in=[s.value for s in CLOSURE_STATUSES]).filter(
        period.within("forwarded_at"))
    buckets: dict[str, Any] = {}
    younger_than: datetime | None = None
    for key, (_label, limit) in zip(_BUCKET_KEYS, AGE_BUCKETS, strict=True):
        older = Q() if younger_than is None else Q(forwarded_at__lte=younger_than)
        newer = Q(forwarded_at__gt=now - limit) if limit is not None else Q()
        buckets[key] = Count("id", filter=older & newer)
        younger_than = now - limit if limit is not None else None
    grouped = waiting.values("status", "closure_target_group__name", "closure_target_analyst__username").annotate(
        total=Count("id"), oldest=Min("forwarded_at"), **buckets).order_by(
        "status", "closure_target_group__name", "closure_target_analyst__username")
    rows = []
    for row in grouped:
        group, analyst = row["closure_target_group__name"], row["closure_target_analyst__username"]
        rows.append({
            "status": Status(row["status"]).label,
            "target": analyst or group or NOBODY,
            "target_group": group or "",
            "target_analyst": analyst or "",
            **{key: row[key] for key in _BUCKET_KEYS},
            "total": row["total"],
            "oldest_hours": hours(now - row["oldest"]) if row["oldest"] else None,
        })
    targets = sorted({f"{r['target']} ({r['status']})" for r in rows})
    series: list[tuple[str, list[float | None]]] = []
    for key, (label, _limit) in zip(_BUCKET_KEYS, AGE_BUCKETS, strict=True):
        per_target = {f"{r['target']} ({r['status']})": r[key] for r in rows}
        series.append((label, [float(per_target.get(t, 0)) for t in targets]))
    columns = [Column("status", "Status"), Column("target", "Waiting for"), Column("target_group", "Group"),
               Column("target_analyst", "Analyst"),
               *[Column(key, label, "count") for key, (label, _l) in zip(_BUCKET_KEYS, AGE_BUCKETS, strict=True)],
               Column("total", "Total", "count"), Column("oldest_hours", "Oldest (hours)", "hours")]
    return Report("backlog", "Closure-stage backlog and ageing", partition.name, period, columns, rows,
                  Chart("stacked_bar", "Calls waiting for closure, by target and age", targets, series, "calls"),
                  closure_backlog.__doc__ or "")


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
    how many rejections fell in each rejection category."""
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
               Column("first_time_validation_rate", "First-time validation rate (%)", "percent")]
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


