"""Editing a call in the browser: open it, change summary, impact and urgency, see the new priority and the
history line."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def test_an_analyst_edits_a_call_and_sees_the_new_priority_and_the_history_line(live_desk, sign_in, screenshot):
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary",
                         "Printer jams on floor 2", "--group", "Service Desk", "--contact", DANA, "--as", "alice")
    assert call["priority_label"] == "P3 Medium"
    rita = sign_in("rita")
    rita.goto(f"/calls/{call['ref']}/")
    rita.get_by_role("link", name="Edit", exact=True).click()
    rita.get_by_label("Summary").fill("Printer jams on every floor")
    rita.get_by_label("Impact").select_option("1")
    rita.get_by_label("Urgency").select_option("1")
    screenshot(rita, "edit-call-form")
    rita.get_by_role("button", name="Save changes").click()
    rita.wait_for_url(f"**/calls/{call['ref']}/")
    assert "Printer jams on every floor" in rita.locator("h1").inner_text()
    assert "P1 Critical" in rita.locator("dd.priority").inner_text()
    history = rita.locator("ul.edit-changes").last.inner_text()
    assert "Summary: ‘Printer jams on floor 2’ → ‘Printer jams on every floor’" in history
    assert "Priority: ‘P3 Medium’ → ‘P1 Critical’" in history
    screenshot(rita, "edit-call-history")
