"""The what-if preview of closure settings: the calls it looks at, read once, routed by the closure core.

`preview_closure_settings` is what the settings page shows before it asks for the change reason, what the
API answers to `dry_run=true` and what `closeloop settings set --dry-run` prints.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from closeloop.closure import CLOSURE_STATUSES, PartitionSettings
from closeloop.closure.preview import SettingsPreview, preview_settings
from closeloop.partitions.models import Partition
from closeloop.partitions.services import load_directory, load_settings

from .models import Call, ClosureDecision

__all__ = ["PREVIEW_DAYS", "closure_stage_window", "preview_closure_settings"]

PREVIEW_DAYS = 30


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
    return preview_settings(waiting.routing_facts(), recent.routing_facts(), load_settings(partition), after,
                            load_directory(partition), days=PREVIEW_DAYS)
