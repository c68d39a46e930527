"""Saved searches: an analyst keeps a calls-list query under a name ("my team's waiting closures") and runs
it again from the calls page, the API or the CLI. Each is the analyst's own; nobody else sees it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import QueryDict

from closeloop.accounts.models import Analyst
from closeloop.closure import InvalidInput, NotAllowed, NotFound

from .filters import CallFilterSet, normalise_query
from .models import SavedSearch

__all__ = ["save_search", "saved_searches", "get_saved_search", "delete_saved_search", "saved_query",
           "NAME_LIMIT", "QUERY_LIMIT"]

NAME_LIMIT = 80
QUERY_LIMIT = 2000
# paging is not part of a search: a saved search always opens on its first page
_NOT_SAVED = ("page", "csrfmiddlewaretoken", "saved", "name")


def _analyst(analyst: Analyst | None) -> Analyst:
    if analyst is None:
        raise NotAllowed("Saved searches belong to an analyst: run it with --as USERNAME")
    return analyst


def saved_query(data: QueryDict | dict[str, Any] | None) -> str:
    """The query string a search is saved as: its filters, sort and page size, checked and in a set order."""
    query = normalise_query(data)
    for key in _NOT_SAVED:
        query.pop(key, None)
    error = CallFilterSet(query, viewer=None).first_error()
    if error is not None:
        raise error
    text = query.urlencode()
    if len(text) > QUERY_LIMIT:
        raise InvalidInput(f"A saved search holds at most {QUERY_LIMIT} characters of filters", field="query")
    return text


@transaction.atomic
def save_search(analyst: Analyst | None, name: str, query: QueryDict | dict[str, Any] | str) -> SavedSearch:
    """Save (or replace) the analyst's search called `name`."""
    owner = _analyst(analyst)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the search a name", field="name")
    if len(name) > NAME_LIMIT:
        raise InvalidInput(f"A search name is at most {NAME_LIMIT} characters (got {len(name)})", field="name")
    text = saved_query(QueryDict(query) if isinstance(query, str) else query)
    try:
        with transaction.atomic():
            search, _ = SavedSearch.objects.update_or_create(analyst=owner, name=name, defaults={"query": text})
    except IntegrityError:  # saved at the same moment in another tab: that one stands
        search = SavedSearch.objects.get(analyst=owner, name=name)
    return search


def saved_searches(analyst: Analyst | None) -> list[SavedSearch]:
    """The analyst's saved searches, by name."""
    if analyst is None:
        return []
    return list(SavedSearch.objects.filter(analyst=analyst).order_by("name"))


def get_saved_search(analyst: Analyst | None, name: str) -> SavedSearch:
    search = SavedSearch.objects.filter(analyst=_analyst(analyst), name=(name or "").strip()).first()
    if search is None:
        raise NotFound(f"You have no saved search named {name!r}", field="name")
    return search


@transaction.atomic
def delete_saved_search(analyst: Analyst | None, name: str) -> None:
    get_saved_search(analyst, name).delete()
