"""Every report in the real server and Chromium: the chart (inline SVG, no script) above its table."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e

REPORTS = ["backlog", "time-to-close", "rejection-rate", "closure-reasons", "recurring", "trends"]


def _close_two_similar_calls(live_desk) -> list[str]:  # type: ignore[no-untyped-def]
    """Two closed printer calls (a recurring issue) and one waiting for closure, through the CLI."""
    ticks = [arg for item in live_desk.cli("checklist", "list", "Default") for arg in ("--tick", str(item["id"]))]
    refs = []
    for floor, close in ((2, True), (4, True), (5, False)):
        call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary",
                             f"Printer on floor {floor} shows paper jam", "--group", "Service Desk",
                             "--assign-analyst", "alice", "--contact", DANA, "--as", "alice")
        ref = call["ref"]
        live_desk.cli("call", "resolve", ref, "--resolution", "Cleared tray 2 and cleaned the rollers.",
                      "--as", "alice")
        if close:
            live_desk.cli("call", "close", ref, "--comments", "Checked with the user", "--reason", "FIXED",
                          *ticks, "--as", "carol")
        refs.append(ref)
    return refs


def test_each_report_shows_its_chart_above_a_sortable_table(live_desk, sign_in, screenshot):
    refs = _close_two_similar_calls(live_desk)
    page = sign_in("carol")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("heading", name="Reports", exact=True).wait_for()
    for name in REPORTS:
        page.goto(f"/reports/{name}/?partition=Default")
        chart = page.locator("#report-chart svg")
        chart.wait_for()
        assert chart.bounding_box()["height"] > 100
        assert page.locator("#report-chart script").count() == 0
        table = page.locator("#report-table")
        assert chart.bounding_box()["y"] < table.bounding_box()["y"], f"{name}: the chart comes first"
        assert table.locator("thead th").count() >= 3
        assert table.locator("tbody tr").count() >= 1
        assert "No calls in this period" not in table.inner_text(), f"{name} should have figures"
        screenshot(page, f"report-{name}")
    recurring = page.goto("/reports/recurring/?partition=Default")
    assert recurring is not None and recurring.ok
    row = page.locator("#report-table tbody tr", has_text=refs[0])
    assert refs[1] in row.inner_text()
    page.locator("#report-table thead th a", has_text="Calls").first.click()
    page.wait_for_url("**sort=**")
    assert page.locator("#report-table thead th[aria-sort]").count() == 1
    download = page.get_by_role("link", name="Download CSV")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.startswith("closeloop-recurring-Default-")
