"""The Calls Outstanding page: its queue tabs count what each queue lists, kept current as groups and roles change,
and its pages run through every call of the queue shown."""

from __future__ import annotations

import re

import pytest

from closeloop.accounts.services import get_ipk_role, set_membership
from closeloop.calls import services as calls
from closeloop.partitions import services as partitions

pytestmark = pytest.mark.django_db


def _tabs(html: str) -> dict[str, int]:
    return {queue: int(n) for queue, n in re.findall(r'data-queue="(\w+)">(\d+)<', html)}


def test_the_tabs_follow_a_new_group_and_a_lost_right_at_once(desk, client_for):
    for n in range(3):
        call = calls.log_call(desk.default, "incident", f"Switch {n} down", log_group=desk.network,
                              assigned_analyst=desk.bob, actor=desk.bob)
        calls.resolve_call(call.ref, desk.bob, "Replaced the switch")
    carol = client_for("carol")
    assert _tabs(carol.get("/queue-counts/").content.decode())["for_closure"] == 0
    partitions.add_group_member(desk.network, desk.carol, desk.admin)
    assert _tabs(carol.get("/queue-counts/").content.decode()) == {
        "all": 3, "mine": 0, "groups": 0, "to_me": 0, "for_closure": 3}
    set_membership(desk.carol, desk.default, get_ipk_role("Analyst"), actor=desk.admin)
    assert _tabs(carol.get("/").content.decode())["for_closure"] == 0


def test_the_pages_of_a_queue_list_each_of_its_calls_once(desk, client_for):
    refs = {calls.log_call(desk.default, "incident", f"Printer {n}", log_group=desk.service_desk,
                           assigned_analyst=desk.carol, actor=desk.alice).ref for n in range(30)}
    carol = client_for("carol")
    first = carol.get("/?queue=mine").content.decode()
    second = carol.get("/?queue=mine&page=2").content.decode()
    assert _tabs(first)["mine"] == 30 and "Page 1 of 2" in first
    shown = re.findall(r"/calls/(INC-\d+)/", first) + re.findall(r"/calls/(INC-\d+)/", second)
    assert set(shown) == refs and len(set(shown)) == 30
