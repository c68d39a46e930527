"""Partitions, their closure settings (read, change with a reason, dry run, audit trail), groups and
closure reasons in the REST API. Changes go through the partition services, which validate and audit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from closeloop.api.auth import caller, expected_version
from closeloop.api.pagination import PageParams, page_of
from closeloop.api.partition_schemas import (
    ChecklistItemOut,
    ClosureReasonOut,
    ClosureSettingsOut,
    ClosureSettingsResult,
    ClosureSettingsUpdate,
    GroupOut,
    GroupUpdate,
    PartitionOut,
    RejectionCategoryOut,
    SettingsChangeOut,
)
from closeloop.api.schemas import Id, Page, PartitionName, Text, responses
from closeloop.calls.preview import preview_closure_settings
from closeloop.closure import AdminRight

from . import lists, quality
from . import services as partitions
from .models import ClosureSettings, IpkGroup, Partition, SettingsChange

__all__ = ["router", "groups_router", "closure_reasons_router"]

router = Router(tags=["partitions"])
groups_router = Router(tags=["partitions"])
closure_reasons_router = Router(tags=["partitions"])


def _settings(row: ClosureSettings) -> dict[str, Any]:
    return {"partition": row.partition.name, "version": row.version, **partitions.audited_settings(row)}


@router.get("", response=responses(list[PartitionOut]), summary="Partitions you work in")
def list_partitions(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": p.id, "name": p.name, "settings_version": p.closure_settings.version}
            for p in Partition.objects.visible_to(caller(request)).select_related("closure_settings")]


@router.get("/{name}/closure-settings", response=responses(ClosureSettingsOut), summary="Closure settings")
def read_closure_settings(request: HttpRequest, name: PartitionName) -> dict[str, Any]:
    return _settings(partitions.get_partition(name, caller(request)).closure_settings)


@router.put("/{name}/closure-settings", response=responses(ClosureSettingsResult),
            summary="Change closure settings (needs IPK Setup and a change reason)")
def change_closure_settings(request: HttpRequest, name: PartitionName, body: ClosureSettingsUpdate,
                            dry_run: bool = False) -> dict[str, Any]:
    """Validated like every other change: settings that would strand calls are refused (409
    settings_rejected). With `dry_run=true` the answer says what would be saved, and nothing is, and
    `preview` says where the calls waiting for closure and those resolved in the last 30 days would go."""
    actor = caller(request)
    partition = partitions.get_partition(name, actor)
    before = partitions.audited_settings(partition.closure_settings)
    given = body.model_dump(exclude_unset=True, exclude={"change_reason", "version"})
    clearable = ("closure_group", "acceptance_reason")  # null clears these; for the rest null means "keep"
    changes = {key: value for key, value in given.items() if value is not None or key in clearable}
    row = partitions.update_closure_settings(partition, body.change_reason, actor, dry_run=dry_run,
                                             expected_version=expected_version(request, body.version), **changes)
    preview = preview_closure_settings(partition, row.as_value()).as_dict() if dry_run else None
    return {**_settings(row), "dry_run": dry_run, "changed": partitions.audited_settings(row) != before,
            "preview": preview}


@router.get("/{name}/closure-settings/history", response=responses(Page[SettingsChangeOut]),
            summary="Audit trail of the closure settings")
def closure_settings_history(request: HttpRequest, name: PartitionName, paging: Query[PageParams]) -> dict[str, Any]:
    rows = lists.settings_changes(caller(request), name, [SettingsChange.Subject.CLOSURE_SETTINGS])
    return page_of(rows, paging, lambda c: {
        "at": c.changed_at, "by": c.changed_by_name, "version": c.version, "change_reason": c.change_reason,
        "changes": {k: {"before": b, "after": a} for k, (b, a) in c.diff.items()}})


@router.get("/{name}/checklist", response=responses(list[ChecklistItemOut]),
            summary="The closure checklist closers tick")
def closure_checklist(request: HttpRequest, name: PartitionName) -> list[dict[str, Any]]:
    partition = partitions.get_partition(name, caller(request))
    return [{"id": i.id, "text": i.text, "required": i.required, "answered_by_contact": i.answered_by_contact}
            for i in quality.checklist(partition)]


@router.get("/{name}/rejection-categories", response=responses(list[RejectionCategoryOut]),
            summary="Why a resolution can be rejected")
def rejection_categories(request: HttpRequest, name: PartitionName) -> list[dict[str, Any]]:
    partition = partitions.get_partition(name, caller(request))
    return [{"code": c.code, "label": c.label} for c in quality.rejection_categories(partition)]


class _PartitionFilter(Schema):
    partition: Text | None = Field(None, description="Partition name (default: all of yours)")


def _group(g: IpkGroup) -> dict[str, Any]:
    return {"id": g.id, "partition": g.partition.name, "name": g.name, "active": g.active,
            "mailbox": g.mailbox or None, "members": sorted(m.username for m in g.members.all())}


@groups_router.get("", response=responses(list[GroupOut]), summary="IPK groups")
def list_groups(request: HttpRequest, filters: Query[_PartitionFilter]) -> list[dict[str, Any]]:
    return [_group(g) for g in lists.groups(caller(request), filters.partition)]


@groups_router.patch("/{group_id}", response=responses(GroupOut), summary="Change a group's mailbox (IPK Setup)")
def update_group(request: HttpRequest, group_id: Id, body: GroupUpdate) -> dict[str, Any]:
    """With a mailbox, the group's Forward for Closure notices and reminders go to that address instead of
    to each of its closers; the change is audited in the partition's settings history."""
    actor = caller(request)
    group = partitions.get_group_by_id(group_id, actor)
    partitions.require_admin(actor, AdminRight.IPK_SETUP)
    if "mailbox" in body.model_fields_set:
        group = partitions.set_group_mailbox(group, body.mailbox, actor)
    return _group(group)


class _ReasonFilter(_PartitionFilter):
    call_type: Text | None = Field(None, description="Only reasons that apply to this call type")
    active: bool | None = None
    unresolved: bool | None = Field(None, description="true: reasons for Closed/Unresolved calls; false: for "
                                                      "resolved calls")


@closure_reasons_router.get("", response=responses(list[ClosureReasonOut]), summary="Closure reasons")
def list_closure_reasons(request: HttpRequest, filters: Query[_ReasonFilter]) -> list[dict[str, Any]]:
    rows = lists.closure_reasons(caller(request), filters.partition, call_type=filters.call_type,
                                 active=filters.active, unresolved=filters.unresolved)
    return [{"id": r.id, "partition": r.partition.name, "code": r.code, "label": r.label, "active": r.active,
             "call_types": sorted(r.call_types), "unresolved": r.unresolved} for r in rows]


