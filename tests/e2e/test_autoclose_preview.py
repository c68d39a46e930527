"""Before a Call Auto Close rule is added or deactivated, the manager sees what the rules would do to the calls."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e

RULE = "Preview: close after a day"


def rules(live_desk):  # type: ignore[no-untyped-def]
    return {r["name"]: r["active"] for r in live_desk.cli("autoclose", "list", "Default")}


def test_the_preview_is_shown_before_the_change_reason_and_the_save_then_works(live_desk, sign_in, screenshot):
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary",
                         "Auto-close preview: projector flickers", "--group", "Service Desk", "--assign-analyst",
                         "rita", "--contact", DANA, "--as", "alice")
    live_desk.cli("call", "resolve", call["ref"], "--resolution", "Replaced the cable", "--as", "rita")
    before = rules(live_desk)

    page = sign_in("admin")
    page.goto("/system/auto-close/")
    page.get_by_label("Rule name").fill(RULE)
    page.get_by_role("group", name="Watched statuses").get_by_label("Forward for Closure").check()
    page.get_by_role("group", name="Call types").get_by_label("Incident", exact=True).check()
    page.get_by_label("Idle time (days)").fill("1")
    page.get_by_label("Closure reason").select_option("FIXED")
    page.get_by_role("button", name="Add rule…").click()

    dialog = page.get_by_role("dialog", name="Why are you changing the Call Auto Close rules?")
    preview = dialog.get_by_test_id("autoclose-preview")
    preview.wait_for()
    assert "would be treated differently" in preview.inner_text()
    assert preview.get_by_role("row", name="auto-close").is_visible()
    preview.get_by_text("Calls that would be treated differently").click()
    change = preview.get_by_role("listitem").filter(has=page.get_by_role("link", name=call["ref"]))
    assert "nothing → auto-close on" in change.inner_text()  # resolved just now: closed in a day
    screenshot(page, "autoclose-preview-before-saving")
    assert rules(live_desk) == before  # the preview saved nothing

    dialog.get_by_label("Change reason").fill("Preview test: resolved incidents close after a day")
    dialog.get_by_role("button", name="Save with this reason").click()
    page.get_by_text(f"Rule {RULE} saved").wait_for()
    assert rules(live_desk) == {**before, RULE: True}

    page.get_by_role("button", name=f"Deactivate {RULE}…").click()
    dialog = page.get_by_role("dialog", name=f"Why are you deactivating {RULE}?")
    preview = dialog.get_by_test_id("autoclose-preview")
    preview.wait_for()
    preview.get_by_text("Calls that would be treated differently").click()
    change = preview.get_by_role("listitem").filter(has=page.get_by_role("link", name=call["ref"]))
    assert "→ nothing" in change.inner_text()
    screenshot(page, "autoclose-preview-before-deactivating")
    assert rules(live_desk)[RULE] is True  # still active until the reason is given
    dialog.get_by_label("Change reason").fill("Preview test: done")
    dialog.get_by_role("button", name="Deactivate with this reason").click()
    page.get_by_text(f"Rule {RULE} is now deactivated.").wait_for()
    assert rules(live_desk)[RULE] is False
