"""Read-side questions about calls: Calls Outstanding and its counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db import router
from django.db.models import Case, Count, F, Func, IntegerField, Q, QuerySet, Subquery, When
from django.utils import timezone

from closeloop.accounts.models import Analyst, Membership
from closeloop.closure import OPEN_STATUSES, InvalidInput, Status
from closeloop.partitions.models import Partition
from closeloop.partitions.snapshot import remembered
from closeloop.prepared import prepared

from .models import Call

__all__ = [
    "QUEUES",
    "AGE_BUCKETS",
    "OutstandingSummary",
    "outstanding_calls",
    "outstanding_summary",
    "count_queues",
    "queue_groups",
    "age_of",
    "OutstandingRow",
    "outstanding_rows",
    "age_bucket",
]

_WORK = [Status.LOGGED.value, Status.ASSIGNED.value, Status.ON_HOLD.value]

# The four queues of Calls Outstanding, in the order analysts see them.
QUEUES: dict[str, str] = {
    "mine": "Assigned to me",
    "groups": "My groups",
    "to_me": "Forward to You for Close",
    "for_closure": "Forward for Closure",
}

AGE_BUCKETS: list[tuple[str, timedelta | None]] = [
    ("under 1 day", timedelta(days=1)),
    ("1-3 days", timedelta(days=3)),
    ("3-7 days", timedelta(days=7)),
    ("over 7 days", None),
]


def queue_groups(analyst: Analyst, partition_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The analyst's groups in the partition, and those whose calls waiting for closure they may validate (their
    role there has the Closure Comments right); none outside their partitions. Kept while the desk stays the same
    (group members, memberships and roles change its version)."""
    def load() -> tuple[tuple[int, ...], tuple[int, ...]]:
        role = Membership.objects.filter(analyst=analyst, partition_id=partition_id).values("ipk_role__close")
        rows = analyst.ipk_groups.filter(partition_id=partition_id, partition__memberships__analyst=analyst).annotate(
            may_close=Subquery(role[:1])).order_by("id").values_list("id", "may_close")
        return tuple(g for g, _ in rows), tuple(g for g, may_close in rows if may_close)

    return remembered(("queue-groups", partition_id, analyst.id), load, shared=True)


def _partitions_of(analyst: Analyst) -> tuple[int, ...]:
    """The partitions the analyst works in (kept while the desk stays the same)."""
    return remembered(("partitions-of", analyst.id), lambda: tuple(
        analyst.memberships.order_by("partition_id").values_list("partition_id", flat=True)), shared=True)


def _queue_parts(analyst: Analyst, partition_id: int | None = None) -> dict[str, tuple[Q, ...]]:
    """Each queue's condition, in parts that each have an index of their own: counted one by one, OR-ed for the
    rows. Each part names its partition, or the analyst's groups there by id (without a partition: the parts of
    each of the analyst's partitions), so the database reads each queue's own index entries and never walks a
    whole partition by its index."""
    if partition_id is None:
        each = [_queue_parts(analyst, partition) for partition in _partitions_of(analyst)]
        return {name: tuple(part for parts in each for part in parts[name]) for name in QUEUES}
    # validation work is only shown to members who may validate it (the Closure Comments right)
    groups, closing_groups = queue_groups(analyst, partition_id)
    return _parts(analyst.id, partition_id, groups, closing_groups)


def _parts(analyst_id: int, partition_id: int, groups: tuple[int, ...],
           closing_groups: tuple[int, ...]) -> dict[str, tuple[Q, ...]]:
    in_partition = Q(partition_id=partition_id)
    unassigned = Q(status__in=_WORK, assigned_analyst__isnull=True)
    return {
        "mine": (Q(status__in=_WORK, assigned_analyst_id=analyst_id) & in_partition,),
        # a call nobody has assigned yet waits in the queue of the group that logged it
        "groups": (unassigned & Q(assigned_group__in=groups),
                   unassigned & Q(assigned_group__isnull=True, log_group__in=groups)),
        "to_me": (Q(status=Status.FORWARD_TO_YOU_FOR_CLOSE.value, closure_target_analyst_id=analyst_id)
                  & in_partition,),
        "for_closure": (Q(status=Status.FORWARD_FOR_CLOSURE.value, closure_target_group__in=closing_groups),),
    }


def _queue_filters(analyst: Analyst, partition_id: int | None = None) -> dict[str, Q]:
    """Each queue's condition."""
    # no part (an analyst in no partition): a condition no call meets
    return {name: reduce(or_, parts) if parts else Q(pk__in=[])
            for name, parts in _queue_parts(analyst, partition_id).items()}


def _queues_rows(analyst: Analyst, filters: dict[str, Q], partition_id: int | None,
                 queue: str | None = None) -> QuerySet[Call]:
    """The calls of one queue, or of all four, in the analyst's partitions (or in one of them)."""
    condition = filters[queue] if queue else filters["mine"] | filters["groups"] | filters["to_me"] | \
        filters["for_closure"]
    return Call.objects.visible_to(analyst).filter(condition)


def outstanding_calls(analyst: Analyst, queue: str | None = None, partition_id: int | None = None) -> QuerySet[Call]:
    """An analyst's Calls Outstanding (all four queues, or one), only in partitions they belong to: the web page
    and the API list the same rows."""
    filters = _queue_filters(analyst, partition_id)
    if queue is not None and queue not in filters:
        raise InvalidInput(f"queue must be one of: {', '.join(filters)} (got {queue!r})", field="queue")
    return _queues_rows(analyst, filters, partition_id, queue).with_relations()


