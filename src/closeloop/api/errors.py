"""The one place the API turns an error into its HTTP status and the JSON error body.

Every error the API returns has the same shape, `{"error": code, "message": text, "field": name}`, and the
status of its code in `closure.errors.ERROR_CODES` (docs/api.md lists them). The one exception: a request
that does not match the schema (wrong type, missing field) is `invalid_input` with 422, as OpenAPI clients
expect from a validation error.
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
from closeloop.closure.errors import ERROR_CODES, error_code
from closeloop.closure.limits import DESCRIPTION

__all__ = ["ApiErrorShapeMiddleware", "install_error_handlers", "error_body", "upload_limit_text"]

# The code of an HTTP status that django-ninja or Django raise on their own (the first code with it).
_CODE_FOR_STATUS: dict[int, str] = {}
for _entry in ERROR_CODES:
    _CODE_FOR_STATUS.setdefault(_entry.http_status, _entry.code)


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
    """Judged by Content-Length, as Django does, before anything reads the body. A note's form with files
    (web or API) may also carry as many files of the attachment size limit as a note takes."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and request.content_type == "multipart/form-data" and \
            request.path.rstrip("/").endswith("/notes"):
        limit += settings.CLOSELOOP_ATTACHMENT_MAX_BYTES * settings.CLOSELOOP_ATTACHMENT_MAX_FILES
    try:
        return limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


def install_error_handlers(api: NinjaAPI) -> None:
    """Map Closeloop's exception tree and django-ninja's own errors to the one JSON error shape."""

    def refusal(request: HttpRequest, exc: CloseloopError) -> HttpResponse:
        return api.create_response(request, error_body(exc.code, exc.message, exc.field),
                                   status=error_code(exc.code).http_status)

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
        code = _CODE_FOR_STATUS.get(exc.status_code, "server_error")
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
        if response.status_code >= 500:  # Django's own 500 page, for an error of ours (logged by Django)
            return JsonResponse(error_body("server_error", "Something went wrong on the server. It has been "
                                           "logged; nothing was half-written. Try again, or tell your "
                                           "administrator the time it happened."), status=500)
        return response
