"""One definition of each list of a partition's configuration, shared by the web, the API and the CLI.

Each reads through `visible_to`, the partitions' one visibility rule, so no entry point can show a row of
a partition the viewer does not work in; naming such a partition is refused like one that does not exist.
The analysts of a partition are listed by `services.colleagues`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from closeloop.accounts.models import Analyst
from closeloop.closure import CallType, parse_choice

from .models import ClosureReason, IpkGroup, SettingsChange
from .services import get_partition

__all__ = ["groups", "closure_reasons", "settings_changes"]


def _scoped(qs: QuerySet, viewer: Analyst | None, partition_name: str | None) -> QuerySet:  # type: ignore[type-arg]
    qs = qs.visible_to(viewer)
    return qs.filter(partition=get_partition(partition_name, viewer)) if partition_name else qs


def groups(viewer: Analyst | None, partition_name: str | None = None) -> QuerySet[IpkGroup]:
    """IPK groups with their members, by partition and name."""
    return _scoped(IpkGroup.objects.all(), viewer, partition_name).select_related("partition").prefetch_related(
        "members").order_by("partition__name", "name")


def closure_reasons(viewer: Analyst | None, partition_name: str | None = None, *, call_type: str | None = None,
                    active: bool | None = None, unresolved: bool | None = None) -> QuerySet[ClosureReason]:
    """Closure reasons with the call types they apply to, by partition and code; `unresolved` picks the
    reasons for Closed/Unresolved calls (True) or for resolved calls (False)."""
    qs = _scoped(ClosureReason.objects.all(), viewer, partition_name)
    if call_type:
        qs = qs.filter(type_links__call_type=parse_choice(CallType, call_type, "call_type").value)
    if active is not None:
        qs = qs.filter(active=active)
    if unresolved is not None:
        qs = qs.filter(unresolved=unresolved)
    return qs.select_related("partition").prefetch_related("type_links").distinct().order_by("partition__name",
                                                                                             "code")


def settings_changes(viewer: Analyst | None, partition_name: str | None = None,
                     subjects: Iterable[str] = ()) -> QuerySet[SettingsChange]:
    """The audit trail of partitions' configuration, newest first; optionally of some subjects only."""
    qs = _scoped(SettingsChange.objects.all(), viewer, partition_name)
    if wanted := list(subjects):
        qs = qs.filter(subject__in=wanted)
    return qs.select_related("partition", "changed_by").order_by("-changed_at", "-id")
