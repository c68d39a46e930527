"""Saved searches in the REST API: the caller's own searches of the calls list, saved under a name, and
running one (the calls list with its query; paging parameters may be added)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from ninja import Field, Router, Schema, Status

from closeloop.calls import filters as call_filters
from closeloop.calls.saved_searches import delete_saved_search, get_saved_search, save_search, saved_searches

from .auth import caller
from .call_schemas import CallPageOut
from .schemas import Text, responses

__all__ = ["router"]

router = Router(tags=["saved searches"])


class SavedSearchIn(Schema):
    """A search to save: its name and the calls list's query string (as `GET /api/v1/calls` takes it)."""

    name: Text = Field(..., examples=["Team's waiting closures"], json_schema_extra={"maxLength": 80})
    query: Text = Field("", examples=["status=awaiting_closure&closure_group=mine"])


class SavedSearchOut(Schema):
    """One of the caller's saved searches."""

    name: str
    query: str = Field(..., description="The calls list's query string (paging left out)")


def _shown(search: Any) -> dict[str, Any]:
    return {"name": search.name, "query": search.query}


@router.get("", response=responses(list[SavedSearchOut]), summary="Your saved searches")
def list_searches(request: HttpRequest) -> list[dict[str, Any]]:
    return [_shown(s) for s in saved_searches(caller(request))]


@router.post("", response=responses(SavedSearchOut, 201), summary="Save a search (replaces one of that name)")
def create_search(request: HttpRequest, body: SavedSearchIn) -> Status[dict[str, Any]]:
    return Status(201, _shown(save_search(caller(request), body.name, body.query)))


@router.get("/{name}", response=responses(SavedSearchOut), summary="One saved search")
def read_search(request: HttpRequest, name: str) -> dict[str, Any]:
    return _shown(get_saved_search(caller(request), name))


@router.get("/{name}/calls", response=responses(CallPageOut), summary="Run a saved search")
def run_search(request: HttpRequest, name: str) -> dict[str, Any]:
    """The calls list with the saved query; `page` and `page_size` (and any filter) may be added."""
    viewer = caller(request)
    query = QueryDict(get_saved_search(viewer, name).query, mutable=True)
    for key, values in request.GET.lists():
        query.setlist(key, values)
    return call_filters.list_calls(viewer, query).as_dict()


@router.delete("/{name}", response=responses(None, 204), summary="Delete a saved search")
def delete_search(request: HttpRequest, name: str) -> Status[None]:
    delete_saved_search(caller(request), name)
    return Status(204, None)
