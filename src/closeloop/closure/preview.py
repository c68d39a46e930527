"""What-if preview of closure settings: where the calls of the closure stage would go under new settings.

An administrator sees it before giving the change reason. It covers the calls waiting for closure now and
those resolved in the last 30 days (the window the service chooses), and answers with the same rules a
save applies: a waiting call stays with its closure target while that target can still close it and moves
along the fallback chain when it cannot (as `reroute_stranded` does at the save); a recently resolved
call is routed as if it were resolved again, under the settings now and under the new ones, so the
difference is the settings' own. A waiting call nobody could close makes the save refused, as it is today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import CloseloopError
from .model import CallFacts, ClosureRoute, Directory, PartitionSettings, Status
from .routing import reroute_stranded, route_for_closure, routing_input, target_has_eligible_closer

__all__ = ["RouteChange", "Routes", "SettingsPreview", "preview_settings", "resolved_again", "target_label",
           "CLOSED_ON_RESOLVE", "NOBODY", "SHOWN_CHANGES"]

CLOSED_ON_RESOLVE = "closed by the resolver (no closure stage)"
NOBODY = "nobody could close it"
SHOWN_CHANGES = 50


def target_label(analyst_id: int | None, group_id: int | None, directory: Directory) -> str:
    """A closure target in users' words: "Carol Closer" or "group Service Desk"."""
    if analyst_id is not None:
        return directory.analyst_name(analyst_id)
    if group_id is not None:
        return f"group {directory.group_name(group_id)}"
    return NOBODY


def _route_label(route: ClosureRoute | None, directory: Directory) -> str:
    return NOBODY if route is None else target_label(route.analyst_id, route.group_id, directory)


def resolved_again(call: CallFacts, settings: PartitionSettings, directory: Directory) -> str:
    """Where the call would go if it were resolved now under `settings`."""
    if not settings.two_part:
        return CLOSED_ON_RESOLVE
    try:
        return _route_label(route_for_closure(call, settings, directory), directory)
    except CloseloopError:
        return NOBODY


def _after_save(call: CallFacts, settings: PartitionSettings, directory: Directory) -> str:
    """Where a waiting call is once the settings are saved: where it is, or where the save moves it."""
    now = target_label(call.target_analyst_id, call.target_group_id, directory)
    if call.status not in (Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE):
        return now
    if target_has_eligible_closer(call, settings, directory):
        return now
    return _route_label(reroute_stranded(call, settings, directory), directory)


class Routes:
    """`resolved_again` and the target after a save under one set of settings, each worked out once per
    distinct routing input (`routing_input`): a preview routes thousands of calls, logged by a few hundred
    analysts in a few dozen groups."""

    def __init__(self, settings: PartitionSettings, directory: Directory) -> None:
        self.settings, self.directory = settings, directory
        self._again: dict[tuple[object, ...], str] = {}
        self._saved: dict[tuple[object, ...], str] = {}

    def resolved_again(self, call: CallFacts) -> str:
        key = routing_input(call, self.settings, resolving=True)
        found = self._again.get(key)
        if found is None:
            found = self._again[key] = resolved_again(call, self.settings, self.directory)
        return found

    def after_save(self, call: CallFacts) -> str:
        key = routing_input(call, self.settings)
        found = self._saved.get(key)
        if found is None:
            found = self._saved[key] = _after_save(call, self.settings, self.directory)
        return found


@dataclass(frozen=True)
class RouteChange:
    """One call whose closure target differs under the new settings."""

    ref: str
    waiting: bool  # in the closure stage now (else: resolved in the window, routed again)
    before: str
    after: str


@dataclass(frozen=True)
class SettingsPreview:
    """The preview: counts per closure target before and after, and the calls that would change target."""

    waiting: int
    resolved_recently: int
    days: int
    before: dict[str, int]
    after: dict[str, int]
    changed: int
    moved_now: int  # waiting calls the save itself would move
    unclosable: tuple[str, ...]  # waiting calls nobody could close: the save is refused
    examples: tuple[RouteChange, ...] = field(default=())  # the first SHOWN_CHANGES changes

    @property
    def refused(self) -> bool:
        return bool(self.unclosable)

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        """(closure target, calls now, calls under the new settings), the busiest target first."""
        labels = sorted(set(self.before) | set(self.after), key=lambda t: (-self.after.get(t, 0), t))
        return [(label, self.before.get(label, 0), self.after.get(label, 0)) for label in labels]

    def lines(self) -> list[str]:
        """The preview as plain text lines (the CLI's answer)."""
        out = [f"Preview: {self.waiting} call(s) waiting for closure now and {self.resolved_recently} resolved in "
               f"the last {self.days} days.",
               f"{self.changed} would change closure target ({self.moved_now} waiting call(s) moved by the save)."]
        out += [f"  {label}: {now} -> {then}" for label, now, then in self.rows]
        if self.unclosable:
            out.append(f"Nobody could close {', '.join(self.unclosable)}: the settings would be refused.")
        for change in self.examples:
            stage = "waiting" if change.waiting else "resolved"
            out.append(f"  {change.ref} ({stage}): {change.before} -> {change.after}")
        if self.changed > len(self.examples):
            out.append(f"  … and {self.changed - len(self.examples)} more")
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "waiting": self.waiting, "resolved_recently": self.resolved_recently, "days": self.days,
            "before": self.before, "after": self.after, "changed": self.changed, "moved_now": self.moved_now,
            "unclosable": list(self.unclosable), "refused": self.refused,
            "changes": [{"ref": c.ref, "waiting": c.waiting, "before": c.before, "after": c.after}
                        for c in self.examples],
        }


def preview_settings(waiting: Iterable[CallFacts], recent: Iterable[CallFacts], before: PartitionSettings,
                     after: PartitionSettings, directory: Directory, days: int = 30) -> SettingsPreview:
    """Where each call would go under `after` compared with `before` (see the module's docstring).

    `waiting` are the calls in the closure stage now; `recent` those resolved in the last `days` days and
    not waiting any more."""
    counts_before: Counter[str] = Counter()
    counts_after: Counter[str] = Counter()
    changes: list[RouteChange] = []
    unclosable: list[str] = []
    n_waiting = n_recent = moved = 0
    now, then = Routes(before, directory), Routes(after, directory)
    for call in waiting:
        n_waiting += 1
        was = target_label(call.target_analyst_id, call.target_group_id, directory)
        will = then.after_save(call)
        counts_before[was] += 1
        counts_after[will] += 1
        if will == NOBODY:
            unclosable.append(call.ref)
        if will != was:
            moved += 1
            changes.append(RouteChange(call.ref, True, was, will))
    for call in recent:
        n_recent += 1
        was, will = now.resolved_again(call), then.resolved_again(call)
        counts_before[was] += 1
        counts_after[will] += 1
        if will != was:
            changes.append(RouteChange(call.ref, False, was, will))
    return SettingsPreview(
        waiting=n_waiting, resolved_recently=n_recent, days=days,
        before=dict(counts_before.most_common()), after=dict(counts_after.most_common()),
        changed=len(changes), moved_now=moved, unclosable=tuple(unclosable),
        examples=tuple(changes[:SHOWN_CHANGES]))
