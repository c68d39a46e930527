"""Calls Auto Closed: which calls rules closed without anyone validating them, per rule, closure group,
resolver and week; and the auto-closed share in Time to close and Trends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from closeloop.autoclose import services as autoclose
from closeloop.calls import services as calls
from closeloop.reports.base import parse_period
from closeloop.reports.closure_stage import time_to_close
from closeloop.reports.services import run_report
from closeloop.reports.trends import trends

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday
DAY = timedelta(days=1)


def resolved(desk, resolver, summary, at=T0):  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=resolver, actor=resolver, at=at)
    return calls.resolve_call(call.ref, resolver, "Done", at=at)


@pytest.fixture
def closed_by_rules(desk):  # type: ignore[no-untyped-def]
    """Three calls resolved on Monday 2 March: alice's two are auto-closed on the 5th (rule "Quick", P3 and
    P4 only, 3 days) and on the 12th (rule "Resolved calls", 10 days); rita's is validated by carol."""
    fast = resolved(desk, desk.alice, "Printer jam")
    slow = calls.log_call(desk.default, "incident", "Monitor flickers", log_group=desk.service_desk, priority=1,
                          assigned_group=desk.service_desk, assigned_analyst=desk.alice, actor=desk.alice, at=T0)
    slow = calls.resolve_call(slow.ref, desk.alice, "New cable", at=T0)
    validated = resolved(desk, desk.rita, "Mouse broken")
    calls.take_call(validated.ref, desk.carol, at=T0 + DAY)
    calls.close_call(validated.ref, desk.carol, "Checked with the user", reason="FIXED", at=T0 + DAY)
    autoclose.add_rule(desk.default, "set-up", desk.admin, name="Quick", statuses=["forward_for_closure"],
                       priorities=[3, 4], idle_days=3, reason="FIXED", call_types=["incident"])
    autoclose.add_rule(desk.default, "set-up", desk.admin, name="Resolved calls", statuses=["forward_for_closure"],
                       idle_days=10, reason="FIXED", call_types=["incident"])
    autoclose.auto_close_pass(T0 + 3 * DAY)
    autoclose.auto_close_pass(T0 + 10 * DAY)
    return fast, slow, validated


def rows(report, dimension):  # type: ignore[no-untyped-def]
    return {r["name"]: r for r in report.rows if r["dimension"] == dimension}


def test_calls_auto_closed_per_rule_group_resolver_and_week_with_the_calls_listed(desk, closed_by_rules):
    fast, slow, _validated = closed_by_rules
    report = run_report("auto-closed", "Default", desk.carol, "2026-03-02", "2026-03-15")
    assert rows(report, "partition")["Default"] == {
        "dimension": "partition", "name": "Default", "auto_closed": 2, "closed": 3, "share": 66.7,
        "refs": f"{fast.ref} {slow.ref}"}
    assert {n: (r["auto_closed"], r["refs"]) for n, r in rows(report, "rule").items()} == {
        "Quick": (1, fast.ref), "Resolved calls": (1, slow.ref)}
    assert {n: (r["auto_closed"], r["closed"]) for n, r in rows(report, "closure group").items()} == {
        "Service Desk": (2, 3)}
    assert {n: (r["auto_closed"], r["closed"]) for n, r in rows(report, "resolver").items()} == {"alice": (2, 2)}
    assert {n: r["auto_closed"] for n, r in rows(report, "week").items()} == {"2026-03-02": 1, "2026-03-09": 1}
    assert report.chart.series == [("auto-closed", [1.0, 1.0])]


def test_time_to_close_and_trends_show_the_auto_closed_share(desk, closed_by_rules):
    period = parse_period("2026-03-02", "2026-03-15")
    closing = time_to_close(desk.default, period)
    partition = rows(closing, "partition")["Default"]
    assert (partition["closed"], partition["auto_closed"], partition["auto_closed_share"]) == (3, 2, 66.7)
    assert rows(closing, "closer")["system"]["auto_closed"] == 2
    weekly = {r["week"]: (r["closed"], r["auto_closed"], r["auto_closed_share"]) for r in trends(
        desk.default, period).rows if r["dimension"] == "partition"}
    assert weekly == {"2026-03-02": (2, 1, 50.0), "2026-03-09": (1, 1, 100.0)}


def test_the_report_page_lists_the_calls_and_only_for_the_partitions_analysts(desk, closed_by_rules):
    fast, *_ = closed_by_rules
    client = Client()
    client.force_login(desk.carol)
    page = client.get("/reports/auto-closed/", {"partition": "Default", "from": "2026-03-02", "to": "2026-03-15"})
    assert page.status_code == 200 and fast.ref in page.content.decode()
    outsider = Client()
    outsider.force_login(desk.olga)
    assert outsider.get("/reports/auto-closed/", {"partition": "Default"}).status_code == 404
