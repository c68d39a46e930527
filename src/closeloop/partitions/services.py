"""Use cases for partitions: groups, closure settings (validated and audited) and closure reasons."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from closeloop.accounts.models import Analyst, Membership
from closeloop.accounts.services import require_admin
from closeloop.closure import (
    AdminRight,
    CallType,
    Candidate,
    ChangedByOther,
    ClosureMethod,
    ClosureRule,
    Directory,
    InvalidInput,
    NotFound,
    PartitionSettings,
    limits,
    parse_choice,
)
from closeloop.closure.events import DeskEvent, DirectoryChanged, publish
from closeloop.closure.guards import validate_settings
from closeloop.closure.sampling import SamplingPolicy

from .audit import audited_change
from .models import (
    ClosureReason,
    ClosureReasonType,
    ClosureSettings,
    IpkGroup,
    Partition,
    SamplingSettings,
    SettingsChange,
)
from .snapshot import remembered

__all__ = [
    "UNSET",
    "Unset",
    "require_admin",
    "get_partition",
    "partition_for",
    "partitions_for",
    "readable_partitions",
    "call_workers",
    "get_group",
    "get_group_by_id",
    "colleagues",
    "get_colleague",
    "load_directory",
    "load_settings",
    "create_partition",
    "create_group",
    "add_group_member",
    "remove_group_member",
    "set_group_mailbox",
    "audited_settings",
    "update_closure_settings",
    "add_closure_reason",
    "set_closure_reason",
]


class Unset(Enum):
    """A setter's "leave this as it is": None is a real value (no closure group), so it cannot say that."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


def get_partition(name: str, viewer: Analyst | None = None) -> Partition:
    """A partition by name, if the viewer works in it (any, for the system operator).

    Another partition is refused exactly like one that does not exist, so its name does not leak.
    """
    for partition in partitions_for(viewer):
        if partition.name == name:
            return partition
    raise NotFound(f"No partition named {name!r}", field="partition")


def partition_for(name: str | None, viewer: Analyst | None = None) -> Partition:
    """The named partition, or with no name the only one the viewer works in (an unpartitioned desk)."""
    if name:
        return get_partition(name, viewer)
    mine = partitions_for(viewer)
    if len(mine) != 1:
        names = ", ".join(p.name for p in mine) or "none"
        raise InvalidInput(f"Name the partition (you work in {names})", field="partition")
    return mine[0]


def partitions_for(viewer: Analyst | None) -> list[Partition]:
    """Partitions the viewer works in (all of them for the system operator), by name.

    Kept while the desk stays the same (partitions and memberships change its version); each call gets rows of
    its own, so nothing a caller reads through one (its settings, say) is kept beyond its request."""
    rows = remembered(("partitions-for", viewer.id if viewer is not None else None), lambda: tuple(
        Partition.objects.visible_to(viewer).order_by("name").values_list("id", "name", "created_at")), shared=True)
    return [Partition(id=pk, name=name, created_at=created_at) for pk, name, created_at in rows]


def call_workers(partition: Partition, group: IpkGroup | None = None) -> QuerySet[Analyst]:
    """Who can work a call of the partition (an assignee picker's list): its active analysts holding the
    Resolve right, within `group` when one is chosen."""
    workers = Analyst.objects.filter(is_active=True, memberships__partition=partition,
                                     memberships__ipk_role__resolve=True)
    if group is not None:
        workers = workers.filter(ipk_groups=group)
    return workers.order_by("username")


def readable_partitions(name: str | None, viewer: Analyst | None) -> list[Partition]:
    """What a list filtered by an optional partition name covers: that partition, or all of the viewer's."""
    return [get_partition(name, viewer)] if name else partitions_for(viewer)


def get_group(partition: Partition, name: str, field: str = "group") -> IpkGroup:
    group = IpkGroup.objects.filter(partition=partition, name=name).first()
    if group is None:
        raise NotFound(f"No IPK group named {name!r} in partition {partition.name}", field=field)
    return group


def get_group_by_id(group_id: int, viewer: Analyst | None = None) -> IpkGroup:
    """A group by id, if it is in a partition the viewer works in; any other is refused like one that does
    not exist."""
    group = IpkGroup.objects.visible_to(viewer).select_related("partition").filter(pk=group_id).first()
    if group is None:
        raise NotFound(f"No IPK group with id {group_id}", field="group")
    return group


def load_directory(partition: Partition) -> Directory:
    """Everyone in the partition with their call rights, and each active group's members."""
    return remembered(("directory", partition.id), lambda: _read_directory(partition), shared=True)


