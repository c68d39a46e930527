"""Reports / Quality settings: the closure checklist and the rejection categories of the current partition.

Administrators with IPK Setup add, reword, reorder, deactivate and reactivate them; every change
goes through `closeloop.partitions.quality`, which checks the right and audits it with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.accounts.models import Analyst
from closeloop.closure import AdminRight, CloseloopError
from closeloop.partitions import lists, quality
from closeloop.partitions.models import Partition, SettingsChange
from closeloop.partitions.services import UNSET, require_admin
from closeloop.web.desk_context import current_partition
from closeloop.web.errors import refusals_as_http, refuse_in_form
from closeloop.web.settings_history import history_entries

from .forms import CategoryForm, CategoryLabelForm, ChecklistItemForm
from .services import REPORTS

__all__ = ["quality_settings"]

_SUBJECTS = [SettingsChange.Subject.CHECKLIST, SettingsChange.Subject.REJECTION_CATEGORIES]


def _item_forms(partition: Partition, failed: tuple[str, forms.Form] | None) -> list[tuple[Any, forms.Form]]:
    listing = []
    for place, item in enumerate(quality.checklist(partition, include_inactive=True), start=1):
        key = f"item{item.id}"
        form = failed[1] if failed and failed[0] == key else ChecklistItemForm(
            prefix=key, initial={"text": item.text, "required": item.required, "position": place,
                                 "answered_by_contact": item.answered_by_contact})
        listing.append((item, form))
    return listing


def _category_forms(partition: Partition, failed: tuple[str, forms.Form] | None) -> list[tuple[Any, forms.Form]]:
    listing = []
    for category in quality.rejection_categories(partition, include_inactive=True):
        key = f"cat{category.id}"
        form = failed[1] if failed and failed[0] == key else CategoryLabelForm(
            prefix=key, initial={"label": category.label})
        listing.append((category, form))
    return listing


def _operation(request: HttpRequest, partition: Partition, actor: Analyst
               ) -> tuple[str, forms.Form, Callable[[dict[str, Any]], str]]:
    """Which form was posted, and the one use case that applies it (returning the message to show)."""
    op, target = request.POST.get("op", ""), request.POST.get("target", "")
    if op == "add-item":
        def add_item(d: dict[str, Any]) -> str:
            item = quality.add_checklist_item(partition, d["text"], d["change_reason"], actor, required=d["required"],
                                              answered_by_contact=d["answered_by_contact"])
            return f"Checklist item added: {item.text}"
        return "new-item", ChecklistItemForm(request.POST, prefix="new-item"), add_item
    if op == "add-category":
        def add_category(d: dict[str, Any]) -> str:
            category = quality.add_rejection_category(partition, d["code"], d["label"], d["change_reason"], actor)
            return f"Rejection category {category.code} added"
        return "new-category", CategoryForm(request.POST, prefix="new-category"), add_category
    if op in ("edit-item", "move-item", "deactivate-item", "activate-item"):
        item = quality.get_checklist_item(partition, target)
        key = f"item{item.id}"

        def apply_item(d: dict[str, Any]) -> str:
            if op == "move-item":
                quality.move_checklist_item(item, d["position"] or 0, d["change_reason"], actor)
                return f"Checklist item moved to position {d['position']}"
            changes = ({"text": d["text"], "required": d["required"],
                        "answered_by_contact": d["answered_by_contact"]} if op == "edit-item"
                       else {"active": op == "activate-item"})
            quality.set_checklist_item(item, d["change_reason"], actor, **changes)
            return "Checklist item saved"
        return key, ChecklistItemForm(request.POST, prefix=key), apply_item
    category = quality.get_rejection_category(partition, target)
    key = f"cat{category.id}"

    def apply_category(d: dict[str, Any]) -> str:
        active = UNSET if op == "edit-category" else op == "activate-category"
        label = d["label"] if op == "edit-category" else UNSET
        quality.set_rejection_category(category, d["change_reason"], actor, label=label, active=active)
        return f"Rejection category {category.code} saved"
    return key, CategoryLabelForm(request.POST, prefix=key), apply_category


@login_required
@refusals_as_http
def quality_settings(request: HttpRequest) -> HttpResponse:
    actor: Analyst = request.user  # type: ignore[assignment]
    require_admin(actor, AdminRight.IPK_SETUP)
    partition = current_partition(request)
    failed: tuple[str, forms.Form] | None = None
    status = 200
    if request.method == "POST":
        key, form, apply = _operation(request, partition, actor)
        if not form.is_valid():
            failed, status = (key, form), 400
        else:
            try:
                message = apply(form.cleaned_data)
            except CloseloopError as exc:
                failed, status = (key, form), refuse_in_form(form, exc)
            else:
                messages.success(request, f"{message} (change recorded in the audit trail).")
                return redirect("report-quality")
    history = lists.settings_changes(request.user, partition.name, _SUBJECTS)[:30]
    return render(request, "reports/quality.html", {
        "partition": partition, "reports": REPORTS.values(), "entries": history_entries(history),
        "items": _item_forms(partition, failed), "categories": _category_forms(partition, failed),
        "new_item": failed[1] if failed and failed[0] == "new-item" else ChecklistItemForm(prefix="new-item"),
        "new_category": failed[1] if failed and failed[0] == "new-category" else CategoryForm(prefix="new-category"),
    }, status=status)
