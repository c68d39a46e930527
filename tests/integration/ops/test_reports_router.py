"""With REPORTS_DATABASE_URL set, report reads go to the replica; everything else stays on the primary."""

from __future__ import annotations

import pytest

from closeloop.calls.models import Call
from closeloop.ops import router
from closeloop.ops.router import ReportsReplicaMiddleware, ReportsRouter, reading_for_reports, reports_database


@pytest.fixture
def with_replica(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(router, "replica_configured", lambda: True)


def test_reads_for_reports_go_to_the_replica_only_inside_the_block(with_replica):
    router = ReportsRouter()
    assert router.db_for_read(Call) is None
    with reading_for_reports() as alias:
        assert alias == "reports" and router.db_for_read(Call) == "reports"
        assert router.db_for_write(Call) == "default"
    assert router.db_for_read(Call) is None


def test_without_a_replica_reports_read_the_primary():
    assert not router.replica_configured()
    with reading_for_reports() as alias:
        assert alias == "default" == reports_database()
        assert ReportsRouter().db_for_read(Call) is None


def test_only_the_primary_is_migrated(with_replica):
    router = ReportsRouter()
    assert router.allow_migrate("default", "calls") is True
    assert router.allow_migrate("reports", "calls") is False


def _seen_by_view(path: str, method: str = "get") -> bool:
    from django.test import RequestFactory

    seen = []
    middleware = ReportsReplicaMiddleware(lambda request: seen.append(ReportsRouter().db_for_read(Call) == "reports"))
    request = getattr(RequestFactory(), method)(path)
    middleware(request)
    return seen[0]


def test_report_pages_and_endpoints_are_read_from_the_replica(with_replica):
    assert _seen_by_view("/reports/backlog/")
    assert _seen_by_view("/api/v1/reports/trends")
    assert not _seen_by_view("/")
    assert not _seen_by_view("/api/v1/calls")
    assert not _seen_by_view("/reports/recurring/raise-problem/", method="post")


def test_without_a_replica_report_pages_read_the_primary():
    assert not _seen_by_view("/reports/backlog/")
