"""Read each partition's closure settings and directory once, not once per decision or per request.

An action reads them to decide, and its answer reads them again to list what the caller may do next.
Inside `desk_snapshot()` (every web and API request; the demo loader) the first read is kept and reused.

Across requests, an app node keeps what it read (`shared=True`) under the desk version: a number that every
write to what they are built from changes (analysts, memberships, roles, groups and their members, closure
settings, sampling policies, calendars and closure SLA targets, partitions, closure reasons, rejection
categories, the closure checklist), in that write's own transaction. The version comes with the signed-in
analyst (the session's or the API token's query carries it), so a request that finds the version unchanged
reads neither again, and a change made through any node is seen by every node's next request.

Any such write also empties the request's snapshot and stops it from being filled until that write's
transaction commits. A rolled-back change therefore never leaves a stale value behind, and a request that
changes the directory, then checks the orphan guard, always reads the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse

__all__ = ["desk_snapshot", "remembered", "watch_desk_models", "watch_desk_model", "desk_version_column",
           "bump_desk_version", "DeskSnapshotMiddleware"]

T = TypeVar("T")
_UNKNOWN = object()


@dataclass
class _Snapshot:
    values: dict[Hashable, Any] = field(default_factory=dict)
    writes_pending: int = 0
    version_source: Callable[[], int | None] | None = None
    version: Any = _UNKNOWN

    def desk_version(self) -> int | None:
        if self.version is _UNKNOWN:
            self.version = self.version_source() if self.version_source is not None else None
        return self.version  # type: ignore[no-any-return]


_current: ContextVar[_Snapshot | None] = ContextVar("closeloop_desk_snapshot", default=None)
# What this process read, by key: (desk version it was read under, value). One entry per key.
_shared: dict[Hashable, tuple[int, Any]] = {}


@contextmanager
def desk_snapshot(version_source: Callable[[], int | None] | None = None) -> Iterator[None]:
    """Within this block, settings and directories are read from the database once; with `version_source`
    (the desk version read with the signed-in analyst) values still current from earlier requests are reused."""
    token = _current.set(_Snapshot(version_source=version_source))
    try:
        yield
    finally:
        _current.reset(token)


def remembered(key: Hashable, load: Callable[[], T], *, shared: bool = False) -> T:
    """`load()`, or its earlier result in this snapshot; straight from the database outside one.

    `shared`: also keep it for later requests while the desk version stays the same. Only for values built
    from the models `watch_desk_models` watches (a change to anything else would not be noticed)."""
    snapshot = _current.get()
    if snapshot is None or snapshot.writes_pending:
        return load()
    if key not in snapshot.values:
        version = snapshot.desk_version() if shared else None
        kept = _shared.get(key) if version is not None else None
        if kept is not None and kept[0] == version:
            snapshot.values[key] = kept[1]
        else:
            # read after the version: what is kept under a version is never older than it
            snapshot.values[key] = load()
            if version is not None:
                _shared[key] = (version, snapshot.values[key])
    value: T = snapshot.values[key]
    return value


def desk_version_column() -> Subquery:
    """The desk version, to annotate onto the query that loads the signed-in analyst."""
    from .models import DeskVersion

    return Subquery(DeskVersion.objects.order_by("id").values("version")[:1])


def bump_desk_version() -> None:
    """Give the desk a new version, in the current transaction (writes that bypass the models' signals, such
    as bulk loads of analysts or groups, call it themselves)."""
    from .models import DeskVersion

    version = secrets.randbits(62)  # never an earlier number again, even after a restore from a backup
    if not DeskVersion.objects.filter(id=1).update(version=version):
        DeskVersion.objects.bulk_create([DeskVersion(id=1, version=version)], ignore_conflicts=True)


def _desk_changed(**kwargs: Any) -> None:
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # signing in changes nothing that decides who may do what
    if kwargs.get("raw"):
        return  # loading a fixture or a backup: the loader writes the version row too
    if "action" in kwargs and not str(kwargs["action"]).startswith("post_"):
        return  # group members: the change itself comes with post_add/post_remove/post_clear
    bump_desk_version()
    snapshot = _current.get()
    if snapshot is None:
        return
    snapshot.values.clear()
    snapshot.writes_pending += 1
    snapshot.version = None  # the version read with the analyst is older than this change: keep nothing under it

    def committed() -> None:
        snapshot.writes_pending -= 1

    transaction.on_commit(committed)  # dropped on rollback: the snapshot then stays bypassed


def watch_desk_model(model: type[Model]) -> None:
    """Make every write to `model`'s rows change the desk version: for an area above this one whose kept values
    read it (the notification preferences, say)."""
    post_save.connect(_desk_changed, sender=model, dispatch_uid=f"desk-snapshot-save-{model.__name__}")
    post_delete.connect(_desk_changed, sender=model, dispatch_uid=f"desk-snapshot-delete-{model.__name__}")


def watch_desk_models() -> None:
    """Connect the signals that change the desk version and empty the snapshot (once, when the apps are ready)."""
    from closeloop.accounts.models import Analyst, IpkRole, Membership

    from .models import (
        Category,
        ChecklistItem,
        ClosureReason,
        ClosureReasonType,
        ClosureSettings,
        ClosureSlaTargets,
        IpkGroup,
        Partition,
        PartitionCalendar,
        PriorityMatrix,
        RejectionCategory,
        SamplingSettings,
    )

    for model in (Analyst, IpkRole, Membership, IpkGroup, ClosureSettings, Partition, ClosureReason, ClosureReasonType,
                  ChecklistItem, RejectionCategory, SamplingSettings, PartitionCalendar, ClosureSlaTargets,
                  PriorityMatrix, Category):
        watch_desk_model(model)
    m2m_changed.connect(_desk_changed, sender=IpkGroup.members.through, dispatch_uid="desk-snapshot-members")


def _request_desk_version(request: HttpRequest) -> int | None:
    """The desk version read with the request's analyst: the API caller's, else the signed-in session's."""
    who = getattr(request, "auth", None) or getattr(request, "user", None)
    version = getattr(who, "desk_version", None)
    return int(version) if version is not None else None


class DeskSnapshotMiddleware:
    """Each web page and API request works from one snapshot."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with desk_snapshot(lambda: _request_desk_version(request)):
            return self.get_response(request)
