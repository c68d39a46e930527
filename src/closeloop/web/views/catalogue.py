"""System Administration: the Priority matrix and Categories pages of the current partition.

Both need IPK Setup; the catalogue services check it again, validate and audit every change (the
settings history shows them).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.accounts.models import Analyst
from closeloop.closure import AdminRight, CloseloopError, NotFound
from closeloop.closure.priority import Urgency
from closeloop.partitions import catalogue, lists
from closeloop.partitions import services as partitions
from closeloop.partitions.models import Partition, SettingsChange

from ..desk_context import current_partition
from ..edit_forms import CategoryAddForm, CategoryRenameForm, MatrixForm
from ..errors import refusals_as_http, refuse_in_form
from ..settings_history import history_entries

__all__ = ["priority_matrix", "categories"]

HISTORY_SIZE = 20


def _admin_page(request: HttpRequest) -> tuple[Analyst, Partition]:
    analyst: Analyst = request.user
    partitions.require_admin(analyst, AdminRight.IPK_SETUP)
    return analyst, current_partition(request)


def _history(analyst: Analyst, partition: Partition, subject: str) -> list:  # type: ignore[type-arg]
    return history_entries(lists.settings_changes(analyst, partition.name, [subject])[:HISTORY_SIZE])


@login_required
@refusals_as_http
def priority_matrix(request: HttpRequest) -> HttpResponse:
    """A 3×3 grid of priorities; saved with a change reason. Existing calls keep their priority."""
    analyst, partition = _admin_page(request)
    form = MatrixForm(request.POST or None, matrix=catalogue.load_matrix(partition))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.set_priority_matrix(partition, form.cells(), analyst, form.cleaned_data["change_reason"])
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
        else:
            messages.success(request, f"Priority matrix of {partition.name} saved; new calls and edits use it.")
            return redirect("system-priority-matrix")
    elif request.method == "POST":
        status = 400
    return render(request, "web/system/priority_matrix.html", {
        "form": form, "partition": partition, "urgencies": [u.name.title() for u in Urgency],
        "entries": _history(analyst, partition, SettingsChange.Subject.PRIORITY_MATRIX)}, status=status)


@login_required
@refusals_as_http
def categories(request: HttpRequest) -> HttpResponse:
    """The category tree, indented: add a category (at the top or under another), rename, deactivate or
    reactivate one."""
    analyst, partition = _admin_page(request)
    nodes = catalogue.category_tree(partition)
    add = CategoryAddForm(nodes=nodes)
    refused: tuple[int, CategoryRenameForm] | None = None
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "add":
                add = CategoryAddForm(request.POST, nodes=nodes)
                if not add.is_valid():
                    status = 400
                else:
                    row = catalogue.add_category(partition, add.cleaned_data["name"], actor=analyst,
                                                 parent=add.cleaned_data["parent"])
                    messages.success(request, f"Category {catalogue.category_path(row)} added.")
                    return redirect("system-categories")
            elif op in ("rename", "deactivate", "reactivate"):
                row = catalogue.get_category(int(request.POST.get("category", "0") or 0), analyst)
                if row.partition_id != partition.id:  # another partition of the analyst's: switch to it first
                    raise NotFound(f"No category #{row.id} in partition {partition.name}", field="category")
                if op == "rename":
                    rename = CategoryRenameForm(request.POST, prefix=f"c{row.id}")
                    if not rename.is_valid():
                        refused, status = (row.id, rename), 400
                    else:
                        try:
                            catalogue.rename_category(row, rename.cleaned_data["name"], analyst)
                        except CloseloopError as exc:
                            refused, status = (row.id, rename), refuse_in_form(rename, exc)
                        else:
                            messages.success(request, f"Category renamed to {catalogue.category_path(row)}.")
                            return redirect("system-categories")
                else:
                    catalogue.deactivate_category(row, analyst, active=op == "reactivate")
                    messages.success(request, f"Category {catalogue.category_path(row)} {op}d.")
                    return redirect("system-categories")
        except CloseloopError as exc:
            if op == "add":
                status = refuse_in_form(add, exc)
            else:
                messages.error(request, exc.message)
                return redirect("system-categories")
    rows = [(node, refused[1] if refused and refused[0] == node.category.id else
             CategoryRenameForm(prefix=f"c{node.category.id}", initial={"name": node.category.name}))
            for node in nodes]
    return render(request, "web/system/categories.html", {
        "partition": partition, "rows": rows, "add": add,
        "entries": _history(analyst, partition, SettingsChange.Subject.CATEGORIES)}, status=status)
