"""The one place the API turns a refusal into an HTTP status and the JSON error body.

Every error the API returns has the same shape, `{"error": code, "message": text, "field": name}`:

| error                | status | when                                                              |
|----------------------|--------|-------------------------------------------------------------------|
| `invalid_input`      | 400    | a value was refused: blank, too long, a character no database stores |
| `invalid_input`      | 422    | the request does not match the schema (wrong type, missing field) |
| `unauthenticated`    | 401    | no token, an unknown or revoked token, and no signed-in session   |
| `not_allowed`        | 403    | a right is missing (the message names it), or the CSRF check fails |
| `not_found`          | 404    | unknown object, or one in a partition the caller cannot see       |
| `invalid_transition` | 409    | the action is not possible from the call's current status         |
| `changed_by_other`   | 409    | `If-Match`/`version` no longer matches: reload and try again      |
| `settings_rejected`  | 409    | the settings or membership change would strand calls              |
| `too_large`          | 413    | the request body is over the upload limit (2.5 MB unless configured) |
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from closeloop.closure import CloseloopError
from closeloop.closure.limits import DESCRIPTION

__all__ = ["STATUS_FOR", "ApiErrorShapeMiddleware", "install_error_handlers", "error_body",
           "upload_limit_text"]

STATUS_FOR: dict[str, int] = {
    "invalid_input": 400,
    "not_allowed": 403,
    "not_found": 404,
    "invalid_transition": 409,
    "changed_by_other": 409,
    "settings_rejected": 409,
}

_HTTP_CODES: dict[int, str] = {400: "invalid_input", 401: "unauthenticated", 403: "not_allowed",
                               404: "not_found", 405: "method_not_allowed", 409: "conflict",
                               429: "too_many_requests"}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "field": field}


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str | None:
    """The user's name for the field ninja's location points at (drops 'body', 'query', 'payload'...)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload", "filters")]
    return ".".join(parts) or None


def _validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    first = errors[0] if errors else {}
    field = _field_of(first.get("loc", ()))
    text = str(first.get("msg", "Invalid request"))
    message = f"{field}: {text}" if field else text
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return message, field


def upload_limit_text() -> str:
    """The request body limit as people read it ("2.5 MB")."""
    return f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g} MB"


def _too_large_message() -> str:
    return (f"The request body is over the {upload_limit_text()} limit: send less (long texts have their own "
            "limits, see /api/docs)")


def _body_over_limit(request: HttpRequest) -> bool:
    """Judged by Content-Length, as Django does, before anything reads the body."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        return limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


def install_error_handlers(api: NinjaAPI) -> None:
    """Map Closeloop's exception tree and django-ninja's own errors to the one JSON error shape."""

    def refusal(request: HttpRequest, exc: CloseloopError) -> HttpResponse:
        return api.create_response(request, error_body(exc.code, exc.message, exc.field),
                                   status=STATUS_FOR.get(exc.code, 400))

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        message, field = _validation_message(exc.errors)
        return api.create_response(request, error_body("invalid_input", message, field), status=422)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request, error_body("unauthenticated", "Send a valid API token as 'Authorization: Bearer <token>' "
                                "(create one with: closeloop token create --as USERNAME)", "Authorization"),
            status=401)
        response["WWW-Authenticate"] = 'Bearer realm="closeloop"'
        return response

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", str(exc) or "Not found"), status=404)

    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(request, error_body("too_large", _too_large_message()), status=413)

    api.add_exception_handler(CloseloopError, refusal)
    api.add_exception_handler(RequestDataTooBig, too_large)
    api.add_exception_handler(ValidationError, invalid)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)


class ApiErrorShapeMiddleware:
    """Answers Django gives under /api/ before the API runs (an unknown path, a method the endpoint does
    not take, a body over the upload limit) get the same JSON error body as every other API error.

    A body over the limit is refused here, before the CSRF check or a view reads it (Django would answer
    a bare 400, or a 500 page in debug): 413 with the JSON error under /api/, the 413 page elsewhere.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _body_over_limit(request):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("too_large", _too_large_message()), status=413)
            return render(request, "413.html", {"limit": upload_limit_text(),
                                                "longest_text": f"{DESCRIPTION.max_length:,}"}, status=413)
        response: HttpResponse = self.get_response(request)
        if not request.path.startswith("/api/") or response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}: see /api/docs"),
                                status=404)
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            shaped = JsonResponse(error_body("method_not_allowed", f"{request.method} is not allowed on "
                                             f"{request.path}; use {allowed}"), status=405)
            shaped["Allow"] = allowed
            return shaped
        return response
