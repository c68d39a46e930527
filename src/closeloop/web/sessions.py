"""Signed-in sessions: kept in a signed cookie, ended by signing out, and after a spell of inactivity
(CLOSELOOP_SESSION_IDLE_MINUTES).

The session is a cookie signed with SECRET_KEY (no session row to read on every request); signing out ends every
session of the analyst (`end_every_session`), so a copied cookie is worthless once its owner has signed out.

The session's expiry (SESSION_COOKIE_AGE, the idle time) is pushed back whenever the analyst does
something, at most once a minute so that a page view is not a session write. Requests a page makes by
itself, such as the queue counts' polling, are not activity: an open tab alone keeps nobody signed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.backends import ModelBackend
from django.db import router
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse

from closeloop.accounts.models import Analyst
from closeloop.partitions.snapshot import desk_version_column
from closeloop.prepared import prepared

__all__ = ["SessionIdleTimeoutMiddleware", "not_activity", "AnalystSessionBackend", "end_every_session"]

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


class AnalystSessionBackend(ModelBackend):
    """Signs analysts in by password (after django-axes' check), and loads the signed-in analyst of each request
    in one query: with their General Access role (the navigation asks it) and the desk version (whether the
    directory and settings this node keeps are still current)."""

    def get_user(self, user_id: Any) -> Any:
        # its SQL built once per process (`closeloop.prepared`): only the analyst's id changes
        user = prepared("web.session_analyst", router.db_for_read(Analyst), _signed_in,
                        pk=_ID_PROBE).first(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


_ID_PROBE = -7_202_612  # never an analyst's id: stands for it while the SQL is built


def _signed_in() -> QuerySet[Analyst]:
    # unordered: an id is unique, and the analysts' default order would only cost
    return Analyst._default_manager.select_related("general_access_role").annotate(
        desk_version=desk_version_column()).filter(pk=_ID_PROBE).order_by()[:1]


def end_every_session(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Signing out ends the analyst's sessions everywhere: a copy of the signed cookie no longer signs anyone in."""
    if isinstance(user, Analyst):
        Analyst.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
