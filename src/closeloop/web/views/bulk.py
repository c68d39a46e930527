"""The bulk action of the calls list and Calls Outstanding: the bar's form posts here.

A complete request runs the bulk service and shows each call's outcome; an incomplete one (no call ticked,
no action, a missing field) is shown again with what to fix, and no call is touched.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from closeloop.calls.bulk import bulk_action
from closeloop.closure import CloseloopError

from ..bulk_forms import BulkForm
from ..desk_context import current_partition
from ..errors import refusals_as_http

__all__ = ["bulk_calls"]


def _back_to(request: HttpRequest, form: BulkForm) -> str:
    """The list the analyst came from (only a page of this site), else Calls Outstanding."""
    wanted = (form.data.get("next") or "").strip()
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    return wanted if wanted and safe else reverse("outstanding")


@login_required
@require_POST
@refusals_as_http
def bulk_calls(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, partition=current_partition(request), analyst=request.user)
    back = _back_to(request, form)
    status = 400
    if form.is_valid():
        try:
            result = bulk_action(form.cleaned_data["action"], form.cleaned_data["refs"], request.user,
                                 **form.inputs())
        except CloseloopError as exc:
            status = form.refuse(exc)
        else:
            return render(request, "web/bulk_result.html", {"result": result, "back": back})
    return render(request, "web/bulk_form.html", {"form": form, "back": back}, status=status)
