"""The contact list has one definition: for every role, the API, the `closeloop` command, the web page and
the picker show the same contacts, only ever of partitions the analyst works in."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.cli.main import main
from closeloop.contacts.services import add_contact, set_contact_active

pytestmark = pytest.mark.django_db

ROLES = [("admin", "Default"), ("alice", "Default"), ("carol", "Default"), ("erin", "Default"), ("olga", "Other")]


@pytest.fixture
def people(desk):  # type: ignore[no-untyped-def]
    added = {name: add_contact(desk.default, name, email=email)
             for name, email in (("Dana Fisher", "dana@example.org"), ("Sam Lee", "sam.lee@example.org"),
                                 ("Lee Gone", "gone@example.org"), ("Porter", ""))}
    set_contact_active(added["Lee Gone"].id, None, False)
    add_contact(desk.other, "Olaf Lee", email="olaf@example.org")
    return desk


def _api(desk, who: str, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    key = create_token(getattr(desk, who), "lists")[1]
    reply = Client().get(f"/api/v1/contacts?{query}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert reply.status_code == 200
    return [c["name"] for c in reply.json()["items"]]


def _cli(capsys, who: str, *argv: str) -> list[str]:  # type: ignore[no-untyped-def]
    assert main(["contact", "list", *argv, "--as", who, "--json"]) == 0
    return [c["name"] for c in json.loads(capsys.readouterr().out)]


def _picker(desk, who: str, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(getattr(desk, who))
    html = client.get(f"/contacts/choices/?contact_q={text}").content.decode()
    return re.findall(r'type="radio" name="contact" value="\d+"[^>]*> ([^<]+?)(?: <small>|</label>)', html)


@pytest.mark.parametrize(("who", "mine"), ROLES)
@pytest.mark.parametrize("text", ["", "lee", "EXAMPLE.ORG"])
def test_contacts_are_the_same_everywhere_and_only_of_ones_own_partition(people, capsys, who, mine, text):
    api = _api(people, who, f"q={text}")
    assert api == _cli(capsys, who, text)
    assert _api(people, who, f"q={text}&include_inactive=true") == _cli(capsys, who, text, "--all")
    if text:
        assert _picker(people, who, text) == api[:10]
    expected = {"Default": {"": ["Dana Fisher", "Porter", "Sam Lee"], "lee": ["Sam Lee"], "EXAMPLE.ORG": ["Dana Fisher",
                                                                                              "Sam Lee"]},
                "Other": {"": ["Olaf Lee"], "lee": ["Olaf Lee"], "EXAMPLE.ORG": ["Olaf Lee"]}}
    assert api == expected[mine][text]


def test_the_contacts_page_lists_what_the_api_lists(people):
    client = Client()
    client.force_login(people.admin)
    html = client.get("/system/contacts/?q=lee&all=1").content.decode()
    shown = re.findall(r'<h2 id="contact-\d+">([^<]+?) <span', html)
    assert shown == _api(people, "admin", "q=lee&include_inactive=true") == ["Lee Gone", "Sam Lee"]
