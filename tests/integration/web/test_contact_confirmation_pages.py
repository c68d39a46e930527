"""Closers see the contact's answer: the call page, the close form's checklist and Calls Outstanding; an
administrator marks the checklist item the contact's confirmation answers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.calls.acceptance import answer_resolution
from closeloop.calls.links import Answer, acceptance_links
from closeloop.calls.models import Call
from closeloop.demo_answers import ACCEPTED, CONFIRMED_BY_CONTACT, REFUSED
from closeloop.partitions import quality

pytestmark = pytest.mark.django_db


def _accept(call: Call) -> Call:
    url = acceptance_links(Call.objects.get(pk=call.pk), timezone.now()).accept
    return answer_resolution(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1], Answer.ACCEPT)


def test_the_closer_sees_the_confirmation_and_the_contacts_checklist_item_ticked(client_for, desk, resolved_call):
    item = quality.add_checklist_item(desk.default, "User confirmed the fix", "test")
    quality.set_checklist_item(item, "answered by the contact", answered_by_contact=True)
    carol = client_for("carol")
    before = carol.get(f"/calls/{resolved_call.ref}/").content.decode()
    assert "ticked for you when the contact accepts the resolution" in before
    assert "Confirmed by the contact" not in before
    _accept(resolved_call)
    page = carol.get(f"/calls/{resolved_call.ref}/").content.decode()
    assert "<dt>Confirmed by the contact</dt>" in page
    assert "Confirmed by the contact: <time" in page  # on the close form too
    assert "User confirmed the fix (required) — confirmed by the contact on" in page
    assert re.search(rf'<input type="checkbox" name="close-ticked" value="{item.id}"[^>]*checked', page)
    queue = carol.get("/?queue=groups").content.decode() + carol.get("/?queue=for_closure").content.decode()
    assert "Confirmed by the contact" in queue


def test_an_administrator_marks_a_checklist_item_answered_by_the_contact_on_the_quality_page(client_for, desk):
    item = quality.add_checklist_item(desk.default, "User confirmed the fix", "test")
    admin = client_for("admin")
    reply = admin.post("/reports/quality/", {
        "op": "edit-item", "target": item.id, f"item{item.id}-text": item.text, f"item{item.id}-required": "on",
        f"item{item.id}-answered_by_contact": "on", f"item{item.id}-change_reason": "The contact's link answers it"})
    assert reply.status_code == 302
    item.refresh_from_db()
    assert item.answered_by_contact and item.required
    assert "Answered by the contact" in admin.get("/reports/quality/").content.decode()


def test_the_demo_desk_shows_an_accepted_and_a_refused_resolution(db):
    from closeloop.demo import load_demo

    load_demo(calls_per_partition=4)
    accepted = Call.objects.get(summary=ACCEPTED[0])
    refused = Call.objects.get(summary=REFUSED[0])
    assert (accepted.status, accepted.user_confirmed_at is not None) == ("forward_for_closure", True)
    assert (refused.status, refused.assigned_analyst.username, refused.times_refused) == ("assigned", "rita", 1)
    carol = Client()
    carol.force_login(Analyst.objects.get(username="carol"))
    page = carol.get(f"/calls/{accepted.ref}/").content.decode()
    assert f"{CONFIRMED_BY_CONTACT} (required) — confirmed by the contact on" in page
    assert REFUSED[2] in carol.get(f"/calls/{refused.ref}/").content.decode()
