"""The work log and attachments through the services: who may write notes, on which calls, what the contact
is told, the limits on files, and what a refused or rolled-back note leaves behind (nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from closeloop.calls import services as calls
from closeloop.calls.attachments import get_attachment, open_attachment
from closeloop.calls.models import Attachment, CallEvent
from closeloop.calls.notes import add_note, work_log_of
from closeloop.closure import InvalidInput, InvalidTransition, NotAllowed, NotFound
from closeloop.contacts.services import add_contact
from closeloop.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def call(desk):  # type: ignore[no-untyped-def]
    return calls.log_call(desk.default, "incident", "VPN drops every hour", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)


def test_an_analyst_writes_an_internal_note_that_changes_nothing_else_on_the_call(desk, call):
    added = add_note(call.ref, desk.rita, "Asked the user for the VPN log")
    event = CallEvent.objects.get(pk=added.event.pk)
    assert (event.action, event.note, event.visible_to_contact) == ("add_note", "Asked the user for the VPN log",
                                                                   False)
    after = calls.get_call(call.ref, desk.rita)
    assert (after.status, after.version) == (call.status, call.version)
    assert [e.note for e in work_log_of(after)] == ["Asked the user for the VPN log"]


def test_two_analysts_writing_notes_from_the_same_page_both_succeed_unless_they_ask_for_the_version(desk, call):
    add_note(call.ref, desk.rita, "first", expected_version=call.version)
    add_note(call.ref, desk.alice, "second", expected_version=call.version)
    calls.hold_call(call.ref, desk.rita, "Waiting for the user")
    with pytest.raises(Exception, match="changed by someone else"):
        add_note(call.ref, desk.alice, "third", expected_version=call.version)


def test_a_read_only_analyst_may_not_write_a_note(desk, call):
    with pytest.raises(NotAllowed, match="erin is Read only"):
        add_note(call.ref, desk.erin, "I was here")
    assert not CallEvent.objects.filter(action="add_note").exists()


def test_an_analyst_of_another_partition_cannot_find_the_call_to_note(desk, call):
    with pytest.raises(NotFound):
        add_note(call.ref, desk.olga, "Not mine")


def test_a_closed_call_takes_no_more_notes(desk, call):
    calls.resolve_call(call.ref, desk.rita, "Updated the client")
    calls.take_call(call.ref, desk.carol)
    calls.close_call(call.ref, desk.carol, "Works", reason="FIXED")
    with pytest.raises(InvalidTransition):
        add_note(call.ref, desk.carol, "Too late")


def test_the_note_given_when_taking_a_call_is_kept_and_shown_in_the_work_log_with_the_other_action_notes(
        desk, call):
    calls.hold_call(call.ref, desk.rita, "Waiting for the user")
    calls.resume_call(call.ref, desk.rita, "User is back")
    calls.resolve_call(call.ref, desk.rita, "Updated the client")
    calls.take_call(call.ref, desk.carol, note="I know this user, taking it")
    calls.forward_call(call.ref, desk.carol, "Dave owns VPN", to_analyst=desk.dave)
    calls.reject_resolution(call.ref, desk.dave, "Still drops")
    take = CallEvent.objects.get(call=call, action="take")
    assert take.note == "I know this user, taking it"
    log = [(e.action, e.note) for e in work_log_of(calls.get_call(call.ref, desk.rita))]
    assert log == [("hold", "Waiting for the user"), ("resume", "User is back"),
                   ("take", "I know this user, taking it"), ("forward_to_analyst", "Dave owns VPN"),
                   ("reject", "Still drops")]


def test_only_a_note_visible_to_the_contact_writes_a_message_and_only_to_the_contact(desk):
    pat = add_contact(desk.default, "Pat User", email="pat.user@example.org", actor=desk.alice)
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice, contact=pat)
    before = OutboxMessage.objects.count()
    add_note(call.ref, desk.alice, "Internal: user is VIP")
    assert OutboxMessage.objects.count() == before
    add_note(call.ref, desk.alice, "We will visit at 3 pm", visible_to_contact=True)
    message = OutboxMessage.objects.get(kind="note_for_contact")
    assert message.recipient == "pat.user@example.org"
    assert "We will visit at 3 pm" in message.body_text and "VIP" not in message.body_text
    assert message.subject.startswith(f"[{call.ref}] A note from the service desk")


def test_a_note_for_the_contact_on_a_call_without_a_contact_is_refused(desk, call):
    with pytest.raises(InvalidInput, match="no contact") as refused:
        add_note(call.ref, desk.rita, "Hello", visible_to_contact=True)
    assert refused.value.field == "visible_to_contact"


def test_files_come_with_a_note_and_are_read_back_by_analysts_who_see_the_call(desk, call, settings):
    added = add_note(call.ref, desk.rita, "The log and a screenshot",
                     files=[ContentFile(b"line 1\nline 2\n", name="vpn.log"),
                            ContentFile(b"\x89PNG\r\n\x1a\n", name="C:\\Users\\rita\\screen.png")])
    names = [(a.name, a.content_type, a.size) for a in added.attachments]
    assert names == [("vpn.log", "text/plain", 14), ("screen.png", "image/png", 8)]
    assert added.event.details["files"] == "vpn.log, screen.png"
    found = get_attachment(added.attachments[0].id, desk.alice)
    with open_attachment(found) as stored:
        assert stored.read() == b"line 1\nline 2\n"
    assert len(stored_files(settings)) == 2


def test_files_alone_make_a_note_without_text(desk, call):
    added = add_note(call.ref, desk.rita, "", files=[ContentFile(b"x", name="trace.txt")])
    assert added.event.note == "" and [a.name for a in added.attachments] == ["trace.txt"]


def test_an_attachment_is_not_found_by_an_analyst_of_another_partition(desk, call):
    added = add_note(call.ref, desk.rita, "log", files=[ContentFile(b"x", name="trace.txt")])
    with pytest.raises(NotFound):
        get_attachment(added.attachments[0].id, desk.olga)


def test_a_file_over_the_size_limit_is_refused_naming_it_and_the_limit_and_nothing_is_written(desk, call,
                                                                                                settings):
    settings.CLOSELOOP_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(InvalidInput) as refused:
        add_note(call.ref, desk.rita, "two files", files=[ContentFile(b"small", name="ok.txt"),
                                                          ContentFile(b"x" * 2048, name="big.log")])
    assert refused.value.field == "files"
    assert "big.log is 2.0 KB, larger than the 1.0 KB limit" in refused.value.message
    assert stored_files(settings) == [] and not Attachment.objects.exists()
    assert not CallEvent.objects.filter(action="add_note").exists()


def test_a_file_of_a_type_not_accepted_is_refused_naming_it(desk, call, settings):
    with pytest.raises(InvalidInput, match="run.exe is not a file type Closeloop accepts") as refused:
        add_note(call.ref, desk.rita, "a tool", files=[ContentFile(b"MZ", name="run.exe")])
    assert refused.value.field == "files" and stored_files(settings) == []


def test_a_refused_note_leaves_no_stored_file_behind(desk, call, settings):
    with pytest.raises(NotAllowed):
        add_note(call.ref, desk.erin, "read only", files=[ContentFile(b"x", name="trace.txt")])
    assert stored_files(settings) == [] and not Attachment.objects.exists()


def test_a_note_rolled_back_after_its_file_was_stored_leaves_no_file_behind(desk, call, settings, monkeypatch):
    from closeloop.calls import attachments

    def failing_save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(attachments.Attachment, "save", failing_save)
    with pytest.raises(RuntimeError):
        add_note(call.ref, desk.rita, "log", files=[ContentFile(b"x", name="trace.txt")])
    assert stored_files(settings) == []
    assert not CallEvent.objects.filter(action="add_note").exists()


def test_a_stored_file_is_kept_when_the_note_commits(desk, call, settings):
    with transaction.atomic():
        added = add_note(call.ref, desk.rita, "log", files=[ContentFile(b"kept", name="trace.txt")])
    assert default_storage.exists(added.attachments[0].file.name)


def test_the_work_log_taken_from_the_history_the_call_page_read_is_the_one_the_query_reads(desk, call):
    """The call page takes its work log from the history it shows; the API and command line read it: the same
    entries, in the same order, with the same files (actions with and without a note, a note with files)."""
    add_note(call.ref, desk.rita, "Asked the user for the VPN log", files=[ContentFile(b"x", name="trace.txt")])
    calls.hold_call(call.ref, desk.rita, "Waiting for the user")
    calls.resume_call(call.ref, desk.rita, "")
    add_note(call.ref, desk.alice, "", files=[ContentFile(b"y", name="vpn.log")])
    calls.resolve_call(call.ref, desk.rita, "Replaced the VPN client")
    after = calls.get_call(call.ref, desk.rita)
    history = list(after.events.select_related("actor"))
    taken, read = work_log_of(after, history), work_log_of(after)
    assert [(e.id, e.action, e.note, [a.name for a in e.attachments.all()]) for e in taken] == \
        [(e.id, e.action, e.note, [a.name for a in e.attachments.all()]) for e in read]
    assert [e.action for e in taken] == ["add_note", "hold", "add_note"]
