"""How the calls area reacts to changes of a partition's people, groups and closure settings.

No call awaiting closure may be left with nobody to close it: a change that would do so is refused
(the handler raises, and the whole change is rolled back); calls whose closure target can no longer
close them move along the fallback chain, with the reason in their history.
"""

from __future__ import annotations

from closeloop.closure.events import (
    ADDITIONS,
    DeskEvent,
    DirectoryChanged,
    SettingsChanged,
    subscribe,
)
from closeloop.closure.guards import check_directory_change, validate_settings
from closeloop.partitions.models import Partition
from closeloop.partitions.services import load_directory, load_settings

from .services import awaiting_closure, reroute_stranded_calls

__all__ = ["guard_directory_change", "guard_settings_change", "subscribe_handlers"]


def guard_directory_change(event: DirectoryChanged) -> int:
    """Refuse a directory change that strands a waiting call; re-route the calls it moved."""
    if event.name in ADDITIONS:
        return 0  # more people or groups never strand a call (even where the settings still need fixing)
    partition = Partition.objects.get(pk=event.partition_id)
    waiting = awaiting_closure(partition)
    check_directory_change(load_settings(partition), load_directory(partition), event.change, waiting)
    return reroute_stranded_calls(partition, event.because, waiting)


def guard_settings_change(event: SettingsChanged) -> int:
    """Refuse closure settings that strand a waiting call; re-route the calls they moved (e.g. requiring an
    independent closer strands calls whose only possible closer resolved them)."""
    if event.name is not DeskEvent.CLOSURE_SETTINGS_CHANGED:
        return 0  # reasons, checklist and categories do not decide who closes
    partition = Partition.objects.get(pk=event.partition_id)
    waiting = awaiting_closure(partition)
    validate_settings(load_settings(partition), load_directory(partition), waiting)
    return reroute_stranded_calls(partition, event.because, waiting)


def subscribe_handlers() -> None:
    subscribe(DirectoryChanged, guard_directory_change)
    subscribe(SettingsChanged, guard_settings_change)
