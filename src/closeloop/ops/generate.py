"""`closeloop generate`: a realistic synthetic desk of N calls, bulk-loaded in one transaction.

Directory and settings go through the services; calls, history and closure decisions are played
forward by the closure core and written in bulk (COPY on PostgreSQL) with the tables' secondary indexes
built once at the end, references reserved from RefCounter first so they stay unique and in logging order.
The calls tables are locked while they load.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from closeloop.accounts.services import check_password
from closeloop.calls.models import Call, CallEvent, ClosureDecision, RefCounter
from closeloop.calls.search import rebuild_search_index, search_triggers_paused
from closeloop.closure import InvalidInput
from closeloop.closure.unresolved import Original
from closeloop.reports.rollups import rebuild_rollups

from .bulkload import TableWriter, indexes_built_after, next_ids, reset_sequences
from .synthetic_calls import (
    CALL_COLUMNS,
    DECISION_COLUMNS,
    EVENT_COLUMNS,
    CallLife,
    live_call,
    pick_status,
    pick_type,
)
from .synthetic_desk import PartitionPlan, build_synthetic_desk

__all__ = ["GenerateResult", "generate_desk", "BATCH"]

BATCH = 2000


@dataclass(frozen=True)
class GenerateResult:
    """What was loaded."""

    calls: int
    events: int
    decisions: int
    partitions: int
    analysts: int


def _reserve_refs(kinds: list[str]) -> dict[str, int]:
    """Take the next numbers for every prefix at once; returns the first number per prefix."""
    first: dict[str, int] = {}
    with transaction.atomic():
        for prefix, count in sorted(Counter(kinds).items()):
            counter, _ = RefCounter.objects.select_for_update().get_or_create(prefix=prefix)
            first[prefix] = counter.last + 1
            counter.last += count
            counter.save(update_fields=["last"])
    return first


def _link_original(original: tuple[Original, list[object]], events: list[list[object]], into: list[list[object]],
                   next_id: int) -> None:
    """The original's history hears of its duplicate: after its own last event, so its history stays in order,
    and its row's version and times follow."""
    call, row = original
    version, updated = CALL_COLUMNS.index("version"), CALL_COLUMNS.index("updated_at")
    for offset, event in enumerate(events):
        at = max(event[0], row[updated])  # type: ignore[type-var]
        into.append([next_id + offset, call.call_id, at, *event[1:]])
        row[version] = int(row[version]) + 1  # type: ignore[call-overload]
        row[updated] = row[CALL_COLUMNS.index("last_action_at")] = at


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _write_calls(plans: list[PartitionPlan], calls: int, seed: int, days: int,
                 progress: Callable[[int], None] | None) -> Counter[str]:
    """Live and write the calls a batch at a time: how many of each reference prefix, events, decisions."""
    rng = random.Random(seed)
    now = timezone.now()
    span = timedelta(days=days).total_seconds()
    ages = sorted((rng.random() ** 0.8 * span for _ in range(calls)), reverse=True)  # busier lately
    kinds = [pick_type(rng) for _ in range(calls)]
    first = _reserve_refs([k.prefix for k in kinds])
    weights = [2.0] + [1.0] * (len(plans) - 1)
    ids = {model: next_ids(model) for model in (Call, CallEvent, ClosureDecision)}
    writers = {Call: TableWriter(Call, CALL_COLUMNS), CallEvent: TableWriter(CallEvent, EVENT_COLUMNS),
               ClosureDecision: TableWriter(ClosureDecision, DECISION_COLUMNS)}
    counts = Counter[str]()
    for start in range(0, calls, BATCH):
        rows: dict[type, list[list[object]]] = {Call: [], CallEvent: [], ClosureDecision: []}
        # each partition's last call of this batch (its row not written yet): what a duplicate is closed against
        latest: dict[int, tuple[Original, list[object]]] = {}
        for index in range(start, min(start + BATCH, calls)):
            kind, age = kinds[index], timedelta(seconds=ages[index])
            number = first[kind.prefix] + counts[kind.prefix]
            counts[kind.prefix] += 1
            plan = rng.choices(plans, weights=weights)[0]
            step = min(timedelta(hours=rng.uniform(0.5, 30)), age / 24)
            earlier = latest.get(plan.partition.id)
            life = CallLife(plan, rng, f"{kind.prefix}-{number:06d}", kind, now - age, step,
                            original=earlier[0] if earlier else None)
            live_call(life, pick_status(rng, age))
            call_id = ids[Call] + index
            if earlier is not None and life.original_events:
                _link_original(earlier, life.original_events, rows[CallEvent], ids[CallEvent] + counts["events"])
                counts["events"] += len(life.original_events)
            life.fields.update(id=call_id, partition_id=plan.partition.id, ref=life.ref, call_type=kind.value,
                               version=len(life.events), updated_at=life.at, last_action_at=life.at, contact_id=None)
            columns = life.columns()
            rows[Call].append([columns[c] for c in CALL_COLUMNS])
            latest[plan.partition.id] = (Original(call_id, life.call), rows[Call][-1])
            for event in life.events:
                rows[CallEvent].append([ids[CallEvent] + counts["events"], call_id, *event])
                counts["events"] += 1
            for decision in life.decisions:
                rows[ClosureDecision].append([ids[ClosureDecision] + counts["decisions"], call_id,
                                              plan.partition.id, *decision])
                counts["decisions"] += 1
        for model, writer in writers.items():
            writer.write(rows[model])
        if progress:
            progress(min(start + BATCH, calls))
    return counts


def generate_desk(calls: int, partitions: int, analysts: int, *, seed: int = 1, days: int = 3 * 365,
                  password: str | None = None, progress: Callable[[int], None] | None = None) -> GenerateResult:
    """Load `calls` synthetic calls spread over `days` of history into P partitions with A analysts."""
    for name, value, low in (("calls", calls, 1), ("partitions", partitions, 1), ("analysts", analysts, 1),
                             ("days", days, 56)):
        if value < low:
            raise InvalidInput(f"--{name} must be at least {low} (got {value})", field=name)
    if password:
        check_password(password)
    # The desk's people get their own random stream, so topping up a desk replays the same calls.
    plans = build_synthetic_desk(partitions, analysts, random.Random(f"desk-{seed}"), password)
    # One transaction: a load that fails leaves no calls of it behind (the synthetic directory made above stays,
    # and a re-run reuses it). The rows written in bulk skip the search
    # triggers and the tables' secondary indexes, each built once at the end; the roll-ups are counted afresh.
    tables = [Call, CallEvent, ClosureDecision]
    with transaction.atomic(), search_triggers_paused():
        with indexes_built_after(tables):
            counts = _write_calls(plans, calls, seed, days, progress)
        reset_sequences(tables)
        rebuild_search_index()
        rebuild_rollups()
    _analyze()
    return GenerateResult(calls, counts["events"], counts["decisions"], len(plans),
                          sum(len(p.directory.analysts) for p in plans))
