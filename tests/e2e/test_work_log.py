"""An analyst writes a note with a file on the call page, and a colleague downloads the file."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e


def test_a_note_with_a_file_is_added_on_the_call_page_and_the_file_downloads(live_desk, sign_in, screenshot,
                                                                               tmp_path):
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary",
                         "VPN drops after sleep", "--group", "Service Desk", "--assign-analyst", "rita",
                         "--contact", DANA, "--as", "alice")
    log = tmp_path / "vpnclient.log"
    log.write_text("10:02:11 tunnel down: peer not responding\n")

    page = sign_in("rita")
    page.goto(f"/calls/{call['ref']}/")
    log_section = page.locator("#work-log")
    log_section.get_by_label("Note").fill("Log from the user's laptop attached.")
    log_section.get_by_label("Attach files").set_input_files(str(log))
    log_section.get_by_role("button", name="Add note").click()
    page.get_by_text(f"Note added to {call['ref']} with 1 file.").wait_for()
    entry = page.locator("#work-log .work-log-entry").last
    assert "Log from the user's laptop attached." in entry.inner_text()
    assert "Internal" in entry.inner_text()
    screenshot(page, "work-log-note-with-file")

    colleague = sign_in("carol")
    colleague.goto(f"/calls/{call['ref']}/")
    with colleague.expect_download() as downloading:
        colleague.locator("#work-log").get_by_role("link", name="vpnclient.log").click()
    download = downloading.value
    assert download.suggested_filename == "vpnclient.log"
    saved = tmp_path / "downloaded.log"
    download.save_as(str(saved))
    assert saved.read_text() == "10:02:11 tunnel down: peer not responding\n"


def test_a_note_for_the_contact_is_marked_visible_to_contact(live_desk, sign_in):
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary",
                         "Printer jams", "--group", "Service Desk", "--assign-analyst", "rita",
                         "--contact", DANA, "--as", "alice")
    page = sign_in("rita")
    page.goto(f"/calls/{call['ref']}/")
    log_section = page.locator("#work-log")
    log_section.get_by_label("Note").fill("We will visit at 3 pm.")
    log_section.get_by_label("Visible to the contact").check()
    log_section.get_by_role("button", name="Add note").click()
    entry = page.locator("#work-log .work-log-entry").last
    entry.get_by_text("We will visit at 3 pm.").wait_for()
    assert "Visible to contact" in entry.inner_text()
