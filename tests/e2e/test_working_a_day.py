"""A closer's day in a real browser: search from the header, open a call, edit it, write a note, then close
several calls at once from the calls list, one of which is refused and left as it was."""

from __future__ import annotations

import re

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def _log(live_desk, summary: str) -> dict:
    return live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary", summary,
                         "--group", "Service Desk", "--assign-analyst", "rita", "--contact", DANA, "--as", "alice")


def test_search_open_edit_note_and_bulk_close_with_one_refused(live_desk, sign_in, screenshot):
    resolved = [_log(live_desk, f"Quokka kiosk {n} shows a blank screen") for n in (1, 2)]
    still_open = _log(live_desk, "Quokka kiosk 3 shows a blank screen")
    for call in resolved:
        live_desk.cli("call", "resolve", call["ref"], "--as", "rita", "--resolution",
                      "Replaced the kiosk's HDMI cable; the screen shows the menu again.")

    carol = sign_in("carol")
    # search from the header
    carol.locator("#header-search").fill("quokka")
    carol.locator("#header-search").press("Enter")
    carol.wait_for_url(re.compile(r"/calls/\?q=quokka"))
    results = carol.locator("#call-results")
    assert "3 calls" in results.locator("#results-title").inner_text()

    # open one and edit it
    results.get_by_role("link", name=resolved[0]["ref"]).click()
    carol.wait_for_url(re.compile(rf"/calls/{resolved[0]['ref']}/$"))
    carol.get_by_role("link", name="Edit", exact=True).click()
    carol.get_by_label("Summary").fill("Quokka kiosk 1 in the lobby shows a blank screen")
    carol.get_by_label("Impact").select_option("1")
    carol.get_by_role("button", name="Save changes").click()
    carol.wait_for_url(re.compile(rf"/calls/{resolved[0]['ref']}/$"))
    assert "in the lobby" in carol.locator("h1").inner_text()
    assert "Summary: ‘Quokka kiosk 1 shows a blank screen’ → ‘Quokka kiosk 1 in the lobby shows a blank screen’" \
        in carol.locator("ul.edit-changes").last.inner_text()

    # write a note
    work_log = carol.locator("#work-log")
    work_log.get_by_label("Note").fill("Checked on site: the menu shows and the card reader answers.")
    work_log.get_by_role("button", name="Add note").click()
    carol.locator("#work-log .work-log-entry").last.get_by_text("Checked on site").wait_for()
    screenshot(carol, "working-a-day-note")

    # the note is searchable; then select the three calls and close them in one go
    carol.locator("#header-search").fill("quokka")
    carol.locator("#header-search").press("Enter")
    carol.wait_for_url(re.compile(r"/calls/\?q=quokka"))
    for call in (*resolved, still_open):
        carol.get_by_label(f"Select {call['ref']}").check()
    bar = carol.locator("#bulk-form")
    bar.locator("#bulk-action").select_option("close")
    bar.locator("#bulk-close_reason").select_option("FIXED")
    bar.locator("#bulk-comments").fill("Checked with the user: the kiosk works.")
    for box in bar.locator("input[name=ticked]").all():
        box.check()
    screenshot(carol, "working-a-day-bulk-bar")
    bar.get_by_role("button", name="Apply to the selected calls").click()

    heading = carol.locator("h1")
    heading.wait_for()
    assert heading.inner_text() == "Closed 2 · Refused 1"
    refused_row = carol.locator("table.bulk-result tr.refused")
    assert refused_row.count() == 1 and still_open["ref"] in refused_row.inner_text()
    assert "cannot close it now" in refused_row.inner_text()
    screenshot(carol, "working-a-day-bulk-result")

    for call in resolved:
        assert live_desk.cli("call", "show", call["ref"], "--as", "carol")["status"] == "closed"
    assert live_desk.cli("call", "show", still_open["ref"], "--as", "carol")["status"] == "assigned"

    # the note is found by the search, on the call it was written on
    carol.locator("#header-search").fill("card reader")
    carol.locator("#header-search").press("Enter")
    carol.wait_for_url(re.compile(r"/calls/\?q=card"))
    assert resolved[0]["ref"] in carol.locator("#call-results tbody").inner_text()
