"""System Administration → Outbox: every e-mail the desk has queued, sent or given up on, what it said, and
the *Retry* of a failed one. Needs IPK Setup (`closeloop.notifications.outbox.OUTBOX_RIGHT`); shows only the
messages of partitions the viewer works in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from closeloop.accounts.models import Analyst
from closeloop.closure import CloseloopError
from closeloop.notifications import outbox as outbox_service
from closeloop.notifications.delivery import message_id_of, where_mail_goes
from closeloop.notifications.models import OutboxMessage

from ..errors import refusals_as_http

__all__ = ["outbox", "outbox_message"]

PAGE_SIZE = 50
STATES = [("", "All")] + [(s.value, s.label) for s in OutboxMessage.State]


@login_required
@refusals_as_http
def outbox(request: HttpRequest) -> HttpResponse:
    viewer: Analyst = request.user
    state = request.GET.get("state", "")
    state = state if state in dict(STATES) else ""
    rows = outbox_service.outbox_messages(viewer, state or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {s: outbox_service.outbox_messages(viewer, s).count() for s, _label in STATES if s}
    return render(request, "web/system/outbox.html", {
        "page": page, "state": state, "states": [(s, label, counts.get(s)) for s, label in STATES],
        "where": where_mail_goes()})


@login_required
@refusals_as_http
@require_http_methods(["GET", "POST"])
def outbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message as it was (or will be) sent; POST retries a failed one."""
    viewer: Analyst = request.user
    message = outbox_service.get_message(message_id, viewer)
    status = 200
    if request.method == "POST":
        try:
            outbox_service.retry_message(message.pk, viewer)
        except CloseloopError as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            messages.success(request, f"Message {message.pk} to {message.recipient} will be sent again by the "
                                      "worker.")
            return redirect("system-outbox-message", message_id=message.pk)
    return render(request, "web/system/outbox_message.html", {
        "message": message, "message_id": message_id_of(message), "where": where_mail_goes()}, status=status)
