"""Before a sampling policy is saved, the administrator sees which calls it would sample, then gives the
change reason and saves it."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def test_the_preview_is_shown_before_the_change_reason_is_asked_and_the_save_then_works(live_desk, sign_in,
                                                                                        screenshot):
    refs = []
    for summary in ("Sampling preview: scanner stalls", "Sampling preview: headset crackles"):
        call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary", summary,
                             "--group", "Service Desk", "--assign-analyst", "rita", "--contact", DANA,
                             "--as", "alice")
        live_desk.cli("call", "resolve", call["ref"], "--resolution", "Reseated the cable", "--as", "rita")
        refs.append(call["ref"])
    live_desk.cli("call", "take", refs[1], "--as", "carol")
    live_desk.cli("call", "close", refs[1], "--comments", "User confirmed", "--reason", "FIXED", "--as", "carol")
    before = live_desk.cli("sampling", "show", "--partition", "Default")
    assert before["enabled"] is False
    try:
        page = sign_in("admin")
        page.goto("/system/sampling/")
        page.get_by_label("Sample resolved calls").check()
        page.get_by_label("Validate every call at this priority or above").select_option("1")
        page.get_by_role("button", name="Save sampling policy…").click()

        dialog = page.get_by_role("dialog", name="Why are you changing the sampling policy?")
        preview = dialog.get_by_test_id("sampling-preview")
        preview.wait_for()
        text = preview.inner_text()
        assert "would change decision" in text and "shown as if resolved again now" in text
        assert preview.get_by_role("row", name="Not sampled: may close on the contact's word").is_visible()
        preview.get_by_text("Calls that would change decision").click()
        # the newest call waiting for closure comes first: P3, no longer validated under "every P1"
        item = preview.get_by_role("listitem").filter(has=page.get_by_role("link", name=refs[0]))
        assert "not sampled" in item.inner_text()
        assert dialog.get_by_label("Change reason").is_visible()
        screenshot(page, "sampling-preview-before-saving")
        assert live_desk.cli("sampling", "show", "--partition", "Default") == before  # nothing saved yet

        dialog.get_by_label("Change reason").fill("Validate only P1 calls")
        dialog.get_by_role("button", name="Save with this reason").click()
        page.get_by_text(f"Sampling policy of Default saved as version {before['version'] + 1}").wait_for()
        saved = live_desk.cli("sampling", "show", "--partition", "Default")
        assert (saved["enabled"], saved["min_priority"], saved["version"]) == (True, 1, before["version"] + 1)
        assert page.get_by_text("Validate only P1 calls").is_visible()  # in the policy's history
    finally:  # the other browser tests expect every call validated as the closure settings say
        live_desk.cli("sampling", "set", "--partition", "Default", "--no-enabled", "--reason",
                      "Browser test done: back to no sampling")
