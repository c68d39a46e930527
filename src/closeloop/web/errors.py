"""The one place the web layer turns a Closeloop refusal into what the analyst sees.

A refused action re-shows its form with the service's message on the field it names (or at the
top of the form), with an HTTP status that says what kind of refusal it was. Page loads that hit
another partition's call get a 404, and a missing right a 403 carrying the service's message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from closeloop.closure import CloseloopError, NotAllowed, NotFound
from closeloop.closure.errors import error_code

__all__ = ["refuse_in_form", "refusals_as_http"]

# Service field names that a form shows under a differently named input.
_FIELD_ALIASES: dict[str, str | None] = {"closer_group": "closer", "type": "call_type", "checklist": "ticked",
                                         "version": None, "ref": None}


def refuse_in_form(form: forms.Form, exc: CloseloopError) -> int:
    """Put the refusal on the form (on the named field if the form has it) and return the HTTP status."""
    name = _FIELD_ALIASES.get(exc.field, exc.field) if exc.field else None
    form.add_error(name if name in form.fields else None, exc.message)
    return error_code(exc.code).http_status


def refusals_as_http(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For page loads: NotFound becomes a 404 and NotAllowed a 403 with the service's message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper
