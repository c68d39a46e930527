"""The closure-stage SLA: how long, in business time, a resolved call may wait for its closer.

A partition sets a target per priority (P1 4h, P2 8h ...) and a warning point (75% of the target used).
The clock starts when the call enters the closure stage with its current resolution (it is resolved,
or resolved again after a rejection or a refusal) and stops at the closure verdict (closed, rejected,
refused by the contact, auto-closed). Taking or forwarding the call within the stage does not restart
it. It is apart from any resolution SLA: the time before the call was resolved never counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .calendar import BusinessCalendar
from .errors import InvalidInput

__all__ = ["SlaState", "ClosureSlaPolicy", "SlaVerdict", "closure_sla_state", "DEFAULT_WARN_PERCENT",
           "PRIORITIES"]

PRIORITIES = (1, 2, 3, 4)
DEFAULT_WARN_PERCENT = 75


class SlaState(StrEnum):
    """Where a call stands against its closure-stage target."""

    MET = "met"
    RUNNING = "running"
    AT_RISK = "at_risk"
    BREACHED = "breached"

    @property
    def label(self) -> str:
        return {"met": "Met", "running": "On time", "at_risk": "About to breach",
                "breached": "Breached"}[self.value]


@dataclass(frozen=True)
class ClosureSlaPolicy:
    """A partition's closure-stage SLA: its business calendar, a target per priority (a priority without one
    has no closure SLA) and the share of the target after which a call is about to breach."""

    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    targets: Mapping[int, timedelta] = field(default_factory=dict)
    warn_percent: int = DEFAULT_WARN_PERCENT

    def __post_init__(self) -> None:
        for priority, target in self.targets.items():
            if priority not in PRIORITIES:
                raise InvalidInput(f"Closure SLA targets are per priority 1 to 4 (got {priority!r})",
                                   field="targets")
            if target <= timedelta(0):
                raise InvalidInput(f"The P{priority} target must be more than no time", field=f"p{priority}")
        if isinstance(self.warn_percent, bool) or not 1 <= self.warn_percent <= 99:
            raise InvalidInput(f"The warning point is a share of the target from 1 to 99% (got "
                               f"{self.warn_percent!r})", field="warn_percent")

    @property
    def active(self) -> bool:
        """The partition measures the closure stage (some priority has a target)."""
        return bool(self.targets)

    def target_for(self, priority: int) -> timedelta | None:
        return self.targets.get(priority)

    def verdict(self, priority: int, entered_at: datetime | None, now: datetime,
                decided_at: datetime | None = None) -> SlaVerdict | None:
        """The verdict for a call of `priority` in the closure stage since `entered_at` (None: no target)."""
        target = self.target_for(priority)
        if target is None or entered_at is None:
            return None
        return closure_sla_state(entered_at, now, target, self.calendar, self.warn_percent / 100,
                                 decided_at=decided_at)

    def met(self, priority: int, entered_at: datetime | None, decided_at: datetime) -> bool | None:
        """The verdict on a decision made at `decided_at` for a call of `priority` in the closure stage since
        `entered_at`: True met (decided by the due time), False breached, None when there is no target.
        The same as `verdict(...).state` of the decision, without counting the business time used."""
        target = self.target_for(priority)
        if target is None or entered_at is None:
            return None
        return decided_at <= self.calendar.deadline_after(entered_at, target)


@dataclass(frozen=True)
class SlaVerdict:
    """A call against its target: when it is due, when it is about to breach, the business time used and
    left (negative once overdue), and its state."""

    target: timedelta
    due_at: datetime
    warn_at: datetime
    elapsed: timedelta
    remaining: timedelta
    state: SlaState


def closure_sla_state(entered_at: datetime, now: datetime, target: timedelta, calendar: BusinessCalendar,
                      warn_fraction: float, *, decided_at: datetime | None = None) -> SlaVerdict:
    """The closure-stage verdict for a call that entered the stage at `entered_at`.

    Undecided, at `now`: breached once `due_at` has passed, about to breach once `warn_fraction` of the
    target is used, on time before. Decided at `decided_at`: met if decided by `due_at`, else breached.
    """
    if not 0 < warn_fraction < 1:
        raise InvalidInput(f"The warning point is a share of the target between 0 and 1 (got {warn_fraction})",
                           field="warn_percent")
    if target <= timedelta(0):
        raise InvalidInput("A closure SLA target must be more than no time", field="target")
    end = decided_at if decided_at is not None else now
    due_at = calendar.deadline_after(entered_at, target)
    warn_at = calendar.deadline_after(entered_at, target * warn_fraction)
    elapsed = calendar.business_time_between(entered_at, end)
    remaining = target - elapsed
    if end > due_at:
        state = SlaState.BREACHED
    elif decided_at is not None:
        state = SlaState.MET
    elif end >= warn_at:
        state = SlaState.AT_RISK
    else:
        state = SlaState.RUNNING
    return SlaVerdict(target, due_at, warn_at, elapsed, remaining, state)
