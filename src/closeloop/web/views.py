"""Web pages: thin views over the same services the CLI and API use."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from closeloop.calls.queries import QUEUES, outstanding_calls, outstanding_summary


@login_required
def calls_outstanding(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue") if request.GET.get("queue") in QUEUES else None
    calls = outstanding_calls(request.user, queue).order_by("logged_at")[:200]
    return render(request, "web/outstanding.html", {
        "calls": calls, "summary": outstanding_summary(request.user), "queues": QUEUES, "queue": queue,
    })
