"""Working the desk in a real browser: the keyboard shortcuts and their overlay, focus on the first field, and
Calls Outstanding and the call page at a phone's 375 px width."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def _waiting_for_closure(live_desk, summary: str) -> str:  # type: ignore[no-untyped-def]
    """A call resolved by alice, rejected once by carol and resolved again: it waits for the Closure Group."""
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary", summary,
                         "--group", "Service Desk", "--assign-analyst", "alice", "--contact", DANA, "--as", "alice")
    live_desk.cli("call", "resolve", call["ref"], "--resolution", "Restarted the spooler", "--as", "alice")
    live_desk.cli("call", "take", call["ref"], "--as", "carol")
    live_desk.cli("call", "reject", call["ref"], "--reason", "Still jams", "--as", "carol")
    live_desk.cli("call", "resolve", call["ref"], "--resolution", "Replaced the tray", "--as", "alice")
    return str(call["ref"])


def test_the_question_mark_lists_the_shortcuts_and_j_x_enter_open_a_call(live_desk, sign_in, screenshot):
    ref = _waiting_for_closure(live_desk, "Printer on floor 3 jams again")
    page = sign_in("carol")
    page.goto("/?queue=for_closure")
    page.get_by_role("link", name=ref).wait_for()
    assert page.get_by_text("Rejected ×1").first.is_visible()
    page.keyboard.press("?")
    overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    overlay.wait_for()
    assert overlay.get_by_text("Go to Calls Outstanding").is_visible()
    screenshot(page, "shortcuts-overlay")
    page.keyboard.press("Escape")
    overlay.wait_for(state="hidden")
    # j moves down the rows (other tests' calls may wait in this queue too) until it reaches this call's row
    rows = page.locator("main tr[data-row]")
    position = next(i for i in range(rows.count()) if ref in rows.nth(i).inner_text())
    for _ in range(position + 1):
        page.keyboard.press("j")
    assert ref in page.locator("tr.current-row").inner_text()
    page.keyboard.press("x")
    assert page.get_by_label(f"Select {ref}").is_checked()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/calls/{ref}/")
    page.keyboard.press("t")  # carol is a member of the Closure Group: Take opens, its note field focused
    assert page.evaluate("document.activeElement.id") == "id_take-reason"
    page.goto("/calls/new/")
    assert page.evaluate("document.activeElement.id") == "id_call_type"  # the first field has focus


def test_calls_outstanding_the_calls_list_and_the_call_pages_fit_a_375_px_screen(live_desk, sign_in, screenshot):
    ref = _waiting_for_closure(live_desk, "VPN drops every few minutes when on the guest wifi")
    page = sign_in("carol")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/")
    page.get_by_role("link", name=ref).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for essential in (ref, "VPN drops every few minutes"):
        assert page.get_by_text(essential).first.is_visible()
    screenshot(page, "outstanding-375")
    # on a phone each call is a card: ref and priority, then the summary and the status, all on screen
    row = page.locator("table.outstanding tbody tr", has_text=ref)
    assert row.get_by_text("P3 Medium").is_visible() and row.locator(".badge").first.is_visible()
    page.goto(f"/calls/{ref}/")
    page.get_by_role("heading", name="History").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "call-375")
    for path in ("/calls/?q=vpn", f"/calls/{ref}/edit/", "/calls/new/"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
