"""Use cases for a partition's closure quality settings: the closure checklist and rejection categories.

Administrators with IPK Setup edit them; every change is audited with its change reason, the list
before and the list after. Items and categories are deactivated, never deleted, so the answers and
rejections already recorded keep their meaning.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from closeloop.accounts.models import Analyst
from closeloop.closure import InvalidInput, NotFound, limits

from .audit import audited_change
from .models import ChecklistItem, Partition, RejectionCategory, SettingsChange
from .services import UNSET, Unset

__all__ = [
    "checklist",
    "get_checklist_item",
    "add_checklist_item",
    "set_checklist_item",
    "move_checklist_item",
    "rejection_categories",
    "get_rejection_category",
    "add_rejection_category",
    "set_rejection_category",
]


_CHECKLIST = SettingsChange.Subject.CHECKLIST
_CATEGORIES = SettingsChange.Subject.REJECTION_CATEGORIES


def checklist(partition: Partition, include_inactive: bool = False) -> list[ChecklistItem]:
    """The partition's closure checklist in the order closers see it."""
    qs = ChecklistItem.objects.filter(partition=partition)
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.order_by("position", "id"))


def _audited_checklist(partition: Partition) -> dict[str, Any]:
    return {"items": [{"id": i.id, "text": i.text, "required": i.required, "active": i.active,
                       "position": i.position, "answered_by_contact": i.answered_by_contact}
                      for i in checklist(partition, include_inactive=True)]}


def get_checklist_item(partition: Partition, item_id: int | str) -> ChecklistItem:
    try:
        key = int(item_id)
    except (TypeError, ValueError):
        raise InvalidInput(f"A checklist item is named by its number (got {item_id!r})", field="item") from None
    item = ChecklistItem.objects.filter(partition=partition, pk=key).first()
    if item is None:
        raise NotFound(f"No checklist item {key} in partition {partition.name}", field="item")
    return item


@transaction.atomic
def add_checklist_item(partition: Partition, text: str, change_reason: str, actor: Analyst | None = None, *,
                       required: bool = True, answered_by_contact: bool = False) -> ChecklistItem:
    """Add a check closers make before closing ("User confirmed service restored"), at the end of the list.
    An item answered by the contact is ticked for the closer once the contact accepted the resolution."""
    text = limits.CHECKLIST_TEXT.clean(text)
    with audited_change(partition, _CHECKLIST, actor, change_reason, lambda: _audited_checklist(partition)):
        if ChecklistItem.objects.filter(partition=partition, active=True, text__iexact=text).exists():
            raise InvalidInput(f"The checklist of {partition.name} already has {text!r}", field="text")
        last = ChecklistItem.objects.filter(partition=partition).aggregate(last=Max("position"))["last"]
        item = ChecklistItem.objects.create(partition=partition, text=text, required=bool(required),
                                            answered_by_contact=bool(answered_by_contact),
                                            position=0 if last is None else last + 1)
    return item


@transaction.atomic
def set_checklist_item(item: ChecklistItem, change_reason: str, actor: Analyst | None = None, *,
                       text: str | Unset = UNSET, required: bool | Unset = UNSET,
                       active: bool | Unset = UNSET, answered_by_contact: bool | Unset = UNSET) -> ChecklistItem:
    """Reword an item, make it optional or required, answered by the contact's confirmation or by the closer,
    deactivate or reactivate it (audited)."""
    partition = item.partition
    with audited_change(partition, _CHECKLIST, actor, change_reason, lambda: _audited_checklist(partition)):
        item = ChecklistItem.objects.get(pk=item.pk)
        if text is not UNSET:
            item.text = limits.CHECKLIST_TEXT.clean(text)
        if required is not UNSET:
            item.required = bool(required)
        if active is not UNSET:
            item.active = bool(active)
        if answered_by_contact is not UNSET:
            item.answered_by_contact = bool(answered_by_contact)
        item.save()
    return item


def _position(raw: int | str, count: int) -> int:
    try:
        place = int(raw)
    except (TypeError, ValueError):
        place = 0
    if not 1 <= place <= count:
        raise InvalidInput(f"Position must be a number from 1 to {count} (got {raw!r})", field="position")
    return place


@transaction.atomic
def move_checklist_item(item: ChecklistItem, position: int, change_reason: str,
                        actor: Analyst | None = None) -> list[ChecklistItem]:
    """Put an item at a new place (1 = first) in the checklist; the others keep their order (audited)."""
    partition = item.partition
    with audited_change(partition, _CHECKLIST, actor, change_reason, lambda: _audited_checklist(partition)):
        items = checklist(partition, include_inactive=True)
        place = _position(position, len(items))
        ordered = [i for i in items if i.pk != item.pk]
        ordered.insert(place - 1, next(i for i in items if i.pk == item.pk))
        for index, entry in enumerate(ordered):
            if entry.position != index:
                entry.position = index
                entry.save(update_fields=["position"])
    return checklist(partition, include_inactive=True)


def rejection_categories(partition: Partition, include_inactive: bool = False) -> list[RejectionCategory]:
    """Why a closer may send a resolution back, as the reject form lists them."""
    qs = RejectionCategory.objects.filter(partition=partition)
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.order_by("code"))


def _audited_categories(partition: Partition) -> dict[str, Any]:
    return {c.code: {"label": c.label, "active": c.active}
            for c in rejection_categories(partition, include_inactive=True)}


def get_rejection_category(partition: Partition, code: str) -> RejectionCategory:
    category = RejectionCategory.objects.filter(partition=partition, code=(code or "").strip()).first()
    if category is None:
        raise NotFound(f"No rejection category {code!r} in partition {partition.name}", field="code")
    return category


@transaction.atomic
def add_rejection_category(partition: Partition, code: str, label: str, change_reason: str,
                           actor: Analyst | None = None) -> RejectionCategory:
    """Add a reason category for rejections ("not_fixed" - Not fixed), audited."""
    code = limits.CATEGORY_CODE.clean(code)
    if any(ch.isspace() for ch in code):
        raise InvalidInput(f"A category code has no spaces (got {code!r}); use e.g. not_fixed", field="code")
    label = limits.CATEGORY_LABEL.clean(label)
    with audited_change(partition, _CATEGORIES, actor, change_reason, lambda: _audited_categories(partition)):
        if RejectionCategory.objects.filter(partition=partition, code=code).exists():
            raise InvalidInput(f"Partition {partition.name} already has a rejection category {code!r}",
                               field="code")
        category = RejectionCategory.objects.create(partition=partition, code=code, label=label)
    return category


@transaction.atomic
def set_rejection_category(category: RejectionCategory, change_reason: str, actor: Analyst | None = None, *,
                           label: str | Unset = UNSET, active: bool | Unset = UNSET) -> RejectionCategory:
    """Relabel, deactivate or reactivate a rejection category (audited)."""
    partition = category.partition
    with audited_change(partition, _CATEGORIES, actor, change_reason, lambda: _audited_categories(partition)):
        category = RejectionCategory.objects.get(pk=category.pk)
        if label is not UNSET:
            category.label = limits.CATEGORY_LABEL.clean(label)
        if active is not UNSET:
            category.active = bool(active)
        category.save()
    return category
