"""System Administration: the Closure SLA page of the current partition (business calendar and targets).

It needs IPK Setup; the services check it again, validate and audit every change (the settings history
below each form shows them).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.accounts.models import Analyst
from closeloop.closure import AdminRight, CloseloopError
from closeloop.partitions import closure_sla, lists
from closeloop.partitions import services as partitions
from closeloop.partitions.models import SettingsChange

from ..closure_sla_forms import CalendarForm, ClosureSlaForm
from ..desk_context import current_partition
from ..errors import refusals_as_http, refuse_in_form
from ..settings_history import history_entries

__all__ = ["closure_sla_page"]

HISTORY_SIZE = 20
_SUBJECTS = [SettingsChange.Subject.BUSINESS_CALENDAR, SettingsChange.Subject.CLOSURE_SLA]


@login_required
@refusals_as_http
def closure_sla_page(request: HttpRequest) -> HttpResponse:
    """Two forms, each saved with its own change reason: the calendar the clock runs on, and the targets."""
    analyst: Analyst = request.user
    partitions.require_admin(analyst, AdminRight.IPK_SETUP)
    partition = current_partition(request)
    calendar = closure_sla.calendar_as_dict(partition)
    targets = closure_sla.closure_sla_as_dict(partition)
    op = request.POST.get("op") if request.method == "POST" else None
    cal_form = CalendarForm(request.POST if op == "calendar" else None,
                            initial=CalendarForm.initial_from(calendar), prefix="cal")
    sla_form = ClosureSlaForm(request.POST if op == "targets" else None,
                              initial=ClosureSlaForm.initial_from(targets), prefix="sla")
    status = 200
    form = cal_form if op == "calendar" else sla_form if op == "targets" else None
    if form is not None:
        if not form.is_valid():
            status = 400
        else:
            try:
                if op == "calendar":
                    closure_sla.set_calendar(partition, analyst, cal_form.cleaned_data["change_reason"],
                                             timezone=cal_form.cleaned_data["timezone"], hours=cal_form.hours(),
                                             holidays=cal_form.cleaned_data["holidays"])
                    messages.success(request, f"Business calendar of {partition.name} saved.")
                else:
                    closure_sla.set_closure_sla(partition, analyst, sla_form.cleaned_data["change_reason"],
                                                targets=sla_form.targets(),
                                                warn_percent=sla_form.cleaned_data["warn_percent"])
                    messages.success(request, f"Closure SLA targets of {partition.name} saved; calls in the closure "
                                              "stage are measured against them at once.")
            except CloseloopError as exc:
                status = refuse_in_form(form, exc)
            else:
                return redirect("system-closure-sla")
    entries = history_entries(lists.settings_changes(analyst, partition.name, _SUBJECTS)[:HISTORY_SIZE])
    return render(request, "web/system/closure_sla.html", {
        "partition": partition, "cal_form": cal_form, "sla_form": sla_form, "targets": targets,
        "entries": entries}, status=status)