def _read_directory(partition: Partition) -> Directory:
    memberships = Membership.objects.filter(partition=partition).select_related("analyst", "ipk_role")
    analysts = {
        m.analyst_id: Candidate(m.analyst_id, m.analyst.username, m.analyst.is_active, m.ipk_role.rights)
        for m in memberships
    }
    groups: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    # every group with each of its members, in one query (a group with none comes once, member None)
    for group_id, name, active, member_id in IpkGroup.objects.filter(partition=partition).values_list(
            "id", "name", "active", "members__id"):
        names[group_id] = name  # inactive ones too: a refusal naming one says its name
        if active:
            groups.setdefault(group_id, set())
            if member_id is not None:
                groups[group_id].add(member_id)
    return Directory(partition.name, analysts, {g: frozenset(m) for g, m in groups.items()}, names)


@transaction.atomic
def create_partition(name: str, actor: Analyst | None = None) -> Partition:
    require_admin(actor, AdminRight.IPK_SETUP)
    name = limits.PARTITION_NAME.clean(name)
    if Partition.objects.filter(name=name).exists():
        raise InvalidInput(f"A partition named {name!r} already exists", field="name")
    partition = Partition.objects.create(name=name)
    ClosureSettings.objects.create(partition=partition)
    return partition


@transaction.atomic
def create_group(partition: Partition, name: str, members: Iterable[Analyst] = (),
                 actor: Analyst | None = None) -> IpkGroup:
    require_admin(actor, AdminRight.IPK_SETUP)
    name = limits.GROUP_NAME.clean(name)
    if IpkGroup.objects.filter(partition=partition, name=name).exists():
        raise InvalidInput(f"Partition {partition.name} already has a group named {name!r}", field="name")
    group = IpkGroup.objects.create(partition=partition, name=name)
    group.members.add(*members)
    publish(DirectoryChanged(DeskEvent.GROUP_CREATED, partition.id, actor and actor.id, f"Creating group {name}",
                             f"group {name} was created", {}, _members(group)))
    return group


def _members(group: IpkGroup) -> dict[str, Any]:
    return {f"{group.name}: members": sorted(group.members.values_list("username", flat=True))}


@transaction.atomic
def add_group_member(group: IpkGroup, analyst: Analyst, actor: Analyst | None = None) -> None:
    require_admin(actor, AdminRight.IPK_SETUP)
    group = IpkGroup.objects.select_for_update().get(pk=group.pk)
    before = _members(group)
    group.members.add(analyst)
    publish(DirectoryChanged(DeskEvent.GROUP_MEMBER_ADDED, group.partition_id, actor and actor.id,
                             f"Adding {analyst.username} to group {group.name}",
                             f"{analyst.username} joined group {group.name}", before, _members(group)))


@transaction.atomic
def remove_group_member(group: IpkGroup, analyst: Analyst, actor: Analyst | None = None) -> int:
    """Take an analyst out of a group; refused if it strands the closure group. Returns calls re-routed."""
    require_admin(actor, AdminRight.IPK_SETUP)
    group = IpkGroup.objects.select_for_update().get(pk=group.pk)
    before = _members(group)
    group.members.remove(analyst)
    return publish(DirectoryChanged(DeskEvent.GROUP_MEMBER_REMOVED, group.partition_id, actor and actor.id,
                                    f"Removing {analyst.username} from group {group.name}",
                                    f"{analyst.username} was removed from group {group.name}", before,
                                    _members(group)))


@transaction.atomic
def set_group_mailbox(group: IpkGroup, mailbox: str | None, actor: Analyst | None = None) -> IpkGroup:
    """Give a group its own address (closure notices and reminders then go there, not to each member);
    blank clears it. Audited in the settings history with the address before and after."""
    require_admin(actor, AdminRight.IPK_SETUP)
    address = limits.EMAIL.clean(mailbox, field="mailbox").lower()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(f"{address!r} is not a valid e-mail address for the group's mailbox",
                               field="mailbox") from None
    group = IpkGroup.objects.select_for_update().get(pk=group.pk)
    before = group.mailbox
    if address == before:
        return group
    group.mailbox = address
    group.save(update_fields=["mailbox"])
    done = f"the mailbox of group {group.name} was set to {address}" if address else \
        f"the mailbox of group {group.name} was cleared"
    publish(DirectoryChanged(DeskEvent.GROUP_MAILBOX_CHANGED, group.partition_id, actor and actor.id,
                             f"Changing the mailbox of group {group.name}", done,
                             {"mailbox": before or None}, {"mailbox": address or None}))
    return group


