"""A partition's call catalogue: its impact × urgency priority matrix and its tree of call categories.

Both are configuration, changed by analysts with the IPK Setup right and audited with a change reason
like the closure settings (`audit.audited_change`). Calls read them: a call's priority comes off the
matrix, its category is an active category of its partition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from closeloop.accounts.models import Analyst
from closeloop.closure import InvalidInput, NotFound
from closeloop.closure.priority import DEFAULT_MATRIX, Impact, Urgency, check_matrix, priority_label

from .audit import audited_change
from .models import Category, Partition, PriorityMatrix, SettingsChange
from .snapshot import remembered

__all__ = [
    "PATH_SEPARATOR",
    "CategoryNode",
    "load_matrix",
    "matrix_cells",
    "set_priority_matrix",
    "category_tree",
    "category_path",
    "find_category",
    "get_category",
    "add_category",
    "rename_category",
    "deactivate_category",
]

PATH_SEPARATOR = " › "
# "Hardware › Laptop", "Hardware > Laptop" and "Hardware/Laptop" all name the same category
_SPLIT = re.compile(r"\s*(?:›|>|/)\s*")
_NAME_MAX = Category._meta.get_field("name").max_length  # type: ignore[union-attr]


def _key(impact: int, urgency: int) -> str:
    return f"{impact},{urgency}"


def load_matrix(partition: Partition) -> dict[tuple[int, int], int]:
    """The partition's matrix, or the default one when it has none of its own (kept while the desk stays the
    same: a change to the matrix changes its version)."""
    def read() -> dict[tuple[int, int], int]:
        row = PriorityMatrix.objects.filter(partition=partition).order_by().first()
        return check_matrix(row.as_matrix()) if row is not None else dict(DEFAULT_MATRIX)

    return dict(remembered(("priority-matrix", partition.id), read, shared=True))  # a copy: callers change it


def matrix_cells(matrix: dict[tuple[int, int], int]) -> dict[str, int]:
    """The matrix as stored and audited: {"impact,urgency": priority}."""
    return {_key(i, u): p for (i, u), p in sorted(matrix.items())}


def _audited_matrix(matrix: dict[tuple[int, int], int]) -> dict[str, str]:
    """The matrix as the settings history shows it: "Impact High × urgency Low": "P3 Medium"."""
    return {f"Impact {Impact(i).name.title()} × urgency {Urgency(u).name.title()}": priority_label(p)
            for (i, u), p in sorted(matrix.items())}


def set_priority_matrix(partition: Partition, cells: dict[Any, Any], actor: Analyst | None = None,
                        change_reason: str = "") -> PriorityMatrix:
    """Set the partition's impact × urgency → priority matrix (every cell 1 to 4), audited.

    `cells` maps (impact, urgency) or "impact,urgency" to a priority; a cell left out keeps its value.
    Existing calls keep their priority; new calls and edits read the new matrix.
    """
    with transaction.atomic():
        row = PriorityMatrix.objects.filter(partition=partition).first()
        with audited_change(partition, SettingsChange.Subject.PRIORITY_MATRIX, actor,
                            change_reason, lambda: _audited_matrix(load_matrix(partition))):
            merged = load_matrix(partition)
            for key, value in cells.items():
                impact, urgency = _cell(key)
                merged[(impact, urgency)] = _level(value, impact, urgency)
            checked = check_matrix(merged)
            if row is None:
                row = PriorityMatrix(partition=partition)
            elif matrix_cells(checked) != row.cells:
                row.version += 1
            row.cells = matrix_cells(checked)
            row.save()
    return row


def _cell(key: Any) -> tuple[int, int]:
    parts = key if isinstance(key, tuple) else str(key).replace(" ", "").split(",")
    try:
        impact, urgency = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise InvalidInput(f"A matrix cell is named 'impact,urgency', each 1 to 3 (got {key!r})",
                           field="cells") from None
    if impact not in {i.value for i in Impact} or urgency not in {u.value for u in Urgency}:
        raise InvalidInput(f"A matrix cell is named 'impact,urgency', each 1 to 3 (got {key!r})", field="cells")
    return impact, urgency


def _level(value: Any, impact: int, urgency: int) -> int:
    text = str(value).strip().upper().removeprefix("P")
    if isinstance(value, bool) or not text.isdigit() or int(text) not in (1, 2, 3, 4):
        raise InvalidInput(f"impact {Impact(impact).name.title()} × urgency {Urgency(urgency).name.title()} needs "
                           f"a priority from 1 to 4 (got {value!r})", field=f"p_{impact}_{urgency}")
    return int(text)


@dataclass(frozen=True)
class CategoryNode:
    """A category in its tree: how deep it sits and its full path ("Hardware › Laptop")."""

    category: Category
    depth: int
    path: str

    @property
    def active(self) -> bool:
        """Active, and so are all its parents (a category under a deactivated one is not offered)."""
        return bool(self.category.active) and self._parents_active

    _parents_active: bool = True


def category_tree(partition: Partition | int, *, active_only: bool = False) -> list[CategoryNode]:
    """The partition's categories depth first, each parent before its children, siblings by name (one query, kept
    by each node while the desk version stays the same; each call gets instances of its own)."""
    partition_id = partition if isinstance(partition, int) else partition.id
    names = [f.attname for f in Category._meta.concrete_fields]
    kept = remembered(("categories", partition_id), lambda: tuple(
        Category.objects.filter(partition=partition_id).order_by("name", "id").values_list(*names)), shared=True)
    rows = [Category.from_db(None, names, values) for values in kept]
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[CategoryNode] = []

    def walk(parent_id: int | None, depth: int, prefix: str, parents_active: bool) -> None:
        for row in children.get(parent_id, []):
            path = f"{prefix}{PATH_SEPARATOR}{row.name}" if prefix else row.name
            node = CategoryNode(row, depth, path, parents_active)
            if node.active or not active_only:
                out.append(node)
            walk(row.id, depth + 1, path, node.active)

    walk(None, 0, "", True)
    return out


def category_path(category: Category | None) -> str | None:
    """"Hardware › Laptop" for Laptop under Hardware (one query per level; trees are shallow)."""
    if category is None:
        return None
    names, node = [category.name], category
    while node.parent_id is not None:
        node = node.parent
        names.append(node.name)
    return PATH_SEPARATOR.join(reversed(names))


def find_category(partition: Partition, value: Category | int | str, field: str = "category", *,
                  active: bool = True) -> Category:
    """A category of the partition named by id or path ("Hardware › Laptop"); an inactive one (or one under
    an inactive parent) is refused when `active`."""
    if isinstance(value, Category):
        found = value if value.partition_id == partition.id else None
        shown = value.name
    else:
        shown = str(value).strip()
        found = None
        for node in category_tree(partition):
            if (shown.isdigit() and node.category.id == int(shown)) or _SPLIT.split(shown) == node.path.split(
                    PATH_SEPARATOR):
                found = node.category
                break
    if found is None:
        raise InvalidInput(f"No category {shown!r} in partition {partition.name}: pick one of its categories "
                           "(System Administration › Categories)", field=field)
    if active:
        node = next(n for n in category_tree(partition) if n.category.id == found.id)
        if not node.active:
            raise InvalidInput(f"Category {node.path} is deactivated: pick an active category", field=field)
    return found


def _audited_categories(partition: Partition) -> dict[str, Any]:
    return {node.path: {"active": bool(node.category.active)} for node in category_tree(partition)}


def _clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidInput("A category needs a name", field="name")
    if len(text) > _NAME_MAX or _SPLIT.search(text):
        raise InvalidInput(f"A category name has at most {_NAME_MAX} characters and no ›, > or /", field="name")
    return text


def _check_free(partition: Partition, parent: Category | None, name: str, except_id: int | None = None) -> None:
    taken = Category.objects.filter(partition=partition, parent=parent, name__iexact=name).exclude(pk=except_id)
    if taken.exists():
        where = f"under {category_path(parent)}" if parent else "at the top level"
        raise InvalidInput(f"Partition {partition.name} already has a category {name!r} {where}", field="name")


@transaction.atomic
def add_category(partition: Partition, name: str, *, parent: Category | int | str | None = None,
                 actor: Analyst | None = None, change_reason: str = "") -> Category:
    """Add a category at the top level or under `parent` (a category of the same partition), audited."""
    text = _clean_name(name)
    with audited_change(partition, SettingsChange.Subject.CATEGORIES, actor,
                        change_reason or f"Added category {text}", lambda: _audited_categories(partition)):
        above = find_category(partition, parent, "parent", active=False) if parent not in (None, "") else None
        _check_free(partition, above, text)
        category = Category.objects.create(partition=partition, parent=above, name=text)
    return category


def get_category(category: Category | int, viewer: Analyst | None) -> Category:
    """A category by id, if the viewer works in its partition (else NotFound, as if it did not exist)."""
    if isinstance(category, Category):
        return category
    found = Category.objects.visible_to(viewer).select_related("partition").filter(pk=category).first()
    if found is None:
        raise NotFound(f"No category #{category} in your partitions", field="category")
    return found


@transaction.atomic
def rename_category(category: Category | int, name: str, actor: Analyst | None = None,
                    change_reason: str = "") -> Category:
    """Rename a category (calls filed under it follow: they link to it, not to its name), audited."""
    row = get_category(category, actor)
    text = _clean_name(name)
    partition = row.partition
    with audited_change(partition, SettingsChange.Subject.CATEGORIES, actor,
                        change_reason or f"Renamed category {row.name} to {text}",
                        lambda: _audited_categories(partition)):
        _check_free(partition, row.parent, text, row.id)
        row.name = text
        row.save(update_fields=["name"])
    return row


@transaction.atomic
def deactivate_category(category: Category | int, actor: Analyst | None = None, change_reason: str = "", *,
                        active: bool = False) -> Category:
    """Deactivate a category (and so, in effect, everything under it) or reactivate it, audited.

    Calls already filed under it keep it; it is no longer offered for new calls and edits.
    """
    row = get_category(category, actor)
    partition = row.partition
    verb = "Reactivated" if active else "Deactivated"
    with audited_change(partition, SettingsChange.Subject.CATEGORIES, actor,
                        change_reason or f"{verb} category {category_path(row)}",
                        lambda: _audited_categories(partition)):
        row.active = active
        row.save(update_fields=["active"])
    return row
