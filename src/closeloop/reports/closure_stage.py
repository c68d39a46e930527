"""Reports on the closure stage itself: the closure group's backlog, how fast it closes, and what it sends back.

The backlog reads the calls waiting now (bounded by the closure stage's work, not by the desk's history);
the other three read the daily roll-ups (`reports.models`) of the period, one query per grouping; Python
only shapes the rows that come back (one per group, closer, week, wait bucket...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from closeloop.calls.models import Call, ClosureDecision
from closeloop.calls.queries import AGE_BUCKETS
from closeloop.closure import CLOSURE_STATUSES, CallType, Status
from closeloop.partitions.models import Partition

from .base import Chart, Column, Period, Report, hours, ratio, week_label, week_of
from .daily import MondayOf, days_of, named
from .models import ClosedCallDay, DecisionDay
from .waits import NOT_TIMED, percentile_waits

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


def _histograms(rows: Any, *keys: str) -> dict[Any, dict[str, Any]]:
    """Per value of `keys`: the wait histogram of the calls closed after a resolve, how many of them were
    auto-closed, and how many calls were closed as Closed/Unresolved."""
    result: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        figures = result.setdefault(key, {"waits": [], "auto": 0, "unresolved": 0})
        if row["status"] == Status.CLOSED_UNRESOLVED.value:
            figures["unresolved"] += row["calls"]
        elif row["wait_bucket"] != NOT_TIMED:
            figures["waits"].append((row["wait_bucket"], row["calls"]))
            figures["auto"] += row["calls"] if row["auto_closed"] else 0
    return result


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"waits": [w for p in parts for w in p["waits"]], "auto": sum(p["auto"] for p in parts),
            "unresolved": sum(p["unresolved"] for p in parts)}


def _fig(figures: dict[str, Any]) -> dict[Any, Any]:
    """n and the nearest-rank median and 90th percentile, read off the wait histogram."""
    return {"n": sum(calls for _bucket, calls in figures["waits"]), **percentile_waits(figures["waits"], (0.5, 0.9))}


def time_to_close(partition: Partition, period: Period) -> Report:
    """How long resolved calls waited to be closed (median and 90th percentile, nearest rank), for calls
    closed in the period: for the partition, per closure group, per closer, and per week; with how many of
    them a Call Auto Close rule closed (never validated by a closer) and their share. Calls closed as
    Closed/Unresolved (cancelled, duplicates, no response) validated no resolution: they are counted apart
    and never in the times. The counts are exact; the times are read off a histogram of waits (buckets
    2.2% wide), within 1.1% of the exact figure."""
    days = days_of(ClosedCallDay, partition, period)
    shape = ("status", "auto_closed", "wait_bucket")
    by_target = _histograms(named(days.values("closure_group_key", "closer_key", *shape).annotate(
        calls=Sum("calls")).order_by(), group=("closure_group_key", "group"), closer=("closer_key", "analyst")),
        "group", "closer")
    dimensions: list[tuple[str, Any, Any]] = [
        ("partition", lambda k: partition.name, lambda k: k),
        ("closure group", lambda k: k[0], lambda k: k or NO_GROUP),
        ("closer", lambda k: k[1], lambda k: k or "system"),
    ]
    rows: list[dict[str, Any]] = []
    for dimension, key_of, name_of in dimensions:
        grouped: dict[Any, list[dict[str, Any]]] = {}
        for key, figures in by_target.items():
            grouped.setdefault(key_of(key), []).append(figures)
        if dimension == "partition" and not grouped:
            grouped = {partition.name: []}  # the partition's own line is shown even with nothing closed
        for key_value, parts in sorted(grouped.items(), key=lambda item: str(item[0] or "")):
            merged = _merged(parts)
            rows.append(_close_row(dimension, name_of(key_value), _fig(merged), merged["auto"], merged["unresolved"]))
    per_week = days.annotate(week=MondayOf("day")).values("week", *shape).annotate(calls=Sum("calls")).order_by()
    weekly = {week_of(k): f for k, f in _histograms(per_week, "week").items()}
    weeks = period.weeks()
    empty = {"waits": [], "auto": 0, "unresolved": 0}
    figs = [_fig(weekly.get(monday, empty)) for monday in weeks]
    for monday, fig in zip(weeks, figs, strict=True):
        figures = weekly.get(monday, empty)
        rows.append(_close_row("week", monday.isoformat(), fig, figures["auto"], figures["unresolved"]))
    chart = Chart("line", "Time to close after resolve, per week (hours)", [week_label(w) for w in weeks],
                  [("median", [hours(fig.get(0.5)) for fig in figs]),
                   ("90th percentile", [hours(fig.get(0.9)) for fig in figs])], "hours")
    columns = [Column("dimension", "By"), Column("name", "Name"), Column("closed", "Calls closed", "count"),
               Column("median_hours", "Median (hours)", "hours"), Column("p90_hours", "90th percentile (hours)",
                                                                          "hours"),
               Column("auto_closed", "Auto-closed", "count"), Column("auto_closed_share", "Auto-closed (%)", "percent"),
               Column("closed_unresolved", "Closed/Unresolved (not counted)", "count")]
    return Report("time-to-close", "Time to close after resolve", partition.name, period, columns, rows, chart,
                  time_to_close.__doc__ or "")


def _close_row(dimension: str, name: str, fig: dict[Any, Any], auto: int = 0, unresolved: int = 0) -> dict[str, Any]:
    return {"dimension": dimension, "name": name, "closed": fig.get("n", 0),
            "median_hours": hours(fig.get(0.5)), "p90_hours": hours(fig.get(0.9)),
            "auto_closed": auto, "auto_closed_share": ratio(auto, fig.get("n", 0)), "closed_unresolved": unresolved}


_OUTCOME_KEYS = {ClosureDecision.Outcome.REJECTED.value: "rejected",
                 ClosureDecision.Outcome.CLOSED_FIRST_TIME.value: "closed_first_time",
                 ClosureDecision.Outcome.CLOSED_AFTER_REJECTION.value: "closed_after_rejection",
                 ClosureDecision.Outcome.REFUSED_BY_USER.value: "refused_by_user"}


def _add_decisions(counts: dict[str, int], row: dict[str, Any]) -> None:
    """Add one roll-up row (decisions of one outcome, first-time or not) to a line's counts."""
    counts["decisions"] = counts.get("decisions", 0) + row["decisions"]
    if row["first_decision"]:
        counts["first_decisions"] = counts.get("first_decisions", 0) + row["decisions"]
    if key := _OUTCOME_KEYS.get(row["outcome"]):
        counts[key] = counts.get(key, 0) + row["decisions"]