@dataclass
class OutstandingSummary:
    """Counts for one analyst's Calls Outstanding: per queue, per status and per age bucket."""

    queues: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    ages: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "queues": self.queues, "statuses": self.statuses, "ages": self.ages}


def _age_anchor(call_status: str, logged_at: datetime, forwarded_at: datetime | None) -> datetime:
    if call_status in (Status.FORWARD_FOR_CLOSURE.value, Status.FORWARD_TO_YOU_FOR_CLOSE.value) and forwarded_at:
        return forwarded_at
    return logged_at


def age_of(call: Call, now: datetime | None = None) -> timedelta:
    """How long the call has waited in its current stage (closure stage: since forwarded)."""
    return (now or timezone.now()) - _age_anchor(call.status, call.logged_at, call.forwarded_at)


@dataclass(frozen=True)
class OutstandingRow:
    """One line of Calls Outstanding: the call, how long since it was logged, and, in the closure stage, how
    long it has waited for its closer (since it was forwarded)."""

    call: Call
    age: timedelta
    closure_wait: timedelta | None

    @property
    def came_back(self) -> bool:
        """Its resolution was sent back before, by a closer (rejected) or by the contact (refused)."""
        return bool(self.call.times_rejected or self.call.times_refused)


def outstanding_rows(calls: Iterable[Call], now: datetime | None = None) -> list[OutstandingRow]:
    """Calls of an Outstanding page with their ages, all measured at the same moment."""
    now = now or timezone.now()
    return [OutstandingRow(call, now - call.logged_at,
                           now - call.forwarded_at if call.in_closure_stage and call.forwarded_at else None)
            for call in calls]


def age_bucket(age: timedelta) -> str:
    for label, limit in AGE_BUCKETS:
        if limit is None or age < limit:
            return label
    raise AssertionError("the last bucket has no limit")


def _counted(calls: QuerySet[Call]) -> Subquery:
    """How many calls `calls` holds, as a value of another query."""
    return Subquery(calls.order_by().values(n=Func(F("id"), function="COUNT", output_field=IntegerField())))


_ANALYST, _PARTITION = -7_202_601, -7_202_602  # never an id: they stand for the analyst's and partition's
_GROUP, _CLOSING = -7_210_000, -7_220_000  # and for the ids of their groups, while the counts' SQL is built


def count_queues(analyst: Analyst, partition_id: int) -> dict[str, int]:
    """How many calls each of the analyst's queues holds in one partition (none outside their partitions), in
    one query: each part of a queue is counted through its own index, a few thousand index entries at most
    however large the desk, never the rows of the partition. Its SQL is built once per process for each number
    of groups (`closeloop.prepared`): building it cost 60 times what running it does."""
    groups, closing_groups = queue_groups(analyst, partition_id)
    group_probes = {f"g{n}": _GROUP - n for n in range(len(groups))}
    closing_probes = {f"c{n}": _CLOSING - n for n in range(len(closing_groups))}

    def build() -> QuerySet[Partition]:
        parts = _parts(_ANALYST, _PARTITION, tuple(group_probes.values()), tuple(closing_probes.values()))
        columns = {f"{name}_{n}": _counted(Call.objects.filter(part)) for name, queue in parts.items()
                   for n, part in enumerate(queue)}
        return Partition.objects.filter(pk=_PARTITION, memberships__analyst_id=_ANALYST).values(
            **columns).order_by()[:1]

    query = prepared(f"calls.queue_counts:{len(groups)}:{len(closing_groups)}", router.db_for_read(Call), build,
                     analyst=_ANALYST, partition=_PARTITION, **group_probes, **closing_probes)
    row = query.first(analyst=analyst.id, partition=partition_id,
                      **dict(zip(group_probes, groups, strict=True)),
                      **dict(zip(closing_probes, closing_groups, strict=True)))
    # a part naming no group (an empty list of ids) counts as none
    return {name: sum(count or 0 for part, count in (row or {}).items() if part.rsplit("_", 1)[0] == name)
            for name in QUEUES}


def outstanding_summary(analyst: Analyst, partition_id: int | None = None) -> OutstandingSummary:
    """Counts per queue, status and age, computed in the database in one query over the queues' rows."""
    filters = _queue_filters(analyst, partition_id)
    rows = _queues_rows(analyst, filters, partition_id)  # only the queues' rows: never a count over every call
    open_statuses = [s for s in Status if s in OPEN_STATUSES]
    now = timezone.now()
    anchor = Case(When(status__in=[Status.FORWARD_FOR_CLOSURE.value, Status.FORWARD_TO_YOU_FOR_CLOSE.value],
                       forwarded_at__isnull=False, then=F("forwarded_at")), default=F("logged_at"))
    buckets: dict[str, Q] = {}
    newer_than: datetime | None = None
    for label, limit in AGE_BUCKETS:
        older = Q() if newer_than is None else Q(anchor__lte=newer_than)
        buckets[label] = older & (Q(anchor__gt=now - limit) if limit is not None else Q())
        newer_than = now - limit if limit is not None else None
    counts = rows.annotate(anchor=anchor).aggregate(
        **{f"q_{name}": Count("id", filter=cond) for name, cond in filters.items()},
        **{f"s{i}": Count("id", filter=Q(status=s.value)) for i, s in enumerate(open_statuses)},
        **{f"b{i}": Count("id", filter=q) for i, q in enumerate(buckets.values())})
    return OutstandingSummary(queues={name: counts[f"q_{name}"] or 0 for name in filters},
                              statuses={s.label: counts[f"s{i}"] or 0 for i, s in enumerate(open_statuses)},
                              ages={label: counts[f"b{i}"] or 0 for i, label in enumerate(buckets)})
