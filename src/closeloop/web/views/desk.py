"""Signing in, switching partition, Calls Outstanding (with its live counts) and the analyst's profile."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from closeloop.accounts.models import Analyst, ApiToken
from closeloop.accounts.services import create_token, revoke_token
from closeloop.calls.closure_sla import policies_for, verdicts_for
from closeloop.calls.queries import QUEUES, count_queues, outstanding_calls, outstanding_rows
from closeloop.calls.services import get_call
from closeloop.closure import CloseloopError
from closeloop.partitions.models import IpkGroup
from closeloop.partitions.services import call_workers

from ..desk_context import choose_partition, current_partition
from ..errors import refusals_as_http, refuse_in_form
from ..sessions import not_activity

__all__ = ["SignInView", "csrf_failure", "favicon", "locked_out", "switch_partition", "calls_outstanding",
           "queue_counts", "assignee_choices", "profile", "revoke"]

PAGE_SIZE = 25


class CountedPaginator(Paginator):
    """A paginator told how many rows its list holds (counted already), so it runs no COUNT of its own."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # `count` is a cached property: this is its value
# The sorts an analyst can pick on Calls Outstanding: oldest first is the desk's default.
OUTSTANDING_SORTS = {"age": "logged_at", "-age": "-logged_at", "priority": "priority", "-priority": "-priority"}


class SignInView(auth_views.LoginView):
    """Sign in; when the demo desk is loaded the page tells a newcomer its credentials."""

    template_name = "web/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo"] = _demo_credentials()
        return context


def locked_out(request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None) -> HttpResponse:
    """The sign-in page again, saying why signing in is refused and for how long (django-axes calls it)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    message = (f"Too many failed sign-ins for {username or 'this user name'}: signing in is paused for "
               f"{minutes} minutes, even with the right password. Try again later, or ask a Security Admin "
               "to lift the lock.")
    return render(request, SignInView.template_name, {"form": form, "locked_out": message,
                                                      "next": request.POST.get("next", "")}, status=429)


def _demo_credentials() -> dict[str, Any] | None:
    from closeloop.demo import DEMO_ANALYSTS, DEMO_PASSWORD

    # Shown only while a demo account still accepts the demo password: never on a real desk.
    sample = Analyst.objects.filter(username__in=list(DEMO_ANALYSTS)[:1], is_active=True).first()
    if sample is None or not sample.check_password(DEMO_PASSWORD):
        return None
    return {"password": DEMO_PASSWORD, "users": ["admin", *DEMO_ANALYSTS]}


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (an old tab, cookies blocked, or another site's page): say so
    in Closeloop's own page, not Django's, and say what to do."""
    message = ("This form had expired or did not come from Closeloop, so nothing was saved. Go back, reload the "
               "page and send it again (Closeloop needs cookies to be allowed).")
    return render(request, "403.html", {"exception": message}, status=403)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page whatever the page links: send them to Closeloop's icon."""
    return redirect(static("closeloop/favicon.svg"))


@login_required
@require_POST
@refusals_as_http
def switch_partition(request: HttpRequest) -> HttpResponse:
    partition = choose_partition(request, request.POST.get("partition", ""))
    messages.info(request, f"You are now working in partition {partition.name}.")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


def _queue_tabs(request: HttpRequest, queue: str | None) -> dict[str, Any]:
    partition = current_partition(request)
    counts = count_queues(request.user, partition.id)
    tabs = [(key, label, counts[key]) for key, label in QUEUES.items()]
    total = sum(counts.values())
    return {"tabs": tabs, "total": total, "queue": queue, "partition": partition,
            "shown": counts[queue] if queue else total}


@login_required
@refusals_as_http
def calls_outstanding(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue") if request.GET.get("queue") in QUEUES else None
    sort = request.GET.get("sort") if request.GET.get("sort") in OUTSTANDING_SORTS else "age"
    context = _queue_tabs(request, queue)
    calls = outstanding_calls(request.user, queue, context["partition"].id).order_by(
        OUTSTANDING_SORTS[sort], "id")
    # the queues' counts already say how many rows there are: the paginator need not count them again
    page = CountedPaginator(calls, PAGE_SIZE, context["shown"]).get_page(request.GET.get("page"))
    # the page links keep the queue and the sort; the page numbers elide the middle of a long list
    keep = urlencode({k: v for k, v in (("queue", queue), ("sort", sort)) if v})
    numbers = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return render(request, "web/outstanding.html", {
        **context, "page": page, "rows": outstanding_rows(page.object_list), "sort": sort, "keep": keep,
        # the closure-stage SLA of the partition, read once for the page (one query)
        "sla": verdicts_for(page.object_list, policies_for(request.user, context["partition"].id)),
        "page_numbers": numbers, "ellipsis": Paginator.ELLIPSIS,
        "queue_label": QUEUES.get(queue or "", "All my queues")})


@not_activity
@login_required
@refusals_as_http
def queue_counts(request: HttpRequest) -> HttpResponse:
    """The tab strip alone, polled by htmx so the counts stay current."""
    queue = request.GET.get("queue") if request.GET.get("queue") in QUEUES else None
    return render(request, "web/_queue_tabs.html", _queue_tabs(request, queue))


@not_activity
@login_required
@refusals_as_http
def assignee_choices(request: HttpRequest, ref: str) -> HttpResponse:
    """The Assign form's analyst options for the group just chosen (htmx): only analysts who can work the call."""
    call = get_call(ref, request.user)
    raw = request.GET.get("assign-group", "").strip()
    group = IpkGroup.objects.filter(partition=call.partition_id, active=True, pk=raw).first() if raw.isdigit() \
        else None
    return render(request, "web/_assignee_choices.html", {"analysts": call_workers(call.partition, group),
                                                          "group": group})


class TokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=80, initial="API token",
                           help_text="Say where it will be used, e.g. 'monitoring script'")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The analyst's own page: who they are, their partitions, and their personal API tokens."""
    analyst: Analyst = request.user
    form = TokenForm(request.POST or None)
    new_key, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = create_token(analyst, form.cleaned_data["name"])
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
        else:
            form = TokenForm()
            messages.success(request, f"Token {token.name} created. Copy it now: it is shown only once.")
    elif request.method == "POST":
        status = 400
    tokens = ApiToken.objects.filter(analyst=analyst)
    memberships = analyst.memberships.select_related("partition", "ipk_role").order_by("partition__name")
    return render(request, "web/profile.html", {"form": form, "new_key": new_key, "tokens": tokens,
                                                "memberships": memberships}, status=status)


@login_required
@require_POST
@refusals_as_http
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = revoke_token(request.user, token_id)
    messages.success(request, f"Token {token.name} ({token.prefix}…) revoked: it no longer works.")
    return redirect("profile")
