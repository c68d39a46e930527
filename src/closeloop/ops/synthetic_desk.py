"""The people and configuration of a synthetic desk: partitions, groups, analysts, settings, reasons.

Built through the services (it is small), so it is exactly what an administrator could have set up.
Only the password hash is written in one statement: hashing it once per analyst would take minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import add_analyst, get_access_role, get_ipk_role
from closeloop.calls.unresolved import STANDARD_UNRESOLVED_REASONS
from closeloop.closure import CallType, Directory, PartitionSettings, Right
from closeloop.closure.sla import ClosureSlaPolicy
from closeloop.desk import DEFAULT_PARTITION, init_desk
from closeloop.partitions import quality
from closeloop.partitions import services as partitions
from closeloop.partitions.closure_sla import load_closure_sla_policies
from closeloop.partitions.models import (
    ChecklistItem,
    ClosureReason,
    IpkGroup,
    Partition,
    RejectionCategory,
)

__all__ = ["PartitionPlan", "build_synthetic_desk", "WORK_GROUPS", "CLOSURE_GROUP", "partition_name"]

WORK_GROUPS = ["Service Desk", "Network", "Desktop Support", "Applications"]
CLOSURE_GROUP = "Closure Group"

REASONS = [
    ("FIXED", "Fixed", ["incident", "major_incident", "problem"]),
    ("WORKAROUND", "Workaround provided", ["incident", "major_incident", "known_error"]),
    ("NO_FAULT", "No fault found", ["incident"]),
    ("FULFILLED", "Request fulfilled", ["service_request"]),
    ("ROOT_CAUSE", "Root cause removed", ["problem", "known_error"]),
]
REJECTION_CATEGORIES = [
    ("INCOMPLETE", "Incomplete documentation"),
    ("NOT_FIXED", "Not fixed for the user"),
    ("WRONG_REASON", "Wrong closure reason"),
]
CHECKLIST = [("Resolution describes what was changed", True), ("User confirmed the fix", False)]

# (closure_rule, require_independent_closer, allow_designated_closer), cycled over partitions.
SETTINGS_CYCLE = [("log_group", False, True), ("closure_group", True, False), ("logged_by", False, False)]


def partition_name(index: int) -> str:
    return DEFAULT_PARTITION if index == 0 else f"Region {index + 1}"


@dataclass
class PartitionPlan:
    """One partition as the generator needs it: rows, core values and who may do what."""

    partition: Partition
    settings: PartitionSettings
    directory: Directory
    work_groups: list[int]
    loggers: dict[int, list[int]] = field(default_factory=dict)
    resolvers: dict[int, list[int]] = field(default_factory=dict)
    reasons: dict[CallType, list[tuple[int, str]]] = field(default_factory=dict)
    unresolved_reasons: dict[CallType, dict[str, int]] = field(default_factory=dict)
    categories: list[tuple[int, str]] = field(default_factory=list)
    checklist: list[tuple[int, str, bool]] = field(default_factory=list)
    usernames: dict[int, str] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=dict)
    closure_sla: ClosureSlaPolicy | None = None  # its targets and calendar, if it has targets


def _ensure_group(partition: Partition, name: str) -> IpkGroup:
    group = IpkGroup.objects.filter(partition=partition, name=name).first()
    return group or partitions.create_group(partition, name)


def _ensure_partition(index: int) -> Partition:
    name = partition_name(index)
    return Partition.objects.filter(name=name).first() or partitions.create_partition(name)


def _add_analysts(partition: Partition, index: int, count: int, rng: random.Random) -> list[str]:
    groups = {name: _ensure_group(partition, name) for name in [*WORK_GROUPS, CLOSURE_GROUP]}
    created = []
    for i in range(count):
        username = f"p{index + 1}.analyst{i + 1:04d}"
        if Analyst.objects.filter(username=username).exists():
            continue
        # Every work group gets a closer early on, so each closure route has someone to reach.
        closer = i < len(WORK_GROUPS) or rng.random() < 0.25
        home = [WORK_GROUPS[i % len(WORK_GROUPS)]] + ([rng.choice(WORK_GROUPS)] if rng.random() < 0.3 else [])
        if closer and (i < len(WORK_GROUPS) or rng.random() < 0.5):
            home.append(CLOSURE_GROUP)
        role = "Closer" if closer else ("Read only" if rng.random() < 0.04 else "Analyst")
        add_analyst(username, partition, get_ipk_role(role), groups=[groups[g] for g in dict.fromkeys(home)],
                    access_role=get_access_role("Standard"), first_name=f"Analyst {i + 1}",
                    last_name=partition.name, email=f"{username}@example.com")
        created.append(username)
    return created


def _configure(partition: Partition, index: int) -> None:
    existing = {r.code for r in ClosureReason.objects.filter(partition=partition)}
    for code, label, types in REASONS:
        if code not in existing:
            partitions.add_closure_reason(partition, code, label, types)
    for code, label, types in STANDARD_UNRESOLVED_REASONS:
        if code not in existing:
            partitions.add_closure_reason(partition, code, label, types, unresolved=True)
    if not RejectionCategory.objects.filter(partition=partition).exists():
        for code, label in REJECTION_CATEGORIES:
            quality.add_rejection_category(partition, code, label, "Synthetic desk: rejection categories")
    if not ChecklistItem.objects.filter(partition=partition).exists():
        for text, required in CHECKLIST:
            quality.add_checklist_item(partition, text, "Synthetic desk: closure checklist", required=required)
    rule, independent, designated = SETTINGS_CYCLE[index % len(SETTINGS_CYCLE)]
    # Benchmarks measure the closure stage: their calls have no contact, so the desk does not require one.
    partitions.update_closure_settings(
        partition, "Synthetic desk: validated by rule, Closure Group as the last fallback",
        closure_method="rules", closure_rule=rule, closure_group=CLOSURE_GROUP,
        require_independent_closer=independent, allow_designated_closer=designated, contact_required=False)


def _plan(partition: Partition) -> PartitionPlan:
    directory = partitions.load_directory(partition)
    groups = {g.id: g.name for g in IpkGroup.objects.filter(partition=partition, active=True)}
    work = sorted(g for g, name in groups.items() if name in WORK_GROUPS)
    plan = PartitionPlan(partition, partitions.load_settings(partition), directory, work,
                         usernames={a: c.name for a, c in directory.analysts.items()}, group_names=groups,
                         closure_sla=load_closure_sla_policies([partition.id]).get(partition.id))
    for group_id in work:
        members = sorted(directory.groups.get(group_id, frozenset()))
        active = [m for m in members if directory.analysts.get(m) and directory.analysts[m].active]
        plan.loggers[group_id] = [m for m in active if Right.LOG in directory.analysts[m].rights]
        plan.resolvers[group_id] = [m for m in active if Right.RESOLVE in directory.analysts[m].rights]
    plan.work_groups = [g for g in work if plan.loggers[g] and plan.resolvers[g]]
    for reason in ClosureReason.objects.filter(partition=partition, active=True).prefetch_related("type_links"):
        for kind in reason.call_types:
            if reason.unresolved:
                plan.unresolved_reasons.setdefault(CallType(kind), {})[reason.code] = reason.id
            else:
                plan.reasons.setdefault(CallType(kind), []).append((reason.id, reason.code))
    plan.categories = list(RejectionCategory.objects.filter(partition=partition, active=True)
                           .values_list("id", "code"))
    plan.checklist = list(ChecklistItem.objects.filter(partition=partition, active=True)
                          .values_list("id", "text", "required"))
    return plan


def build_synthetic_desk(partition_count: int, analyst_count: int, rng: random.Random,
                         password: str | None = None) -> list[PartitionPlan]:
    """Create (or top up) P partitions sharing A analysts, and return what the generator needs."""
    init_desk()
    per_partition = [analyst_count // partition_count + (1 if i < analyst_count % partition_count else 0)
                     for i in range(partition_count)]
    plans = []
    for index in range(partition_count):
        with transaction.atomic():
            partition = _ensure_partition(index)
            created = _add_analysts(partition, index, max(per_partition[index], len(WORK_GROUPS)), rng)
            if created and password:
                Analyst.objects.filter(username__in=created).update(password=make_password(password))
            _configure(partition, index)
        plans.append(_plan(partition))
    return plans
