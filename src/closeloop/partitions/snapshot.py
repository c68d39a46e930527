"""Read each partition's closure settings and directory once per request instead of once per decision.

An action reads them to decide, and its answer reads them again to list what the caller may do next.
Inside `desk_snapshot()` (every web and API request; the demo loader) the first read is kept and reused.

Any write to what they are built from (analysts, memberships, roles, groups and their members, closure
settings, sampling policies, partitions) empties the snapshot and stops it from being filled until that
write's transaction commits. A rolled-back change therefore never leaves a stale value behind, and a request
that changes the directory, then checks the orphan guard, always reads the database.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse

__all__ = ["desk_snapshot", "remembered", "watch_desk_models", "DeskSnapshotMiddleware"]

T = TypeVar("T")


@dataclass
class _Snapshot:
    values: dict[Hashable, Any] = field(default_factory=dict)
    writes_pending: int = 0


_current: ContextVar[_Snapshot | None] = ContextVar("closeloop_desk_snapshot", default=None)


@contextmanager
def desk_snapshot() -> Iterator[None]:
    """Within this block, settings and directories are read from the database once."""
    token = _current.set(_Snapshot())
    try:
        yield
    finally:
        _current.reset(token)


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, or its earlier result in this snapshot; straight from the database outside one."""
    snapshot = _current.get()
    if snapshot is None or snapshot.writes_pending:
        return load()
    if key not in snapshot.values:
        snapshot.values[key] = load()
    value: T = snapshot.values[key]
    return value


def _desk_changed(**_: Any) -> None:
    snapshot = _current.get()
    if snapshot is None:
        return
    snapshot.values.clear()
    snapshot.writes_pending += 1

    def committed() -> None:
        snapshot.writes_pending -= 1

    transaction.on_commit(committed)  # dropped on rollback: the snapshot then stays bypassed


def watch_desk_models() -> None:
    """Connect the signals that empty the snapshot (called once, when the apps are ready)."""
    from closeloop.accounts.models import Analyst, IpkRole, Membership

    from .models import ClosureSettings, IpkGroup, Partition, SamplingSettings

    for model in (Analyst, IpkRole, Membership, IpkGroup, ClosureSettings, Partition, SamplingSettings):
        post_save.connect(_desk_changed, sender=model, dispatch_uid=f"desk-snapshot-save-{model.__name__}")
        post_delete.connect(_desk_changed, sender=model, dispatch_uid=f"desk-snapshot-delete-{model.__name__}")
    m2m_changed.connect(_desk_changed, sender=IpkGroup.members.through, dispatch_uid="desk-snapshot-members")


class DeskSnapshotMiddleware:
    """Each web page and API request works from one snapshot."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with desk_snapshot():
            return self.get_response(request)
