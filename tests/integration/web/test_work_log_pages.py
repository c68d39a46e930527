"""The work log on the call page: the notes and action notes in time order, adding a note with files,
errors re-shown with what was typed, and downloads only for analysts who can see the call."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.calls.models import Attachment, CallEvent
from closeloop.calls.notes import add_note
from closeloop.contacts.services import add_contact
from closeloop.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(desk):  # type: ignore[no-untyped-def]
    pat = add_contact(desk.default, "Pat User", email="pat.user@example.org", actor=desk.alice)
    return calls.log_call(desk.default, "incident", "VPN drops every hour", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice, contact=pat)


def test_the_call_page_shows_the_work_log_with_badges_and_files(client_for, desk, call):
    calls.hold_call(call.ref, desk.rita, "Waiting for the user")
    add_note(call.ref, desk.rita, "We will call you at 3", visible_to_contact=True)
    add_note(call.ref, desk.alice, "Internal: VIP", files=[SimpleUploadedFile("vpn.log", b"x" * 2048)])
    page = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
    log = page[page.index('id="work-log"'):]
    assert log.index("Waiting for the user") < log.index("We will call you at 3") < log.index("Internal: VIP")
    assert "Visible to contact" in log and "Internal</span>" in log
    attachment = Attachment.objects.get()
    assert f'href="/attachments/{attachment.id}/"' in log and "vpn.log" in log and "2.0\xa0KB" in log


def test_an_analyst_adds_a_note_with_files_from_the_call_page(client_for, desk, call):
    response = client_for("rita").post(f"/calls/{call.ref}/notes/", {
        "note-text": "Screenshot of the error", "note-visible_to_contact": "",
        "note-files": [SimpleUploadedFile("error.png", b"\x89PNG\r\n\x1a\n"),
                       SimpleUploadedFile("vpn.txt", b"log")]})
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.ref}/#work-log"
    event = CallEvent.objects.get(action="add_note")
    assert event.note == "Screenshot of the error" and not event.visible_to_contact
    assert sorted(a.name for a in event.attachments.all()) == ["error.png", "vpn.txt"]


def test_a_refused_file_re_shows_the_form_with_the_message_and_the_text_typed(client_for, desk, call, settings):
    settings.CLOSELOOP_ATTACHMENT_MAX_BYTES = 10
    response = client_for("rita").post(f"/calls/{call.ref}/notes/", {
        "note-text": "Here is the dump", "note-files": [SimpleUploadedFile("dump.log", b"x" * 100)]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "dump.log is 100 bytes, larger than the 10 bytes limit" in page and "Here is the dump" in page
    assert not CallEvent.objects.filter(action="add_note").exists()


def test_a_read_only_analyst_sees_the_work_log_but_no_form_and_is_refused_a_post(client_for, desk, call):
    add_note(call.ref, desk.rita, "Rang the user")
    page = client_for("erin").get(f"/calls/{call.ref}/").content.decode()
    assert "Rang the user" in page and 'name="note-text"' not in page
    response = client_for("erin").post(f"/calls/{call.ref}/notes/", {"note-text": "hello"})
    assert response.status_code == 403
    assert CallEvent.objects.filter(action="add_note").count() == 1


def test_an_attachment_downloads_as_a_file_for_an_analyst_who_sees_the_call(client_for, desk, call):
    added = add_note(call.ref, desk.rita, "log", files=[SimpleUploadedFile("vpn.log", b"dropped\n")])
    response = client_for("carol").get(f"/attachments/{added.attachments[0].id}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"dropped\n"
    assert response["Content-Disposition"] == 'attachment; filename="vpn.log"'
    assert response["Content-Type"] == "text/plain" and response["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_is_not_found_for_an_analyst_of_another_partition(client_for, desk, call):
    added = add_note(call.ref, desk.rita, "log", files=[SimpleUploadedFile("vpn.log", b"secret")])
    assert client_for("olga").get(f"/attachments/{added.attachments[0].id}/").status_code == 404
    assert client_for("olga").post(f"/calls/{call.ref}/notes/", {"note-text": "x"}).status_code == 404


def test_the_note_typed_when_taking_a_call_is_kept(client_for, desk, call):
    calls.resolve_call(call.ref, desk.rita, "Updated the client")
    fresh = calls.get_call(call.ref, desk.carol)
    response = client_for("carol").post(f"/calls/{call.ref}/take/", {
        "take-expected_version": fresh.version, "take-reason": "I set this user up"})
    assert response.status_code == 302
    assert CallEvent.objects.get(call=call, action="take").note == "I set this user up"
    page = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
    assert "I set this user up" in page[page.index('id="work-log"'):]


def test_the_demo_desk_has_internal_and_contact_notes_with_small_files_on_open_calls(db):
    load_demo(calls_per_partition=8)
    notes = CallEvent.objects.filter(action="add_note")
    assert notes.filter(visible_to_contact=True).exists() and notes.filter(visible_to_contact=False).exists()
    files = list(Attachment.objects.all())
    assert {a.name for a in files} == {"vpnclient.log", "error-screenshot.png"}
    assert all(a.size < 4096 for a in files)
    client = Client()
    client.force_login(Analyst.objects.get(username="carol"))
    page = client.get(f"/calls/{files[0].call.ref}/").content.decode()
    assert "error-screenshot.png" in page
    download = client.get(f"/attachments/{files[-1].id}/")
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_a_file_larger_than_the_form_upload_limit_but_within_the_attachment_limit_is_accepted(client_for, desk,
                                                                                              call, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # what other forms may send; a note's files may be larger
    response = client_for("rita").post(f"/calls/{call.ref}/notes/", {
        "note-text": "Full dump", "note-files": [SimpleUploadedFile("dump.log", b"x" * 5000)]})
    assert response.status_code == 302
    assert Attachment.objects.get().size == 5000


def test_files_alone_are_attached_without_a_note_text(client_for, desk, call):
    response = client_for("rita").post(f"/calls/{call.ref}/notes/", {
        "note-text": "", "note-files": [SimpleUploadedFile("trace.txt", b"trace")]}, follow=True)
    assert f"1 file attached to {call.ref}." in response.content.decode()
    event = CallEvent.objects.get(action="add_note")
    assert event.note == "" and [a.name for a in event.attachments.all()] == ["trace.txt"]


def test_a_blank_note_without_files_is_refused_on_the_form(client_for, desk, call):
    response = client_for("rita").post(f"/calls/{call.ref}/notes/", {"note-text": "  "})
    assert response.status_code == 400
    assert "The note is required and cannot be blank (or attach a file)" in response.content.decode()
