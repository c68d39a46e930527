"""System Administration: the Sampling policy page of the current partition (IPK Setup).

The partition services check the right again, validate the policy and audit the change; the page shows
the policy, the form to change it with a change reason, and its history.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.closure import CloseloopError
from closeloop.partitions import sampling
from closeloop.partitions.models import SettingsChange
from closeloop.partitions.services import load_settings

from ..errors import refusals_as_http, refuse_in_form
from ..sampling_forms import SamplingPolicyForm
from .catalogue import _admin_page, _history

__all__ = ["sampling_policy"]


@login_required
@refusals_as_http
def sampling_policy(request: HttpRequest) -> HttpResponse:
    """Which resolved calls the closure target must validate; the others close on the contact's acceptance
    or at the expiry of their Call Auto Close rule."""
    analyst, partition = _admin_page(request)
    row = sampling.sampling_settings(partition)
    form = SamplingPolicyForm(request.POST or None, initial=SamplingPolicyForm.initial_for(row.as_value()))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = sampling.set_sampling_policy(partition, form.cleaned_data["change_reason"], analyst,
                                                 **form.values())
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
        else:
            done = f"saved as version {saved.version}" if saved.changed else "unchanged"
            messages.success(request, f"Sampling policy of {partition.name} {done}; calls resolved from now on "
                                      "are decided under it.")
            return redirect("system-sampling")
    elif request.method == "POST":
        status = 400
    return render(request, "web/system/sampling.html", {
        "form": form, "partition": partition, "version": row.version, "policy": row.as_value(),
        "no_acceptance_reason": load_settings(partition).acceptance_reason_id is None,
        "entries": _history(analyst, partition, SettingsChange.Subject.SAMPLING_POLICY)}, status=status)
