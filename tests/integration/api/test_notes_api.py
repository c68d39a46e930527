"""The work log and attachments through the API: notes as JSON or with files, the errors naming the field,
downloads only for analysts who can see the call, and the note given when taking a call."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls

pytestmark = pytest.mark.django_db


def multipart(analyst, path: str, data: dict):  # type: ignore[no-untyped-def]
    token = create_token(analyst, "files")[1]
    return Client().post(f"/api/v1{path}", data, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_json_note_is_added_and_listed_in_the_work_log(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/notes", {"text": "Asked for the VPN log"})
    assert reply.status == 201, reply.body
    assert reply.body["note"] == "Asked for the VPN log" and reply.body["visible_to_contact"] is False
    assert reply.body["author"] == "rita" and reply.body["attachments"] == []
    listed = as_("carol").get(f"/calls/{logged.ref}/notes").body
    assert [n["note"] for n in listed] == ["Asked for the VPN log"]
    history = as_("carol").get(f"/calls/{logged.ref}/history").body
    assert [(e["note"], e["visible_to_contact"]) for e in history if e["note"]][-1] == ("Asked for the VPN log", False)


def test_a_note_with_files_is_sent_as_a_form_and_each_file_downloads(desk, as_, logged):
    response = multipart(desk.rita, f"/calls/{logged.ref}/notes", {
        "text": "Log and screenshot", "visible_to_contact": "false",
        "files": [SimpleUploadedFile("vpn.log", b"dropped at 10:02\n", content_type="application/x-whatever"),
                  SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")]})
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(f["name"], f["content_type"], f["size"]) for f in files] == [
        ("vpn.log", "text/plain", 17), ("screen.png", "image/png", 8)]
    assert [f["name"] for f in as_("alice").get(f"/calls/{logged.ref}/attachments").body] == ["vpn.log", "screen.png"]
    download = as_("carol").get(files[0]["download"])
    assert download.status == 200 and download.body == b"dropped at 10:02\n"
    assert download.headers["Content-Type"] == "text/plain"
    assert download.headers["Content-Disposition"] == 'attachment; filename="vpn.log"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_is_not_found_for_an_analyst_of_another_partition(desk, as_, logged):
    response = multipart(desk.rita, f"/calls/{logged.ref}/notes", {
        "files": [SimpleUploadedFile("trace.txt", b"secret")]})
    attachment_id = response.json()["attachments"][0]["id"]
    reply = as_("olga").get(f"/attachments/{attachment_id}")
    assert reply.status == 404 and reply.body["error"] == "not_found" and b"secret" not in str(reply.body).encode()
    assert as_("olga").get(f"/calls/{logged.ref}/attachments").status == 404
    assert as_("olga").get(f"/calls/{logged.ref}/notes").status == 404


def test_a_file_over_the_limit_is_a_400_naming_files_and_the_limit(desk, logged, settings):
    settings.CLOSELOOP_ATTACHMENT_MAX_BYTES = 100
    response = multipart(desk.rita, f"/calls/{logged.ref}/notes", {
        "text": "big", "files": [SimpleUploadedFile("dump.log", b"x" * 200)]})
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "files" and "dump.log is 200 bytes, larger than the 100 bytes limit" in body["message"]
    assert calls.get_call(logged.ref, desk.rita).events.filter(action="add_note").count() == 0


def test_a_form_larger_than_any_note_may_carry_is_a_json_413(desk, logged, settings):
    settings.CLOSELOOP_ATTACHMENT_MAX_BYTES = 10
    settings.CLOSELOOP_ATTACHMENT_MAX_FILES = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = multipart(desk.rita, f"/calls/{logged.ref}/notes", {
        "files": [SimpleUploadedFile("dump.log", b"x" * 5000)]})
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_a_read_only_analyst_is_refused_a_note_with_403(desk, as_, logged):
    reply = as_("erin").post(f"/calls/{logged.ref}/notes", {"text": "hello"})
    assert reply.status == 403 and "Read only" in reply.body["message"]


def test_a_blank_note_without_files_is_a_400_naming_text(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/notes", {"text": "  "})
    assert reply.status == 400 and reply.error[1] == "text"


def test_a_note_for_the_contact_on_a_call_without_one_is_a_400_naming_the_field(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/notes", {"text": "hi", "visible_to_contact": True})
    assert reply.status == 400 and reply.error[1] == "visible_to_contact"


def test_a_wrongly_typed_field_is_refused_naming_it(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/notes", {"text": "hi", "visible_to_contact": "maybe"})
    assert reply.status == 400 and reply.error[1] == "visible_to_contact"


def test_the_note_given_when_taking_through_the_api_is_kept(desk, as_, logged):
    calls.resolve_call(logged.ref, desk.rita, "Replaced the cable")
    reply = as_("carol").post(f"/calls/{logged.ref}/take", {"note": "Mine: I set this user up"})
    assert reply.status == 200, reply.body
    notes = as_("carol").get(f"/calls/{logged.ref}/notes").body
    assert [(n["action"], n["note"]) for n in notes] == [("take", "Mine: I set this user up")]
