"""A group's mailbox in the API: shown in the group's JSON, set and cleared with PATCH by IPK Setup."""

from __future__ import annotations

import pytest

from closeloop.partitions.models import IpkGroup, SettingsChange

pytestmark = pytest.mark.django_db


def test_the_group_list_shows_each_mailbox(as_, desk):
    IpkGroup.objects.filter(pk=desk.network.pk).update(mailbox="network@desk.example")
    reply = as_("rita").get("/groups?partition=Default")
    assert reply.status == 200
    assert {g["name"]: g["mailbox"] for g in reply.body} == {
        "Closure Group": None, "Network": "network@desk.example", "Service Desk": None}


def test_patch_sets_and_clears_the_mailbox_with_an_audit_row(as_, desk):
    admin = as_("admin")
    reply = admin.request("PATCH", f"/groups/{desk.closure_group.id}", {"mailbox": "closure@desk.example"})
    assert reply.status == 200, reply.body
    assert reply.body["mailbox"] == "closure@desk.example" and reply.body["name"] == "Closure Group"
    assert reply.body["members"] == sorted(desk.closure_group.members.values_list("username", flat=True))
    change = SettingsChange.objects.filter(partition=desk.default, subject="groups").latest("id")
    assert change.diff == {"mailbox": (None, "closure@desk.example")} and change.changed_by == desk.admin
    reply = admin.request("PATCH", f"/groups/{desk.closure_group.id}", {"mailbox": None})
    assert reply.status == 200 and reply.body["mailbox"] is None
    assert IpkGroup.objects.get(pk=desk.closure_group.pk).mailbox == ""


def test_a_patch_without_the_mailbox_keeps_it(as_, desk):
    admin = as_("admin")
    admin.request("PATCH", f"/groups/{desk.closure_group.id}", {"mailbox": "closure@desk.example"})
    reply = admin.request("PATCH", f"/groups/{desk.closure_group.id}", {})
    assert reply.status == 200 and reply.body["mailbox"] == "closure@desk.example"


@pytest.mark.parametrize("bad", ["not an address", "closure@", "x" * 300])
def test_a_bad_address_is_a_400_naming_the_mailbox(as_, desk, bad):
    reply = as_("admin").request("PATCH", f"/groups/{desk.closure_group.id}", {"mailbox": bad})
    assert reply.status == 400 and reply.error == ("invalid_input", "mailbox"), reply.body
    assert IpkGroup.objects.get(pk=desk.closure_group.pk).mailbox == ""


def test_another_partitions_group_is_not_found(as_, desk):
    reply = as_("admin").request("PATCH", f"/groups/{desk.other_group.id}", {"mailbox": "x@desk.example"})
    assert reply.status == 404 and reply.error[1] == "group"
    assert IpkGroup.objects.get(pk=desk.other_group.pk).mailbox == ""
