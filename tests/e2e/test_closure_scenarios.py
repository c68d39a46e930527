"""The four browser scenarios of the two-part close, against the real server in Chromium."""

from __future__ import annotations

import re

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def _rules_by_log_group(live_desk) -> None:  # type: ignore[no-untyped-def]
    """Scenarios 2 and 3 need the Log Group rule whatever order the scenarios run in."""
    live_desk.cli("settings", "set", "Default", "--method", "rules", "--rule", "log_group", "--closure-group",
                  "Closure Group", "--change-reason", "Browser scenarios: log groups validate")


def _open_action(page, title: str):  # type: ignore[no-untyped-def]
    """Open one action of the call page (they are collapsed disclosure widgets)."""
    section = page.locator("details.action", has=page.locator("summary", has_text=re.compile(f"^{title}$")))
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section


def test_admin_sets_log_group_rule_with_a_change_reason_and_sees_it_in_history(sign_in, screenshot):
    page = sign_in("admin")
    page.get_by_role("link", name="System Administration").click()
    page.get_by_role("link", name="IPK Settings (Partitioned)").first.click()
    page.get_by_label("Closure rule").select_option("log_group")
    page.get_by_role("button", name="Save settings…").click()
    dialog = page.get_by_role("dialog", name="Why are you changing these settings?")
    dialog.get_by_label("Change reason").fill("Log groups know their callers best")
    screenshot(page, "1a-change-reason-prompt")
    dialog.get_by_role("button", name="Save with this reason").click()
    page.get_by_text("Closure settings of Default saved").wait_for()
    history = page.locator("section", has=page.get_by_role("heading", name="Settings history"))
    first = history.locator("tbody tr").first
    assert "Log groups know their callers best" in first.inner_text()
    assert "Log Group" in first.locator("ins").all_inner_texts()
    assert page.get_by_label("Closure rule").input_value() == "log_group"
    screenshot(page, "1-settings-history")


def test_call_logged_resolved_taken_and_closed_by_the_log_group(live_desk, sign_in, screenshot):
    _rules_by_log_group(live_desk)
    alice = sign_in("alice")
    alice.get_by_role("link", name="Log a call", exact=True).first.click()
    alice.get_by_label("Type").select_option("incident")
    alice.get_by_label("Summary").fill("VPN drops every hour")
    alice.get_by_label("Log group").select_option(label="Service Desk")
    alice.get_by_label("Assign to analyst").select_option(label="rita")
    alice.get_by_label("Find by part of a name or e-mail").fill("fish")  # htmx offers the matching contacts
    alice.get_by_role("radio", name=re.compile("Dana Fisher")).check()
    alice.get_by_role("button", name="Log call").click()
    ref = alice.locator("h1 .ref").inner_text()
    contact = alice.locator("dd.contact")
    assert "Dana Fisher" in contact.inner_text() and contact.get_by_role("link", name=DANA).get_attribute(
        "href") == f"mailto:{DANA}"

    rita = sign_in("rita")
    rita.goto(f"/calls/{ref}/")
    resolve = _open_action(rita, "Resolve")
    assert "Service Desk" in resolve.locator(".route").inner_text()
    resolve.get_by_label("Resolution").fill("Updated the VPN client to 5.2")
    screenshot(rita, "2a-resolve-form")
    resolve.get_by_role("button", name="Resolve").click()
    rita.get_by_text(f"{ref} resolved.").wait_for()
    assert rita.locator(".status-line .badge").inner_text() == "Forward for Closure"
    assert rita.locator("details.action summary", has_text="Close").count() == 0

    carol = sign_in("carol")
    carol.set_viewport_size({"width": 390, "height": 844})  # a phone: the queue must stay usable
    carol.get_by_role("link", name=re.compile("^Forward for Closure")).click()
    screenshot(carol, "2b-queue-on-a-phone")
    carol.set_viewport_size({"width": 1280, "height": 900})
    carol.get_by_role("link", name=ref).click()
    _open_action(carol, "Take").get_by_role("button", name="Take").click()
    carol.get_by_text(f"{ref} taken").wait_for()
    assert carol.locator(".status-line .badge").inner_text() == "Forward to You for Close"
    close = _open_action(carol, "Close")
    close.get_by_label("Closure reason").select_option("FIXED")
    close.get_by_label("Closure comments").fill("User confirms the VPN stays up")
    close.get_by_role("button", name="Close").click()
    carol.get_by_text(f"{ref} closed.").wait_for()
    assert carol.locator(".status-line .badge").inner_text() == "Closed"
    history = carol.locator("ol.timeline > li").all_inner_texts()
    assert [h.split(" · ")[1] for h in history] == ["alice", "alice", "rita", "carol", "carol"]
    assert [_action(h) for h in history] == ["Log", "Assign", "Resolve to group", "Take", "Close"]
    screenshot(carol, "2-closed-with-history")


def _action(entry: str) -> str:
    label = entry.split(" · ")[2]
    for known in ("Resolve to group", "Log", "Assign", "Take", "Close"):
        if label.startswith(known):
            return known
    return label


def test_closer_rejects_and_the_resolver_finds_the_call_assigned_to_them(live_desk, sign_in, screenshot):
    _rules_by_log_group(live_desk)
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary",
                         "Printer offline", "--group", "Service Desk", "--assign-analyst", "rita", "--contact", DANA,
                         "--as", "alice")
    ref = call["ref"]
    live_desk.cli("call", "resolve", ref, "--resolution", "Restarted the spooler", "--as", "rita")

    carol = sign_in("carol")
    carol.goto(f"/calls/{ref}/")
    _open_action(carol, "Take").get_by_role("button", name="Take").click()
    reject = _open_action(carol, "Reject resolution")
    reject.get_by_label("Why the resolution is rejected").fill("The printer is still offline")
    reject.get_by_role("button", name="Reject resolution").click()
    carol.get_by_text(f"{ref} sent back to its resolver.").wait_for()
    assert carol.locator(".status-line .badge").inner_text() == "Assigned"

    rita = sign_in("rita")
    rita.get_by_role("link", name=re.compile("^Assigned to me")).click()
    assert rita.get_by_role("link", name=ref).is_visible()
    assert "Assigned" in rita.locator("tr", has=rita.get_by_role("link", name=ref)).inner_text()
    screenshot(rita, "3-rejected-back-to-resolver")


def test_settings_with_a_closure_group_nobody_can_close_are_refused_and_nothing_changes(
        live_desk, sign_in, screenshot):
    before = live_desk.cli("settings", "show", "Default")
    history_before = live_desk.cli("settings", "history", "Default")
    page = sign_in("admin")
    page.goto("/system/settings/")
    page.get_by_label("Closure group").select_option(label="Empty Group")
    page.get_by_role("button", name="Save settings…").click()
    alert = page.get_by_role("alert").filter(has_text="Settings not saved")
    alert.wait_for()
    assert "Empty Group would have no eligible closer" in alert.inner_text()
    assert page.get_by_role("dialog").count() == 0 or not page.get_by_role("dialog").is_visible()
    screenshot(page, "4-settings-refused")
    assert live_desk.cli("settings", "show", "Default") == before
    assert live_desk.cli("settings", "history", "Default") == history_before
    page.goto("/system/settings/")
    assert page.get_by_label("Closure group").locator("option:checked").inner_text() == "Closure Group"
