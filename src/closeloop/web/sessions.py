"""Signed-in sessions end after a spell of inactivity (CLOSELOOP_SESSION_IDLE_MINUTES).

The session's expiry (SESSION_COOKIE_AGE, the idle time) is pushed back whenever the analyst does
something, at most once a minute so that a page view is not a session write. Requests a page makes by
itself, such as the queue counts' polling, are not activity: an open tab alone keeps nobody signed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

__all__ = ["SessionIdleTimeoutMiddleware", "not_activity"]

ACTIVITY_KEY = "closeloop_last_activity"
REFRESH_EVERY_SECONDS = 60

View = TypeVar("View", bound=Callable[..., Any])


def not_activity(view: View) -> View:
    """Mark a view the page calls by itself (polling): it does not keep the session alive."""
    view.closeloop_not_activity = True  # type: ignore[attr-defined]
    return view


class SessionIdleTimeoutMiddleware:
    """Pushes back the session's expiry when the signed-in analyst does something."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or getattr(request, "_closeloop_not_activity", False):
            return response
        now = int(time.time())
        if now - int(session.get(ACTIVITY_KEY, 0)) >= REFRESH_EVERY_SECONDS:
            session[ACTIVITY_KEY] = now  # a changed session is saved with a new expiry
        return response

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], *args: Any) -> None:
        if getattr(view_func, "closeloop_not_activity", False):
            request._closeloop_not_activity = True  # type: ignore[attr-defined]
