"""The work log and attachments through the `closeloop` command: notes, files, downloads only for analysts
who can see the call, and the note given when taking a call."""

from __future__ import annotations

import json

import pytest

from closeloop.calls import services as calls
from closeloop.cli.main import EXIT_CODES, main

pytestmark = pytest.mark.django_db


def cli_json(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


@pytest.fixture
def ref(desk) -> str:  # type: ignore[no-untyped-def]
    return calls.log_call(desk.default, "incident", "Laptop will not boot", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice).ref


def test_a_note_with_a_file_is_added_listed_and_the_file_saved_back(capsys, desk, ref, tmp_path):
    log = tmp_path / "boot.log"
    log.write_bytes(b"POST error 0x1F\n")
    code, note, err = cli_json(capsys, "call", "note", ref, "Boot log attached", "--attach", str(log), "--as", "rita")
    assert code == 0, err
    assert note["note"] == "Boot log attached" and note["visible_to_contact"] is False
    file_id = note["attachments"][0]["id"]
    code, notes, _ = cli_json(capsys, "call", "notes", ref, "--as", "alice")
    assert [n["note"] for n in notes] == ["Boot log attached"]
    code, files, _ = cli_json(capsys, "call", "attachments", ref, "--as", "alice")
    assert [(f["name"], f["size"]) for f in files] == [("boot.log", 16)]
    out = tmp_path / "copy.log"
    code, saved, err = cli_json(capsys, "attachment", "get", str(file_id), "--out", str(out), "--as", "carol")
    assert code == 0, err
    assert out.read_bytes() == b"POST error 0x1F\n" and saved["saved_to"] == str(out)


def test_a_file_of_another_partitions_call_is_not_found_and_nothing_is_saved(capsys, desk, ref, tmp_path):
    log = tmp_path / "boot.log"
    log.write_bytes(b"secret")
    _, note, _ = cli_json(capsys, "call", "note", ref, "--attach", str(log), "--as", "rita")
    out = tmp_path / "stolen.log"
    code, _, err = cli_json(capsys, "attachment", "get", str(note["attachments"][0]["id"]), "--out", str(out),
                            "--as", "olga")
    assert code == EXIT_CODES["not_found"] and err["error"] == "not_found"
    assert not out.exists()


def test_a_read_only_analyst_is_refused_with_the_right_named(capsys, desk, ref):
    code, _, err = cli_json(capsys, "call", "note", ref, "hello", "--as", "erin")
    assert code == EXIT_CODES["not_allowed"] and "Read only" in err["message"]


def test_a_missing_file_to_attach_is_refused_naming_it(capsys, desk, ref, tmp_path):
    code, _, err = cli_json(capsys, "call", "note", ref, "x", "--attach", str(tmp_path / "nope.log"), "--as", "rita")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "attach" and "nope.log" in err["message"]


def test_a_note_for_the_contact_without_a_contact_is_refused(capsys, desk, ref):
    code, _, err = cli_json(capsys, "call", "note", ref, "hi", "--contact-visible", "--as", "rita")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "visible_to_contact"


def test_the_note_given_when_taking_is_kept(capsys, desk, ref):
    calls.resolve_call(ref, desk.rita, "New SSD")
    code, _, err = cli_json(capsys, "call", "take", ref, "--note", "I ordered the SSD", "--as", "carol")
    assert code == 0, err
    _, notes, _ = cli_json(capsys, "call", "notes", ref, "--as", "carol")
    assert [(n["action"], n["note"]) for n in notes] == [("take", "I ordered the SSD")]


def test_the_work_log_reads_as_lines_for_people(capsys, desk, ref):
    main(["call", "note", ref, "Rang the user", "--as", "rita"])
    capsys.readouterr()
    assert main(["call", "notes", ref, "--as", "rita"]) == 0
    out = capsys.readouterr().out
    assert f"{ref} work log: 1 entry" in out and "rita (internal): Rang the user" in out
