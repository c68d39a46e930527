"""A closer's day through the CLI: search, edit, write a note, then close several calls at once with one
refused — the same flow as the browser test, on the same services."""

from __future__ import annotations

import json

import pytest

from closeloop.calls.models import Call
from closeloop.cli.bulk_commands import SOME_REFUSED
from closeloop.cli.main import main
from closeloop.closure import Status
from tests.integration.bulk.conftest import quokka_day

pytestmark = pytest.mark.django_db


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_day_through_the_cli(capsys, desk):
    waiting, still_open = quokka_day(desk)

    code, out, err = cli(capsys, "call", "list", "--search", "quokka", "--as", "carol", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert {c["ref"] for c in listed["items"]} == {*(c.ref for c in waiting), still_open.ref}

    ref = waiting[0].ref
    version = Call.objects.get(ref=ref).version
    code, out, err = cli(capsys, "call", "edit", ref, "--summary", "Quokka kiosk 1 in the lobby is blank",
                         "--impact", "1", "--version", str(version), "--as", "carol")
    assert code == 0, err
    code, out, err = cli(capsys, "call", "edit", ref, "--summary", "Lost update", "--version", str(version),
                         "--as", "carol")
    assert code != 0 and "changed" in err.lower()

    code, out, err = cli(capsys, "call", "note", ref, "Checked on site: the card reader answers.", "--as", "carol")
    assert code == 0, err
    code, out, err = cli(capsys, "call", "list", "--search", "card reader", "--as", "carol", "--json")
    assert [c["ref"] for c in json.loads(out)["items"]] == [ref]

    refs = [waiting[0].ref, still_open.ref, waiting[1].ref]
    code, out, err = cli(capsys, "call", "bulk", "close", *refs, "--reason", "FIXED", "--comments",
                         "Checked with the user: the kiosk works.", "--as", "carol")
    assert code == SOME_REFUSED
    assert out.splitlines()[-1].startswith("Closed 2, refused 1")
    assert Call.objects.get(ref=still_open.ref).status == Status.ASSIGNED.value
    assert Call.objects.get(ref=ref).summary == "Quokka kiosk 1 in the lobby is blank"
