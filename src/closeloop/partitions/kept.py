"""What an action reads of its partition besides the directory and settings, kept by each app node while the
desk version stays the same (`partitions.snapshot`): closure reasons, the closure checklist, group mailboxes.

Every model these are built from is watched by `snapshot.watch_desk_models`, so a change through any node is
seen by every node's next request.
"""

from __future__ import annotations

from .models import ChecklistItem, ClosureReason, IpkGroup
from .snapshot import remembered

__all__ = ["closure_reasons", "active_checklist", "group_mailboxes"]


def closure_reasons(partition_id: int) -> dict[str, ClosureReason]:
    """Every closure reason of the partition by code (active or not), with the call types it is for."""
    return remembered(("closure reasons", partition_id), lambda: {
        r.code: r for r in ClosureReason.objects.filter(partition=partition_id).prefetch_related("type_links")},
        shared=True)


def active_checklist(partition_id: int) -> list[ChecklistItem]:
    """The partition's active closure checklist items, in their order."""
    return remembered(("checklist", partition_id),
                      lambda: list(ChecklistItem.objects.filter(partition=partition_id, active=True)), shared=True)


def group_mailboxes(partition_id: int) -> dict[int, str]:
    """The shared mailbox of each group of the partition that has one."""
    return remembered(("mailboxes", partition_id), lambda: dict(
        IpkGroup.objects.filter(partition=partition_id).exclude(mailbox__isnull=True).exclude(mailbox="")
        .values_list("id", "mailbox")), shared=True)
