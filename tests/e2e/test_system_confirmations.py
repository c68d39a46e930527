"""Taking something away in System Administration asks for confirmation first."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_deactivating_an_analyst_asks_first_and_cancelling_changes_nothing(live_desk, sign_in, screenshot):
    live_desk.cli("analyst", "add", "tempworker", "--partition", "Default", "--role", "Analyst")
    page = sign_in("admin")
    page.goto("/system/analysts/")
    button = page.get_by_role("button", name="Deactivate tempworker")
    questions: list[str] = []

    def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    button.click()
    assert questions and questions[0].startswith("Deactivate tempworker?")
    assert page.get_by_role("button", name="Deactivate tempworker").is_visible()
    active = {a["username"]: a for a in live_desk.cli("analyst", "list")}
    assert active["tempworker"]["active"] is True

    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Deactivate tempworker").count() == 0
    assert {a["username"]: a for a in live_desk.cli("analyst", "list")}["tempworker"]["active"] is False
    screenshot(page, "system-deactivated-after-confirmation")
