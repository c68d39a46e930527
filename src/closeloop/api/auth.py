"""Who is calling: a personal API token (`Authorization: Bearer ...`) or the browser's signed-in session.

A token acts with its analyst's rights, in their partitions only. Session calls (the web's own htmx
requests) must carry the CSRF token for every unsafe method, exactly as a Django form would.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import analyst_for_token
from closeloop.closure import InvalidInput, NotAllowed
from closeloop.partitions.snapshot import desk_version_column

__all__ = ["ApiToken", "SignedInSession", "AUTH", "caller", "expected_version"]

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class ApiToken(HttpBearer):
    """A personal API token, created with `closeloop token create --as USERNAME` (shown once)."""

    def authenticate(self, request: HttpRequest, token: str) -> Analyst | None:
        token = token.strip()
        # the desk version comes with the analyst: the directory and settings this node keeps are then reused
        return analyst_for_token(token, desk_version=desk_version_column) if token else None


class SignedInSession(APIKeyCookie):
    """The browser session of a signed-in analyst; unsafe methods need the CSRF token too."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, only once we know a session is in use

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Analyst | None:
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise NotAllowed("CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header",
                             field="X-CSRFToken")
        return user  # type: ignore[no-any-return]


AUTH = [ApiToken(), SignedInSession()]


def caller(request: HttpRequest) -> Analyst:
    """The analyst the request acts for (authentication has already succeeded)."""
    analyst: Any = request.auth  # type: ignore[attr-defined]
    return analyst  # type: ignore[no-any-return]


def expected_version(request: HttpRequest, body_version: int | None = None) -> int | None:
    """The version the client last read, from `If-Match: <version>` or a `version` body field."""
    header = request.headers.get("If-Match", "").strip()
    from_header: int | None = None
    if header:
        raw = header.removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise InvalidInput(f"If-Match must be the version number you read (got {header!r})", field="If-Match")
        from_header = int(raw)
    if from_header is not None and body_version is not None and from_header != body_version:
        raise InvalidInput(f"If-Match ({from_header}) and version ({body_version}) disagree: send one of them",
                           field="version")
    return from_header if from_header is not None else body_version
