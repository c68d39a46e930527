"""Sends report queries to a read replica when `REPORTS_DATABASE_URL` is set.

Reports read a lot and write nothing, so they can run on a PostgreSQL streaming replica while the
app nodes write to the primary. `ReportsReplicaMiddleware` reads every GET of a report page or report
endpoint inside `reading_for_reports()` (other code may wrap its own report reads the same way); every
other read and every write stays on the primary, so a user always sees their own changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

__all__ = ["REPORTS_ALIAS", "REPORT_PATHS", "ReportsRouter", "ReportsReplicaMiddleware", "reading_for_reports",
           "replica_configured", "reports_database"]

REPORTS_ALIAS = "reports"
# Where the web pages and the API serve reports (GET only: raising a Problem from a report writes).
REPORT_PATHS = ("/reports/", "/api/v1/reports")
_for_reports: ContextVar[bool] = ContextVar("closeloop_for_reports", default=False)


def replica_configured() -> bool:
    """Whether REPORTS_DATABASE_URL gave reports a database of their own."""
    return REPORTS_ALIAS in settings.DATABASES


def reports_database() -> str:
    """The database alias report reads use right now."""
    return REPORTS_ALIAS if replica_configured() else "default"


@contextmanager
def reading_for_reports() -> Iterator[str]:
    """Within this block, reads go to the reports replica (if one is configured)."""
    token = _for_reports.set(True)
    try:
        yield reports_database()
    finally:
        _for_reports.reset(token)


class ReportsRouter:
    """Reads inside `reading_for_reports()` go to the replica; writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _for_reports.get() and replica_configured():
            return REPORTS_ALIAS
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db == "default"  # a replica follows the primary's schema by replication


class ReportsReplicaMiddleware:
    """Reads of report pages and report endpoints (GET) go to the replica when one is configured."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method in ("GET", "HEAD") and request.path.startswith(REPORT_PATHS) and replica_configured():
            # Who is signed in is read from the primary: a session made a moment ago may not be replicated yet.
            _ = getattr(request, "user", None) and request.user.is_authenticated
            with reading_for_reports():
                return self.get_response(request)
        return self.get_response(request)
