"""Searching from the header in a real browser: type words, see the matching calls, open one."""

from __future__ import annotations

import re

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def test_an_analyst_searches_from_the_header_and_opens_a_call(live_desk, sign_in, screenshot):
    logged = live_desk.cli("call", "log", "--as", "alice", "--type", "incident", "--contact", DANA,
                           "--summary", "Zeppelin plotter prints blank pages", "--group", "Service Desk",
                           "--assign-analyst", "alice")
    live_desk.cli("call", "log", "--as", "alice", "--type", "incident", "--contact", DANA,
                  "--summary", "Keyboard sticks", "--group", "Service Desk")
    live_desk.cli("call", "hold", logged["ref"], "--as", "alice", "--reason", "Waiting for toner from Halcyon")
    page = sign_in("carol")

    search = page.locator("#header-search")
    search.fill("halcyon")  # a word only in a note
    search.press("Enter")
    page.wait_for_url(re.compile(r"/calls/\?q=halcyon"))
    results = page.locator("#call-results")
    assert "1 call" in results.locator("#results-title").inner_text()
    row = results.locator("tbody tr")
    assert row.count() == 1 and "Zeppelin plotter" in row.inner_text()
    screenshot(page, "call-search-results")

    row.get_by_role("link", name=logged["ref"]).click()
    page.wait_for_url(re.compile(rf"/calls/{logged['ref']}/$"))
    assert "Zeppelin plotter prints blank pages" in page.locator("main").inner_text()

    page.locator("#header-search").fill(logged["ref"].lower())  # a reference goes straight to its call
    page.locator("#header-search").press("Enter")
    page.wait_for_url(re.compile(rf"/calls/{logged['ref']}/$"))
