"""Schemas every area shares: the one error body, the page wrapper and the error responses to document."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from ninja import Field, Path, Schema
from pydantic import AfterValidator, Strict, ValidationInfo

from closeloop.closure.limits import TextLimit, check_storable

__all__ = ["ErrorOut", "Page", "ERROR_STATUSES", "responses", "Text", "Id", "CallRef", "PartitionName", "Username",
           "WholeNumber", "Flag", "BodyId", "limited"]

T = TypeVar("T")


def _storable(value: str, info: ValidationInfo) -> str:
    # InvalidInput is not a ValueError: it passes through pydantic to the one error mapping (400, field named)
    check_storable(value, info.field_name or "body")
    return value


# Free text from a client: anything a database can store (no NUL, no lone surrogate such as a "\ud800"
# escape in a JSON body), refused before an endpoint looks anything up with it.
Text = Annotated[str, AfterValidator(_storable)]


def limited(limit: TextLimit, default: Any = ..., **extra: Any) -> Any:
    """A body field whose maximum (from closeloop.closure.limits) shows in the OpenAPI schema as maxLength.

    The service enforces it, so an over-long value is refused with 400 naming the field and the limit."""
    return Field(default, json_schema_extra={"maxLength": limit.max_length}, **extra)


# Numbers and flags in a JSON body are exactly what JSON says: true is not 1 and "yes" is not true. A value
# of another type is refused like any type mismatch (422, the field named), never coerced.
WholeNumber = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]

# Path parameters, with examples so /api/docs (and the contract tests) start from real objects.
CallRef = Annotated[Text, Path(..., description="A call reference", example="INC-000001")]
PartitionName = Annotated[Text, Path(..., description="A partition name", example="Default")]
Username = Annotated[Text, Path(..., description="An analyst's user name", example="carol")]
# A database id (lax: query strings carry it as text); in a JSON body, BodyId.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
BodyId = Annotated[WholeNumber, Field(ge=1, le=2**63 - 1)]

# Every status an endpoint can refuse with; see closeloop.api.errors for what each means.
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422)


class ErrorOut(Schema):
    """Every API error: a stable code, a sentence for people, and the field to fix (if one is to blame)."""

    error: str = Field(..., examples=["not_allowed"],
                       description="invalid_input, unauthenticated, not_allowed, not_found, invalid_transition, "
                                   "changed_by_other, settings_rejected or too_large")
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