def _settings_row(partition: Partition, lock: bool = False) -> ClosureSettings:
    # the sampling policy comes in the same query: a resolve reads both, and the request keeps both
    qs = ClosureSettings.objects.select_related("closure_group", "acceptance_reason", "partition__sampling_settings")
    if lock:
        qs = qs.select_for_update(of=("self",))  # PostgreSQL cannot lock the outer-joined group
    row, _ = qs.get_or_create(partition=partition)
    return row


def load_settings(partition: Partition) -> PartitionSettings:
    """The partition's closure settings as they are right now (read on every request: no restart)."""
    return remembered(("settings", partition.id), lambda: _read_settings(partition), shared=True)


def _read_settings(partition: Partition) -> PartitionSettings:
    row = _settings_row(partition)
    try:
        policy = row.partition.sampling_settings.as_value()
    except SamplingSettings.DoesNotExist:
        policy = SamplingPolicy()
    # what `load_sampling_policy` reads, kept with the settings
    remembered(("sampling", partition.id), lambda: policy, shared=True)
    return row.as_value()


def audited_settings(row: ClosureSettings) -> dict[str, Any]:
    return {
        "closure_method": row.closure_method,
        "closure_rule": row.closure_rule,
        "closure_group": row.closure_group.name if row.closure_group else None,
        "require_independent_closer": row.require_independent_closer,
        "allow_designated_closer": row.allow_designated_closer,
        "closure_reason_required": row.closure_reason_required,
        "contact_required": row.contact_required,
        "acceptance_closes": row.acceptance_closes,
        "acceptance_reason": row.acceptance_reason.code if row.acceptance_reason else None,
        "resolver_may_close_unresolved": row.resolver_may_close_unresolved,
    }


@transaction.atomic
def update_closure_settings(
    partition: Partition,
    change_reason: str,
    actor: Analyst | None = None,
    *,
    closure_method: str | ClosureMethod | Unset = UNSET,
    closure_rule: str | ClosureRule | Unset = UNSET,
    closure_group: IpkGroup | str | None | Unset = UNSET,
    require_independent_closer: bool | Unset = UNSET,
    allow_designated_closer: bool | Unset = UNSET,
    closure_reason_required: bool | Unset = UNSET,
    contact_required: bool | Unset = UNSET,
    acceptance_closes: bool | Unset = UNSET,
    acceptance_reason: ClosureReason | str | None | Unset = UNSET,
    resolver_may_close_unresolved: bool | Unset = UNSET,
    expected_version: int | None = None,
    dry_run: bool = False,
) -> ClosureSettings:
    """Validate and save new closure settings with an audited change reason; effective at once.
    Calls waiting for closure that nobody could close under the new settings are re-routed.

    With `dry_run` the settings are checked exactly as for a save, which is then rolled back.
    """
    row = _settings_row(partition, lock=True)
    version = row.version
    with audited_change(partition, SettingsChange.Subject.CLOSURE_SETTINGS, actor, change_reason,
                        lambda: audited_settings(row), dry_run=dry_run) as change:
        if expected_version is not None and expected_version != row.version:
            raise ChangedByOther(f"The closure settings of {partition.name} were changed by someone else "
                                 f"(now version {row.version}); reload them and try again", field="version")
        if closure_method is not UNSET:
            row.closure_method = parse_choice(ClosureMethod, str(closure_method), "closure_method").value
        if closure_rule is not UNSET:
            row.closure_rule = parse_choice(ClosureRule, str(closure_rule), "closure_rule").value
        if closure_group is not UNSET:
            if isinstance(closure_group, str):
                closure_group = get_group(partition, closure_group, field="closure_group")
            if closure_group is not None and closure_group.partition_id != partition.id:
                raise InvalidInput("The closure group must be an IPK group of this partition",
                                   field="closure_group")
            row.closure_group = closure_group
        for name, value in (("require_independent_closer", require_independent_closer),
                            ("allow_designated_closer", allow_designated_closer),
                            ("closure_reason_required", closure_reason_required),
                            ("contact_required", contact_required),
                            ("acceptance_closes", acceptance_closes),
                            ("resolver_may_close_unresolved", resolver_may_close_unresolved)):
            if value is not UNSET:
                setattr(row, name, bool(value))
        if acceptance_reason is not UNSET:
            row.acceptance_reason = _acceptance_reason(partition, acceptance_reason)
        validate_settings(row.as_value(), load_directory(partition))
        if audited_settings(row) != change.before:
            row.version = change.version = version + 1
            row.save()
    if dry_run:
        row.version = version  # the save was rolled back
    return row


