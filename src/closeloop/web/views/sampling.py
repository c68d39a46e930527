"""System Administration: the Sampling policy page of the current partition (IPK Setup).

The partition services check the right again, validate the policy and audit the change; the page shows
the policy, the form to change it, and its history. A change is saved in two steps, as the closure settings
are: the policy is checked and the calls it would sample are previewed, then the change reason is asked for
and the policy saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.calls.sampling_preview import preview_sampling_policy
from closeloop.closure import CloseloopError
from closeloop.partitions import sampling
from closeloop.partitions.models import SettingsChange
from closeloop.partitions.services import load_settings

from ..errors import refusals_as_http, refuse_in_form
from ..sampling_forms import SamplingPolicyForm
from .catalogue import _admin_page, _history

__all__ = ["sampling_policy"]


CHECKING = "checking the sampling policy"  # the dry run's reason: it is never kept


@login_required
@refusals_as_http
def sampling_policy(request: HttpRequest) -> HttpResponse:
    """Which resolved calls the closure target must validate; the others close on the contact's acceptance
    or at the expiry of their Call Auto Close rule. Saved in two steps: checked and previewed, then saved with
    the change reason."""
    analyst, partition = _admin_page(request)
    row = sampling.sampling_settings(partition)
    form = SamplingPolicyForm(request.POST or None, initial=SamplingPolicyForm.initial_for(row.as_value()))
    status, confirm, preview = 200, False, None

    def save(reason: str, dry_run: bool) -> sampling.PolicySaved:
        return sampling.set_sampling_policy(partition, reason, analyst, dry_run=dry_run, **form.values())

    if request.method == "POST" and form.is_valid():
        confirming = request.POST.get("step") == "confirm"
        try:
            saved = save(form.cleaned_data["change_reason"] if confirming else CHECKING, dry_run=not confirming)
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
            confirm = confirming and exc.field == "change_reason"
            if confirm:  # the policy passed its check before: show its preview again with the prompt
                preview = preview_sampling_policy(partition, save(CHECKING, True).policy, before=row.as_value())
        else:
            if confirming:
                done = f"saved as version {saved.version}" if saved.changed else "unchanged"
                messages.success(request, f"Sampling policy of {partition.name} {done}; calls resolved from now "
                                          "on are decided under it.")
                return redirect("system-sampling")
            confirm, preview = True, preview_sampling_policy(partition, saved.policy, before=row.as_value())
    elif request.method == "POST":
        status = 400
    return render(request, "web/system/sampling.html", {
        "form": form, "partition": partition, "version": row.version, "policy": row.as_value(),
        "confirm": confirm, "preview": preview,
        "no_acceptance_reason": load_settings(partition).acceptance_reason_id is None,
        "entries": _history(analyst, partition, SettingsChange.Subject.SAMPLING_POLICY)}, status=status)
