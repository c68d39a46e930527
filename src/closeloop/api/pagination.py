"""Page-number pagination shared by every list endpoint: `?page=1&page_size=50` → `{count, page, ..., items}`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

from closeloop.closure import InvalidInput

__all__ = ["MAX_PAGE_SIZE", "PageParams", "page_of"]

MAX_PAGE_SIZE = 200
T = TypeVar("T")


class PageParams(Schema):
    """Which page of a list to return (pages count from 1)."""

    page: int = Field(1, ge=1, description="Page number, from 1")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, at most {MAX_PAGE_SIZE}")


def page_of(rows: QuerySet[Any] | list[T], params: PageParams, present: Callable[[Any], dict[str, Any]],
            count: int | None = None) -> dict[str, Any]:
    """One page of `rows`, each shown by `present`, with the counts a client needs to walk the pages (`count`:
    how many rows there are, when the caller has counted them already)."""
    if count is None:
        count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    pages = max(1, -(-count // params.page_size))
    if params.page > pages:
        raise InvalidInput(f"There are only {pages} page(s) of {params.page_size}", field="page")
    start = (params.page - 1) * params.page_size
    items: Iterable[Any] = rows[start:start + params.page_size]
    return {"count": count, "page": params.page, "page_size": params.page_size, "pages": pages,
            "items": [present(row) for row in items]}