def _acceptance_reason(partition: Partition, reason: ClosureReason | str | None) -> ClosureReason | None:
    """The closure reason a contact's acceptance closes with: an active reason of this partition."""
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        return None
    if isinstance(reason, str):
        found = ClosureReason.objects.filter(partition=partition, code=reason.strip()).first()
        if found is None:
            raise InvalidInput(f"No closure reason {reason.strip()!r} in partition {partition.name}",
                               field="acceptance_reason")
        reason = found
    if reason.partition_id != partition.id or not reason.active or reason.unresolved:
        raise InvalidInput(f"The acceptance reason must be an active closure reason of partition "
                           f"{partition.name} for resolved calls (got {reason.code})", field="acceptance_reason")
    return reason


def _audited_reasons(partition: Partition) -> dict[str, Any]:
    return {r.code: {"label": r.label, "active": r.active, "types": sorted(r.call_types),
                     **({"unresolved": True} if r.unresolved else {})}
            for r in ClosureReason.objects.filter(partition=partition).prefetch_related("type_links")}


@transaction.atomic
def add_closure_reason(partition: Partition, code: str, label: str, call_types: Iterable[str],
                       actor: Analyst | None = None, change_reason: str = "", *,
                       unresolved: bool = False) -> ClosureReason:
    """Add a closure reason linked to the call types it applies to (audited); an `unresolved` reason is for
    calls closed as Closed/Unresolved (cancelled, duplicate, no response), never for resolved calls."""
    code, label = limits.REASON_CODE.clean(code), limits.REASON_LABEL.clean(label)
    with audited_change(partition, SettingsChange.Subject.CLOSURE_REASONS, actor,
                        change_reason or f"Added closure reason {code}", lambda: _audited_reasons(partition)):
        types = {parse_choice(CallType, t, "type") for t in call_types}
        if not types:
            raise InvalidInput("Link the reason to at least one call type (--type)", field="type")
        if ClosureReason.objects.filter(partition=partition, code=code).exists():
            raise InvalidInput(f"Partition {partition.name} already has a closure reason {code!r}", field="code")
        reason = ClosureReason.objects.create(partition=partition, code=code, label=label,
                                              unresolved=bool(unresolved))
        ClosureReasonType.objects.bulk_create(ClosureReasonType(reason=reason, call_type=t.value) for t in types)
    return reason


@transaction.atomic
def set_closure_reason(reason: ClosureReason, actor: Analyst | None = None, *, active: bool | Unset = UNSET,
                       label: str | Unset = UNSET, call_types: Iterable[str] | Unset = UNSET,
                       change_reason: str = "") -> ClosureReason:
    """Deactivate/reactivate a reason, relabel it, or change the call types it is linked to (audited)."""
    with audited_change(reason.partition, SettingsChange.Subject.CLOSURE_REASONS, actor,
                        change_reason or f"Changed closure reason {reason.code}",
                        lambda: _audited_reasons(reason.partition)):
        if active is not UNSET:
            reason.active = bool(active)
        if label is not UNSET:
            reason.label = limits.REASON_LABEL.clean(label)
        if call_types is not UNSET:
            types = {parse_choice(CallType, t, "type") for t in call_types}
            if not types:
                raise InvalidInput("Link the reason to at least one call type", field="type")
            reason.type_links.exclude(call_type__in=[t.value for t in types]).delete()
            for t in types:
                ClosureReasonType.objects.get_or_create(reason=reason, call_type=t.value)
        reason.save()
    return reason


def colleagues(viewer: Analyst | None, partition_name: str | None = None) -> QuerySet[Analyst]:
    """Analysts working in the named partition, or in any the viewer works in, with their memberships
    and groups there only: never anyone, or any role, from a partition the viewer cannot read.
    The system operator, naming no partition, sees every analyst (also those in no partition yet)."""
    shared = readable_partitions(partition_name, viewer)
    everyone = viewer is None and not partition_name
    qs = Analyst.objects.all() if everyone else Analyst.objects.filter(memberships__partition__in=shared).distinct()
    return qs.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(partition__in=shared).select_related(
            "partition", "ipk_role").order_by("partition__name")),
        Prefetch("ipk_groups", queryset=IpkGroup.objects.filter(partition__in=shared)))


def get_colleague(viewer: Analyst | None, username: str, field: str = "analyst") -> Analyst:
    """An analyst working in one of the viewer's partitions, by user name. Anyone else is refused
    exactly like a name nobody has, so a name cannot be tried to learn who works elsewhere."""
    shared = Partition.objects.visible_to(viewer)
    analyst = Analyst.objects.filter(username=username, memberships__partition__in=shared).first()
    if analyst is None:
        raise NotFound(f"No analyst with user name {username!r} in your partitions", field=field)
    return analyst
