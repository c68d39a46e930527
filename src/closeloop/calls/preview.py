"""The what-if preview of closure settings: the calls it looks at, read once, routed by the closure core.

`preview_closure_settings` is what the settings page shows before it asks for the change reason, what the
API answers to `dry_run=true` and what `closeloop settings set --dry-run` prints.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from closeloop.closure import CLOSURE_STATUSES, CallFacts, PartitionSettings
from closeloop.closure.preview import SettingsPreview, preview_settings
from closeloop.closure.routing import facts_for_routing
from closeloop.partitions.models import Partition
from closeloop.partitions.services import load_directory, load_settings

from .models import STATUS_OF, Call, ClosureDecision

__all__ = ["PREVIEW_DAYS", "closure_stage_window", "preview_closure_settings"]

PREVIEW_DAYS = 30


# of each call, only what routing reads (its reference and ROUTING_INPUT), in `facts_for_routing`'s order
_ROUTING_COLUMNS = ("ref", "status", "closure_target_analyst_id", "closure_target_group_id", "logged_by_id",
                    "log_group_id", "resolved_by_id")


def _facts(calls: QuerySet[Call]) -> list[CallFacts]:
    return [facts_for_routing(ref, STATUS_OF[status], *ids) for ref, status, *ids in
            calls.values_list(*_ROUTING_COLUMNS)]


def closure_stage_window(partition: Partition, now: datetime | None = None) -> tuple[QuerySet[Call], QuerySet[Call]]:
    """The calls a what-if preview looks at: those waiting for closure now, and those resolved in the last
    PREVIEW_DAYS days that have left the closure stage since (closed, rejected or refused; found through their
    closure decisions, which are indexed by partition and time). Not read yet."""
    since = (now or timezone.now()) - timedelta(days=PREVIEW_DAYS)
    closure = [s.value for s in CLOSURE_STATUSES]
    waiting = Call.objects.filter(partition=partition, status__in=closure)
    decided = ClosureDecision.objects.filter(partition=partition, decided_at__gte=since).values("call_id")
    recent = (Call.objects.filter(id__in=decided, resolved_at__gte=since, resolved_by__isnull=False)
              .exclude(status__in=closure))
    return waiting, recent


def preview_closure_settings(partition: Partition, after: PartitionSettings,
                             now: datetime | None = None) -> SettingsPreview:
    """Where the partition's calls of the closure stage would go under `after` (see closure.preview), for the
    calls of `closure_stage_window`."""
    waiting, recent = closure_stage_window(partition, now)
    return preview_settings(_facts(waiting), _facts(recent), load_settings(partition), after,
                            load_directory(partition), days=PREVIEW_DAYS)
