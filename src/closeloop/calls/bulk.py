"""Bulk actions: take, close, reject, forward or assign many calls at once.

Each call is decided by the same use case as one at a time (`take_call`, `close_call`, ...), in its own
transaction: a refusal of one call never undoes the others. The result says, per call, whether it was
done or refused and why, in the same words the single action gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.closure import (
    CloseloopError,
    Directory,
    InvalidInput,
    NotFound,
    Right,
    Status,
    limits,
    parse_choice,
)
from closeloop.closure.routing import eligible_closers, is_eligible_closer
from closeloop.partitions.models import ChecklistItem, Partition
from closeloop.partitions.services import load_directory, load_settings

from . import services
from .models import Call

__all__ = ["MAX_REFS", "BulkAction", "CallOutcome", "BulkResult", "bulk_action", "clean_refs", "offered_actions",
           "closure_targets"]

# A request names at most this many calls: a page of the calls list at its largest, and a batch that
# finishes well within a request's time even on a busy desk.
MAX_REFS = 200


class BulkAction(StrEnum):
    """What a bulk action does to every call chosen."""

    TAKE = "take"
    CLOSE = "close"
    REJECT = "reject"
    FORWARD = "forward"
    ASSIGN = "assign"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def done(self) -> str:
        """The past tense the summary uses: "Closed 12, refused 2"."""
        return _LABELS[self][1]

    @property
    def right(self) -> Right:
        """The right an analyst needs in a partition for the action to be offered at all."""
        return Right.REASSIGN if self is BulkAction.ASSIGN else Right.CLOSE


_LABELS = {
    BulkAction.TAKE: ("Take", "Taken"),
    BulkAction.CLOSE: ("Close", "Closed"),
    BulkAction.REJECT: ("Reject resolution", "Rejected"),
    BulkAction.FORWARD: ("Re-forward", "Forwarded"),
    BulkAction.ASSIGN: ("Assign", "Assigned"),
}


@dataclass(frozen=True)
class CallOutcome:
    """What happened to one call of a bulk action: done, or refused with the single action's words."""

    ref: str
    ok: bool
    status: Status | None = None  # the call's status afterwards; None when not found
    error: CloseloopError | None = None

    def as_dict(self) -> dict[str, Any]:
        error = None
        if self.error is not None:
            error = {"code": self.error.code, "message": self.error.message, "field": self.error.field}
        return {"ref": self.ref, "ok": self.ok, "status": self.status.value if self.status else None,
                "status_label": self.status.label if self.status else None, "error": error}


