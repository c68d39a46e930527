"""The what-if preview of a sampling policy: the calls it looks at and their resolvers' history, each read
once, decided by the closure core (`closure.sampling_preview`).

`preview_sampling_policy` is what the Sampling policy page shows before it asks for the change reason, what
the API answers to `dry_run=true` and what `closeloop sampling set --dry-run` prints. Its queries do not grow
with the number of calls: the two sets of calls of the window (the same window as the closure settings'
preview), the closure settings and directory (to name each call's closure target), and at most one grouped
query for the history of every resolver in the window.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from closeloop.closure.preview import Routes, target_label
from closeloop.closure.routing import facts_for_routing
from closeloop.closure.sampling import SamplingPolicy
from closeloop.closure.sampling_preview import PreviewCall, SamplingPreview, preview_sampling
from closeloop.partitions.models import Partition
from closeloop.partitions.sampling import load_sampling_policy
from closeloop.partitions.services import load_directory, load_settings

from .models import CALL_TYPE_OF, STATUS_OF, Call
from .preview import PREVIEW_DAYS, closure_stage_window
from .sampling import resolver_histories

__all__ = ["preview_sampling_policy"]


# of each call, what its sampling decision reads, and whom it waits with or where it would be routed again
_COLUMNS = ("id", "ref", "priority", "call_type", "sampling_draw", "times_rejected", "times_refused",
            "resolved_by_id", "status", "closure_target_analyst_id", "closure_target_group_id", "logged_by_id",
            "log_group_id")


def _preview_calls(calls: QuerySet[Call], waiting: bool, routes: Routes) -> list[PreviewCall]:
    # A waiting call is validated by the target it waits with; a call that has left the closure stage is
    # routed again under the closure settings in force (as the closure settings' preview does).
    directory = routes.directory
    return [PreviewCall(
        ref=ref, key=key, waiting=waiting, priority=priority, call_type=CALL_TYPE_OF[call_type], draw=draw,
        times_rejected=rejected, times_refused=refused, resolver_id=resolver,
        closure_target=(target_label(analyst, group, directory) if waiting else routes.resolved_again(
            facts_for_routing(ref, STATUS_OF[status], analyst, group, logged_by, log_group, resolver))))
        for (key, ref, priority, call_type, draw, rejected, refused, resolver, status, analyst, group, logged_by,
             log_group) in calls.values_list(*_COLUMNS)]


def preview_sampling_policy(partition: Partition, after: SamplingPolicy, *, before: SamplingPolicy | None = None,
                            now: datetime | None = None) -> SamplingPreview:
    """Which of the partition's calls of the closure stage would be sampled under `after`, next to `before`
    (the policy in force unless given), each decided as if resolved again now (see closure.sampling_preview).

    The resolvers' rejection rates over 30 days and their closed calls are read as of `now`, not as they were
    when each call was resolved: one grouped query, only when either policy looks at them."""
    now = now or timezone.now()
    before = before if before is not None else load_sampling_policy(partition)
    waiting, recent = closure_stage_window(partition, now)
    routes = Routes(load_settings(partition), load_directory(partition))
    calls = _preview_calls(waiting, True, routes) + _preview_calls(recent, False, routes)
    history: dict[int, tuple[float | None, int]] = {}
    if before.needs_resolver_history or after.needs_resolver_history:
        history = resolver_histories({c.resolver_id for c in calls if c.resolver_id is not None}, now,
                                     closed_up_to=max(before.resolver_first_n, after.resolver_first_n))
    return preview_sampling(calls, before, after, history, days=PREVIEW_DAYS)
