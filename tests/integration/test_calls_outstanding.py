"""Calls Outstanding: an analyst's four queues, with counts per queue, status and age."""

from datetime import timedelta

import pytest
from django.utils import timezone

from closeloop.accounts.services import get_ipk_role, set_membership
from closeloop.calls import services as calls
from closeloop.calls.queries import QUEUES, count_queues, outstanding_calls, outstanding_summary
from closeloop.partitions import services as partitions

pytestmark = pytest.mark.django_db


def test_each_queue_holds_what_its_name_says(desk):
    mine = calls.log_call(desk.default, "incident", "mine", actor=desk.alice, assigned_analyst=desk.carol)
    queue = calls.log_call(desk.default, "incident", "group queue", actor=desk.alice,
                           assigned_group=desk.service_desk)
    for_group = calls.log_call(desk.default, "incident", "to validate", actor=desk.alice, log_group=desk.service_desk)
    calls.resolve_call(for_group.ref, desk.rita, "done")
    to_me = calls.log_call(desk.default, "incident", "taken", actor=desk.alice, log_group=desk.service_desk)
    calls.resolve_call(to_me.ref, desk.rita, "done")
    calls.take_call(to_me.ref, desk.carol)
    calls.log_call(desk.other, "incident", "elsewhere", actor=desk.olga, assigned_analyst=desk.olga)

    refs = {q: [c.ref for c in outstanding_calls(desk.carol, q)] for q in ("mine", "groups", "to_me", "for_closure")}
    assert refs == {"mine": [mine.ref], "groups": [queue.ref], "to_me": [to_me.ref], "for_closure": [for_group.ref]}
    summary = outstanding_summary(desk.carol)
    assert summary.queues == {"mine": 1, "groups": 1, "to_me": 1, "for_closure": 1}
    assert summary.total == 4
    assert summary.statuses["Forward for Closure"] == 1 and summary.statuses["Assigned"] == 2


def test_a_call_nobody_has_assigned_waits_in_its_log_groups_queue_until_assigned_elsewhere(desk):
    call = calls.log_call(desk.default, "incident", "printer offline", actor=desk.alice, log_group=desk.service_desk)
    assert [c.ref for c in outstanding_calls(desk.rita, "groups")] == [call.ref]
    assert list(outstanding_calls(desk.bob, "groups")) == []
    calls.assign_call(call.ref, desk.alice, group=desk.network)
    assert list(outstanding_calls(desk.rita, "groups")) == []
    assert [c.ref for c in outstanding_calls(desk.bob, "groups")] == [call.ref]


def test_the_resolver_no_longer_sees_a_call_once_it_is_forwarded(desk):
    call = calls.log_call(desk.default, "incident", "x", actor=desk.alice, log_group=desk.service_desk,
                          assigned_analyst=desk.rita)
    assert [c.ref for c in outstanding_calls(desk.rita)] == [call.ref]
    calls.resolve_call(call.ref, desk.rita, "done")
    assert list(outstanding_calls(desk.rita)) == []


def test_ages_count_from_logging_or_from_entering_the_closure_stage(desk):
    now = timezone.now()
    old = calls.log_call(desk.default, "incident", "old", actor=desk.alice, assigned_analyst=desk.carol,
                         at=now - timedelta(days=10))
    calls.log_call(desk.default, "incident", "two days", actor=desk.alice, assigned_analyst=desk.carol,
                   at=now - timedelta(days=2))
    waiting = calls.log_call(desk.default, "incident", "logged long ago", actor=desk.alice,
                             log_group=desk.service_desk, at=now - timedelta(days=20))
    calls.resolve_call(waiting.ref, desk.rita, "done", at=now - timedelta(hours=3))
    ages = outstanding_summary(desk.carol).ages
    assert ages == {"under 1 day": 1, "1-3 days": 1, "3-7 days": 0, "over 7 days": 1}
    assert old.ref in {c.ref for c in outstanding_calls(desk.carol, "mine")}