@dataclass(frozen=True)
class BulkResult:
    """The outcome of a bulk action, call by call, in the order the calls were given."""

    action: BulkAction
    outcomes: tuple[CallOutcome, ...] = field(default_factory=tuple)

    @property
    def done(self) -> list[CallOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def refused(self) -> list[CallOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def all_done(self) -> bool:
        return not self.refused

    @property
    def summary(self) -> str:
        """ "Closed 12, refused 2" (or just "Closed 12" when none was refused)."""
        text = f"{self.action.done} {len(self.done)}"
        return f"{text}, refused {len(self.refused)}" if self.refused else text

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action.value, "summary": self.summary, "done": len(self.done),
                "refused": len(self.refused), "results": [o.as_dict() for o in self.outcomes]}


def clean_refs(refs: Iterable[str]) -> list[str]:
    """The references as the calls are named (trimmed, upper case), duplicates dropped, order kept;
    refused naming `refs` when there are none or more than MAX_REFS."""
    cleaned = list(dict.fromkeys(r.strip().upper() for r in refs if r and r.strip()))
    if not cleaned:
        raise InvalidInput("Choose at least one call", field="refs")
    if len(cleaned) > MAX_REFS:
        raise InvalidInput(f"At most {MAX_REFS} calls at a time (got {len(cleaned)}): split them into several "
                           "requests", field="refs")
    return cleaned


def _visible_partitions(refs: list[str], actor: Analyst | None) -> dict[str, int]:
    """The partition of each call the actor may see (others are left out: they are "not found")."""
    rows: QuerySet[Call] = Call.objects.visible_to(actor).filter(ref__in=refs)
    return dict(rows.values_list("ref", "partition_id"))


def _ticked_by_partition(ticked: Iterable[int], partition_ids: Iterable[int]) -> dict[int, set[int]]:
    """The ticked checklist items that belong to each partition: a closer answers the checklist once, and
    each call gets the answers to its own partition's items. An item of none of them is a bad request."""
    wanted = set(ticked)
    if not wanted:
        return {}
    items = ChecklistItem.objects.filter(id__in=wanted, partition_id__in=set(partition_ids), active=True)
    by_partition: dict[int, set[int]] = {}
    for item_id, partition_id in items.values_list("id", "partition_id"):
        by_partition.setdefault(partition_id, set()).add(item_id)
    if unknown := wanted - {i for ids in by_partition.values() for i in ids}:
        raise InvalidInput(f"Unknown checklist item(s): {sorted(unknown)}", field="ticked")
    return by_partition


def _check_inputs(action: BulkAction, inputs: Mapping[str, Any]) -> None:
    """Refuse, before any call is touched, what would refuse every call alike: a missing or over-long text,
    no target. What depends on the call (its status, the closer, its partition's reasons) is per call."""
    if action is BulkAction.CLOSE:
        limits.CLOSURE_COMMENTS.clean(inputs.get("comments"))
    elif action is BulkAction.REJECT:
        limits.REJECTION_REASON.clean(inputs.get("reason"))
    elif action is BulkAction.FORWARD:
        limits.FORWARD_REASON.clean(inputs.get("reason"))
        if (inputs.get("to_analyst") is None) == (inputs.get("to_group") is None):
            raise InvalidInput("Forward to one analyst or one group", field="to_analyst")
    elif action is BulkAction.ASSIGN and inputs.get("group") is None and inputs.get("analyst") is None:
        raise InvalidInput("Assign to a group, an analyst, or both", field="group")


_ALLOWED_INPUTS: dict[BulkAction, frozenset[str]] = {
    BulkAction.TAKE: frozenset(),
    BulkAction.CLOSE: frozenset({"comments", "reason", "ticked"}),
    BulkAction.REJECT: frozenset({"reason", "category", "ticked"}),
    BulkAction.FORWARD: frozenset({"reason", "to_analyst", "to_group"}),
    BulkAction.ASSIGN: frozenset({"group", "analyst"}),
}


def _runner(action: BulkAction, actor: Analyst | None, inputs: Mapping[str, Any],
            ticked: dict[int, set[int]]) -> Callable[[str, int | None, int | None], Call]:
    """The single-call use case of `action`, with the inputs every call shares."""
    def run(ref: str, version: int | None, partition_id: int | None) -> Call:
        if action is BulkAction.TAKE:
            return services.take_call(ref, actor, expected_version=version)
        if action is BulkAction.CLOSE:
            return services.close_call(ref, actor, inputs["comments"], reason=inputs.get("reason"),
                                       ticked=ticked.get(partition_id or 0, ()), expected_version=version)
        if action is BulkAction.REJECT:
            return services.reject_resolution(ref, actor, inputs["reason"], category=inputs.get("category"),
                                              ticked=ticked.get(partition_id or 0, ()), expected_version=version)
        if action is BulkAction.FORWARD:
            return services.forward_call(ref, actor, inputs["reason"], to_analyst=inputs.get("to_analyst"),
                                         to_group=inputs.get("to_group"), expected_version=version)
        return services.assign_call(ref, actor, group=inputs.get("group"), analyst=inputs.get("analyst"),
                                    expected_version=version)

    return run


def bulk_action(action: str | BulkAction, refs: Iterable[str], actor: Analyst | None, *,
                expected_versions: Mapping[str, int] | None = None, **inputs: Any) -> BulkResult:
    """Do `action` to each call of `refs`, one transaction per call, and say what happened to each.

    The inputs are those of the single use case (close: comments, reason, ticked; reject: reason, category,
    ticked; forward: reason, to_analyst or to_group; assign: group and/or analyst), the same for every call.
    A bad request (unknown action, no calls, too many, a missing text) is refused before any call is
    touched; a call that cannot be done is refused on its own, leaving it as it was.
    """
    kind = parse_choice(BulkAction, str(action), "action")
    inputs = {name: value for name, value in inputs.items() if value not in (None, "", [], (), set())}
    if unexpected := set(inputs) - _ALLOWED_INPUTS[kind]:
        raise InvalidInput(f"{kind.label} takes no {', '.join(sorted(unexpected))}", field=sorted(unexpected)[0])
    wanted = clean_refs(refs)
    versions = {r.strip().upper(): v for r, v in (expected_versions or {}).items()}
    if unknown := set(versions) - set(wanted):
        raise InvalidInput(f"Versions given for calls not chosen: {', '.join(sorted(unknown))}", field="versions")
    _check_inputs(kind, inputs)
    partitions = _visible_partitions(wanted, actor)
    ticked = _ticked_by_partition(inputs.get("ticked") or (), partitions.values())
    run = _runner(kind, actor, inputs, ticked)
    outcomes: dict[str, CallOutcome] = {}
    for ref in wanted:  # not atomic here: each use case commits on its own
        try:
            call = run(ref, versions.get(ref), partitions.get(ref))
        except CloseloopError as refusal:
            outcomes[ref] = CallOutcome(ref, False, error=refusal)
        else:
            outcomes[ref] = CallOutcome(ref, True, Status(call.status))
    return BulkResult(kind, tuple(_with_status_now(outcomes, actor)))


def _with_status_now(outcomes: dict[str, CallOutcome], actor: Analyst | None) -> list[CallOutcome]:
    """Refused calls with the status they are in now (one query), so the analyst sees why at a glance."""
    refused = [ref for ref, o in outcomes.items() if not o.ok and not isinstance(o.error, NotFound)]
    now = dict(Call.objects.visible_to(actor).filter(ref__in=refused).values_list("ref", "status")) if refused else {}
    return [CallOutcome(o.ref, o.ok, Status(now[ref]), o.error) if ref in now else o for ref, o in outcomes.items()]


def offered_actions(analyst: Analyst, partition: Partition, directory: Directory | None = None) -> list[BulkAction]:
    """The bulk actions an analyst's rights in the partition allow (each call still decides for itself)."""
    rights = actor_in(analyst, partition.id, directory or load_directory(partition)).rights
    return [a for a in BulkAction if a.right in rights]


def closure_targets(partition: Partition, directory: Directory | None = None) -> tuple[list[tuple[int, str]],
                                                                                      list[tuple[int, str]]]:
    """The analysts and groups of the partition that can validate calls (where a bulk forward may send them),
    as (id, name) sorted by name, read from the directory (no query of their own)."""
    settings, directory = load_settings(partition), directory or load_directory(partition)
    analysts = [(a, directory.analyst_name(a)) for a, c in directory.analysts.items()
                if is_eligible_closer(c, settings, None)]
    groups = [(g, directory.group_name(g)) for g in directory.groups if eligible_closers(g, directory, settings, None)]
    return sorted(analysts, key=lambda a: a[1]), sorted(groups, key=lambda g: g[1])
