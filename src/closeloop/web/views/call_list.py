"""The calls list: every call the analyst may see, open and closed, searched, filtered, sorted and paged,
with the analyst's saved searches. The filters are `calls.filters.CallFilterSet`, as for the API and CLI."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from closeloop.calls.filters import FILTER_NAMES, PAGE_SIZES, CallFilterSet, CallPage, list_calls
from closeloop.calls.models import Call
from closeloop.calls.saved_searches import delete_saved_search, save_search, saved_searches
from closeloop.closure import CloseloopError

from ..errors import refusals_as_http, refuse_in_form

__all__ = ["call_list", "save_search_view", "delete_search_view", "PAGE_SIZE"]

PAGE_SIZE = 25
# The table's sortable columns: (sort key, heading)
COLUMNS = [("ref", "Ref"), ("summary", "Summary"), ("type", "Type"), ("status", "Status"),
           ("priority", "Priority"), ("group", "Group"), ("analyst", "Analyst"), ("age", "Age")]
# Filters kept out of sight in "More filters" unless one is set
_MAIN = ("q", "status", "type", "priority")


def _with(query: QueryDict, **changes: Any) -> str:
    """The list's address with some parameters changed (None removes one)."""
    copy = query.copy()
    for key, value in changes.items():
        copy.pop(key, None)
        if value is not None:
            copy[key] = str(value)
    return f"?{copy.urlencode()}" if copy else "?"


def _sort_links(query: QueryDict) -> list[dict[str, Any]]:
    current = query.get("sort") or "-age"
    links = []
    for key, heading in COLUMNS:
        # Age counts back from now: ascending age is the newest call first (logged latest)
        ascending = current == ("-age" if key == "age" else key)
        descending = current == ("age" if key == "age" else f"-{key}")
        if key == "age":
            following = "age" if not descending else "-age"
        else:
            following = f"-{key}" if ascending else key
        links.append({"key": key, "heading": heading, "url": _with(query, sort=following, page=None),
                      "aria": "ascending" if ascending else "descending" if descending else "none"})
    return links


def _page_numbers(page: CallPage) -> list[int | None]:
    """Page numbers to offer: the first, the last and two either side of this one (None: a gap). Past a floor
    (SQLite's "more than") the last page is not known: the pages counted, and "Next" beyond them."""
    wanted = {1, *range(page.page - 2, page.page + 3)} | ({page.pages} if not page.count_at_least else set())
    upper = max(page.pages, page.page) if page.count_at_least else page.pages
    numbers: list[int | None] = []
    for n in sorted(x for x in wanted if 1 <= x <= upper):
        if numbers and numbers[-1] is not None and n - numbers[-1] > 1:  # type: ignore[operator]
            numbers.append(None)
        numbers.append(n)
    return numbers


def _one_call_by_ref(request: HttpRequest) -> Call | None:
    """A search that is exactly one visible call's reference, and nothing else: that call."""
    text = request.GET.get("q", "").strip()
    if not _LOOKS_LIKE_REF.fullmatch(text) or any(request.GET.get(k) for k in FILTER_NAMES if k != "q"):
        return None
    # references are kept in capitals: an exact match uses their unique index (ref__iexact would read every call)
    return Call.objects.visible_to(request.user).filter(ref=text.upper()).first()


_LOOKS_LIKE_REF = re.compile(r"[A-Za-z]{2,8}-\d{1,12}")


@login_required
@refusals_as_http
def call_list(request: HttpRequest) -> HttpResponse:
    if (found := _one_call_by_ref(request)) is not None:
        return redirect("call", found.ref)
    filterset = CallFilterSet(request.GET, viewer=request.user)
    form = filterset.form
    status, page = 200, None
    try:
        page = list_calls(request.user, request.GET, default_page_size=PAGE_SIZE, filterset=filterset)
    except CloseloopError as refused:
        # a value the form itself refuses already carries its message; a name nobody has is added to its field
        # (a partition that is not one of yours is a bad filter here, not a missing page)
        if form.is_valid():
            refuse_in_form(form, refused)
        # htmx swaps only successful answers: the form with its messages is shown either way
        status = 200 if getattr(request, "htmx", False) else 400
    query = filterset.data.copy()
    query.pop("page", None)
    now = timezone.now()
    rows = [(call, now - call.logged_at) for call in page.calls] if page else []
    more_open = any(query.get(name) for name in FILTER_NAMES if name not in _MAIN and name != "sort")
    context = {
        "form": form, "page": page, "rows": rows, "query": query, "query_string": query.urlencode(),
        "columns": _sort_links(query), "page_numbers": _page_numbers(page) if page else [],
        "page_sizes": PAGE_SIZES, "page_size": page.page_size if page else PAGE_SIZE, "sort": query.get("sort", ""),
        # the list's address ending in "page=": a page number completes it
        "page_url": _with(query, page=None) + ("&" if query else "") + "page=",
        "prev_url": _with(query, page=page.page - 1) if page else "",
        "next_url": _with(query, page=page.page + 1) if page else "",
        "saved": saved_searches(request.user), "more_open": more_open,
        "main_fields": [form[name] for name in _MAIN],
        "more_fields": [form[name] for name in form.fields if name not in _MAIN and name != "sort"
                        and not name.startswith("closure_target_")],
    }
    return render(request, "web/call_list.html", context, status=status)


@login_required
@require_POST
@refusals_as_http
def save_search_view(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        search = save_search(request.user, request.POST.get("name", ""), query)
    except CloseloopError as refused:
        messages.error(request, f"The search was not saved: {refused.message}")
        return redirect(f"{reverse('call-list')}?{query}")
    messages.success(request, f"Saved search “{search.name}”.")
    return redirect(f"{reverse('call-list')}?{search.query}")


@login_required
@require_POST
@refusals_as_http
def delete_search_view(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    delete_saved_search(request.user, name)
    messages.success(request, f"Deleted saved search “{name}”.")
    return redirect("call-list")
