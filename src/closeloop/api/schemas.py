"""Schemas every area shares: the one error body, the page wrapper and the error responses to document."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from ninja import Field, Path, Schema
from pydantic import AfterValidator

__all__ = ["ErrorOut", "Page", "ERROR_STATUSES", "responses", "Text", "Id", "CallRef", "PartitionName", "Username"]

T = TypeVar("T")


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\0) characters")
    return value


# Free text from a client: anything but NUL, which no database column can store.
Text = Annotated[str, AfterValidator(_printable)]
# Path parameters, with examples so /api/docs (and the contract tests) start from real objects.
CallRef = Annotated[Text, Path(..., description="A call reference", example="INC-000001")]
PartitionName = Annotated[Text, Path(..., description="A partition name", example="Default")]
Username = Annotated[Text, Path(..., description="An analyst's user name", example="carol")]
# A database id.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

# Every status an endpoint can refuse with; see closeloop.api.errors for what each means.
ERROR_STATUSES = (400, 401, 403, 404, 409, 422)


class ErrorOut(Schema):
    """Every API error: a stable code, a sentence for people, and the field to fix (if one is to blame)."""

    error: str = Field(..., examples=["not_allowed"],
                       description="invalid_input, unauthenticated, not_allowed, not_found, invalid_transition, "
                                   "changed_by_other or settings_rejected")
    message: str = Field(..., examples=["rita lacks the 'Closure Comments' right in partition Default"])
    field: str | None = Field(None, examples=["closure_group"], description="The input to fix, if any")


class Page(Schema, Generic[T]):
    """One page of a list, with what a client needs to fetch the others."""

    count: int = Field(..., description="Items in the whole list")
    page: int
    page_size: int
    pages: int = Field(..., description="Number of pages (at least 1)")
    items: list[T]


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    """The documented responses of an endpoint: its success schema plus the one error shape."""
    return {status: ok, **{code: ErrorOut for code in ERROR_STATUSES}}
