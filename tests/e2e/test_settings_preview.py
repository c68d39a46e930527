"""Before closure settings are saved, the administrator sees where the calls of the closure stage would go."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def test_the_preview_is_shown_with_the_change_reason_prompt_before_anything_is_saved(live_desk, sign_in,
                                                                                      screenshot):
    live_desk.cli("settings", "set", "Default", "--method", "rules", "--rule", "log_group", "--closure-group",
                  "Closure Group", "--change-reason", "Preview test: log groups validate")
    refs = []
    for summary in ("Preview: toner smudges", "Preview: badge reader beeps"):
        call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary", summary,
                             "--group", "Service Desk", "--assign-analyst", "rita", "--contact", DANA,
                             "--as", "alice")
        live_desk.cli("call", "resolve", call["ref"], "--resolution", "Cleaned it", "--as", "rita")
        refs.append(call["ref"])
    live_desk.cli("call", "take", refs[1], "--as", "carol")
    live_desk.cli("call", "close", refs[1], "--comments", "User confirmed", "--reason", "FIXED", "--as", "carol")
    before = live_desk.cli("settings", "show", "Default")

    page = sign_in("admin")
    page.goto("/system/settings/")
    page.get_by_label("Closure rule").select_option("closure_group")
    page.get_by_role("button", name="Save settings…").click()
    dialog = page.get_by_role("dialog", name="Why are you changing these settings?")
    preview = dialog.get_by_test_id("settings-preview")
    preview.wait_for()
    text = preview.inner_text()
    assert "would go to another closure target" in text
    assert preview.get_by_role("row", name="group Closure Group").is_visible()
    preview.get_by_text("Calls that would change target").click()
    assert preview.get_by_role("link", name=refs[1]).is_visible()  # closed this month: routed again
    screenshot(page, "settings-preview-before-saving")
    assert live_desk.cli("settings", "show", "Default") == before  # nothing saved yet

    dialog.get_by_role("link", name="Cancel").click()
    assert live_desk.cli("settings", "show", "Default") == before