def test_an_analyst_sees_nothing_from_partitions_they_left(desk):
    calls.log_call(desk.other, "incident", "elsewhere", actor=desk.olga, assigned_group=desk.other_group)
    assert outstanding_summary(desk.carol).total == 0


def test_listed_calls_come_with_every_name_they_show_in_three_queries(desk, django_assert_num_queries):
    for n in range(3):
        call = calls.log_call(desk.default, "incident", f"call {n}", actor=desk.alice, log_group=desk.service_desk,
                              assigned_analyst=desk.rita)
        calls.resolve_call(call.ref, desk.rita, "done")
    calls.take_call(call.ref, desk.carol)
    listed = outstanding_calls(desk.carol).order_by("id")  # (reads carol's partitions and groups, kept per request)
    with django_assert_num_queries(3):  # the calls with partition and reason; their analysts; their groups
        shown = [(c.partition.name, c.logged_by.username, c.log_group.name, c.assigned_analyst.username,
                  c.resolved_by.username, c.closure_target_analyst and c.closure_target_analyst.username,
                  c.closure_target_group.name, c.closure_reason, c.closed_by, c.assigned_group)
                 for c in listed]
    assert shown[-1] == ("Default", "alice", "Service Desk", "rita", "rita", "carol", "Service Desk", None, None,
                         None)
    assert len(shown) == 3


def _desk_with_every_queue(desk):  # type: ignore[no-untyped-def]
    """Calls in each of carol's queues, and as many that are in none of them (other groups, analysts, partitions)."""
    d = desk
    for owner in (d.carol, d.rita):
        calls.log_call(d.default, "incident", "assigned", actor=d.alice, assigned_analyst=owner)
    for group, member in ((d.service_desk, d.rita), (d.network, d.bob)):
        calls.log_call(d.default, "incident", "group queue", actor=d.alice, assigned_group=group)
        calls.log_call(d.default, "incident", "unassigned", actor=member, log_group=group)
        calls.log_call(d.default, "incident", "assigned in the group", actor=d.alice, assigned_group=group,
                       assigned_analyst=member)
        waiting = calls.log_call(d.default, "incident", "to validate", actor=member, log_group=group,
                                 assigned_analyst=member)
        calls.resolve_call(waiting.ref, member, "done")
    taken = calls.log_call(d.default, "incident", "taken", actor=d.alice, log_group=d.service_desk,
                           assigned_analyst=d.rita)
    calls.resolve_call(taken.ref, d.rita, "done")
    calls.take_call(taken.ref, d.carol)
    held = calls.log_call(d.default, "incident", "on hold", actor=d.alice, assigned_analyst=d.carol)
    calls.hold_call(held.ref, d.carol, "Waiting for a part")
    calls.log_call(d.other, "incident", "elsewhere", actor=d.olga, assigned_analyst=d.olga)


@pytest.mark.parametrize("who", ["carol", "rita", "bob", "olga"])
def test_the_queue_counts_are_the_numbers_of_calls_each_queue_lists(desk, who):
    _desk_with_every_queue(desk)
    analyst = getattr(desk, who)
    partition = desk.other if who == "olga" else desk.default
    listed = {q: outstanding_calls(analyst, q, partition.id).count() for q in QUEUES}
    assert count_queues(analyst, partition.id) == listed == outstanding_summary(analyst, partition.id).queues
    if who == "carol":
        assert listed == {"mine": 2, "groups": 2, "to_me": 1, "for_closure": 1}


def test_the_queue_counts_follow_groups_roles_and_memberships(desk):
    _desk_with_every_queue(desk)
    partitions.add_group_member(desk.network, desk.carol, desk.admin)
    assert count_queues(desk.carol, desk.default.id) == {"mine": 2, "groups": 4, "to_me": 1, "for_closure": 2}
    set_membership(desk.carol, desk.default, get_ipk_role("Analyst"), actor=desk.admin)
    assert count_queues(desk.carol, desk.default.id)["for_closure"] == 0  # no longer may validate
    assert count_queues(desk.carol, desk.other.id) == dict.fromkeys(QUEUES, 0)  # not a member there
