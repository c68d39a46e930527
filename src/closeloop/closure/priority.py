"""Priority from impact and urgency: a per-partition matrix of P1 (critical) to P4 (low).

A call's priority is not typed in but read off the partition's matrix: how many people or how much of the
business it affects (impact) against how soon it must be fixed (urgency), as ITIL desks do.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

from .errors import InvalidInput

__all__ = ["Impact", "Urgency", "PRIORITY_LABELS", "DEFAULT_MATRIX", "PriorityMatrix", "priority_for",
           "check_matrix", "priority_label"]


class Impact(IntEnum):
    """How much of the business the call affects."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3

    @property
    def label(self) -> str:
        return {1: "High — many users or a whole service", 2: "Medium — a team or a site",
                3: "Low — one user"}[self.value]


class Urgency(IntEnum):
    """How soon the call must be fixed."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3

    @property
    def label(self) -> str:
        return {1: "High — work has stopped", 2: "Medium — work is impaired", 3: "Low — a workaround exists"}[
            self.value]


PRIORITY_LABELS = {1: "P1 Critical", 2: "P2 High", 3: "P3 Medium", 4: "P4 Low"}

# (impact, urgency) -> priority; every cell present
PriorityMatrix = Mapping[tuple[int, int], int]

DEFAULT_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 4,
}


def priority_label(priority: int) -> str:
    """"P2 High" for 2."""
    return PRIORITY_LABELS.get(priority, f"P{priority}")


def check_matrix(matrix: PriorityMatrix) -> dict[tuple[int, int], int]:
    """The matrix as a complete dict, or `InvalidInput` naming the cell to fix."""
    cells: dict[tuple[int, int], int] = {}
    for impact in Impact:
        for urgency in Urgency:
            value = matrix.get((impact.value, urgency.value))
            if value not in PRIORITY_LABELS:
                raise InvalidInput(f"impact {impact.name.title()} × urgency {urgency.name.title()} needs a priority "
                                   f"from 1 to 4 (got {value!r})", field=f"p_{impact.value}_{urgency.value}")
            cells[(impact.value, urgency.value)] = value
    return cells


def priority_for(impact: int, urgency: int, matrix: PriorityMatrix | None = None) -> int:
    """The priority the matrix gives `impact` × `urgency` (the default matrix when the partition has none)."""
    for value, kind, field in ((impact, Impact, "impact"), (urgency, Urgency, "urgency")):
        if value not in {m.value for m in kind}:
            raise InvalidInput(f"{field} must be 1 (high), 2 (medium) or 3 (low) (got {value!r})", field=field)
    return (matrix or DEFAULT_MATRIX).get((impact, urgency), DEFAULT_MATRIX[(impact, urgency)])
