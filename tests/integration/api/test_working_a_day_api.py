"""A closer's day through the API: search, read, edit, write a note, then close several calls at once with
one refused — the same flow as the browser test, on the same services."""

from __future__ import annotations

import pytest

from closeloop.calls.models import Call
from closeloop.closure import Status
from tests.integration.bulk.conftest import quokka_day

pytestmark = pytest.mark.django_db


def test_the_day_through_the_api(as_, desk):
    waiting, still_open = quokka_day(desk)
    carol = as_("carol")

    found = carol.get("/calls?q=quokka")
    assert found.status == 200, found.body
    assert {c["ref"] for c in found.body["items"]} == {*(c.ref for c in waiting), still_open.ref}

    first = carol.get(f"/calls/{waiting[0].ref}").body
    edited = carol.request("PATCH", f"/calls/{first['ref']}", {"summary": "Quokka kiosk 1 in the lobby is blank",
                                                               "impact": 1, "version": first["version"]})
    assert edited.status == 200, edited.body
    assert edited.body["summary"] == "Quokka kiosk 1 in the lobby is blank"
    stale = carol.request("PATCH", f"/calls/{first['ref']}", {"summary": "Lost update", "version": first["version"]})
    assert stale.status == 409

    note = carol.post(f"/calls/{first['ref']}/notes", {"text": "Checked on site: the card reader answers."})
    assert note.status in (200, 201), note.body
    assert [c["ref"] for c in carol.get("/calls?q=card%20reader").body["items"]] == [first["ref"]]

    refs = [waiting[0].ref, still_open.ref, waiting[1].ref]
    result = carol.post("/calls/bulk/close", {"refs": refs, "reason": "FIXED",
                                              "comments": "Checked with the user: the kiosk works."})
    assert result.status == 200, result.body
    assert result.body["summary"] == "Closed 2, refused 1"
    refused = [r for r in result.body["results"] if not r["ok"]]
    assert [r["ref"] for r in refused] == [still_open.ref]
    assert "cannot close it now" in refused[0]["error"]["message"]
    assert {Call.objects.get(ref=r).status for r in (waiting[0].ref, waiting[1].ref)} == {Status.CLOSED.value}
    assert Call.objects.get(ref=still_open.ref).status == Status.ASSIGNED.value

