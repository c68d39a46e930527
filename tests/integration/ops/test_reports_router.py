"""With REPORTS_DATABASE_URL set, report reads go to the replica; everything else stays on the primary."""

from __future__ import annotations

import pytest

from closeloop.calls.models import Call
from closeloop.ops import router
from closeloop.ops.router import ReportsRouter, reading_for_reports, reports_database


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
