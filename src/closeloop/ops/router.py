"""Sends report queries to a read replica when `REPORTS_DATABASE_URL` is set.

Reports read a lot and write nothing, so they can run on a PostgreSQL streaming replica while the
app nodes write to the primary. Code that builds a report wraps its reads in `reading_for_reports()`;
every other read and every write stays on the primary, so a user always sees their own changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

__all__ = ["REPORTS_ALIAS", "ReportsRouter", "reading_for_reports", "replica_configured", "reports_database"]

REPORTS_ALIAS = "reports"
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