def _by_name(groups: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """Lines in name order, the line with no name (no group, the system...) first."""
    return sorted(groups.items(), key=lambda item: (item[0] is not None, item[0] or ""))


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
    days = days_of(DecisionDay, partition, period)
    dimensions: list[tuple[str, str, Any]] = [
        ("resolver", "resolver", lambda k: k or "system"),
        ("resolver group", "resolver_group", lambda k: k or NO_GROUP),
        ("call type", "call_type", _type_label),
        ("sampling", "sampling", lambda k: DecisionDay.Sampling(k).label),
    ]
    total: dict[str, int] = {}
    lines: dict[str, dict[Any, dict[str, int]]] = {dimension: {} for dimension, _k, _n in dimensions}
    categories: dict[str | None, int] = {}
    for row in named(days.values("resolver_key", "resolver_group_key", "call_type", "outcome", "first_decision",
                                 "category_key", "sampling").annotate(decisions=Sum("decisions")).order_by(),
                     resolver=("resolver_key", "analyst"), resolver_group=("resolver_group_key", "group"),
                     category=("category_key", "category")):
        _add_decisions(total, row)
        for dimension, key, _name in dimensions:
            _add_decisions(lines[dimension].setdefault(row[key], {}), row)
        if row["outcome"] == ClosureDecision.Outcome.REJECTED.value:
            categories[row["category"]] = categories.get(row["category"], 0) + row["decisions"]
    rows: list[dict[str, Any]] = [_decision_row("partition", partition.name, total)]
    sampling = lines["sampling"]
    if set(sampling) == {DecisionDay.Sampling.NO_POLICY}:
        del lines["sampling"]  # no policy was in force: the split would say nothing
    under_policy = sum(c.get("decisions", 0) for k, c in sampling.items() if k != DecisionDay.Sampling.NO_POLICY)
    for dimension, _key, name_of in dimensions:
        for key_value, counts in _by_name(lines.get(dimension, {})):
            rows.append(_decision_row(dimension, name_of(key_value), counts))
            if dimension == "sampling" and key_value != DecisionDay.Sampling.NO_POLICY:
                rows[-1]["share_under_policy"] = ratio(counts.get("decisions", 0), under_policy)
    for label, n in _by_name(categories):
        # why resolutions were sent back: only the count of rejections means something here
        rows.append({**{k: None for k in _DECISION_KEYS}, "dimension": "rejection category",
                     "name": label or "(no category)", "rejected": n})
    weekly: dict[Any, dict[str, int]] = {}
    for row in days.annotate(week=MondayOf("day")).values("week", "outcome", "first_decision").annotate(
            decisions=Sum("decisions")).order_by():
        _add_decisions(weekly.setdefault(week_of(row["week"]), {}), row)
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
    closed = days_of(ClosedCallDay, partition, period).filter(status=Status.CLOSED.value)
    grouped = sorted(named(closed.values("call_type", "reason_key").annotate(calls=Sum("calls")).order_by(),
                           closure_reason__code=("reason_key", "reason code"),
                           closure_reason__label=("reason_key", "reason label")),
        key=lambda r: (r["call_type"], -r["calls"], r["closure_reason__code"] is not None,
                       r["closure_reason__code"] or ""))
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


