"""Directory and settings changes are published as events: the calls area guards and re-routes in its
handler, the partitions area audits; all in the changing transaction, or nothing."""

from __future__ import annotations

import pytest

from closeloop.accounts import services as accounts
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.closure import SettingsRejected, Status
from closeloop.closure.events import DeskEvent, DirectoryChanged, publish, subscribe, unsubscribe
from closeloop.partitions import services as partitions
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db


def audit(desk, subject):  # type: ignore[no-untyped-def]
    return SettingsChange.objects.filter(partition=desk.default, subject=subject)


def test_removing_a_group_member_is_audited_with_who_and_the_members_before_and_after(desk):
    partitions.remove_group_member(desk.network, desk.bob, desk.admin)
    change = audit(desk, SettingsChange.Subject.GROUPS).first()  # the newest
    assert change.changed_by == desk.admin and change.change_reason == "bob was removed from group Network"
    assert change.before == {"Network: members": ["bob", "mia"]} and change.after == {"Network: members": ["mia"]}


def test_a_role_change_and_a_deactivation_are_audited_under_analysts(desk):
    accounts.set_membership(desk.rita, desk.default, accounts.get_ipk_role("Read only"), desk.admin)
    accounts.deactivate_analyst(desk.erin, desk.admin)
    changes = {c.change_reason: (c.before, c.after) for c in audit(desk, SettingsChange.Subject.ANALYSTS)
               if "joined" not in c.change_reason}
    assert changes == {"rita now has role Read only": ({"rita: IPK role": "Analyst"}, {"rita: IPK role": "Read only"}),
                       "erin was deactivated": ({"erin: active": True}, {"erin: active": False})}


def test_a_refused_directory_change_leaves_no_audit_row_and_no_change(desk):
    partitions.remove_group_member(desk.closure_group, desk.carol, desk.admin)
    before = SettingsChange.objects.count()
    with pytest.raises(SettingsRejected):
        partitions.remove_group_member(desk.closure_group, desk.dave, desk.admin)
    assert SettingsChange.objects.count() == before
    assert desk.closure_group.members.filter(pk=desk.dave.pk).exists()


def test_a_dry_run_of_settings_that_would_move_calls_writes_nothing(desk):
    desk.configure(closure_method="comments")
    call = calls.log_call(desk.default, "incident", "Wi-Fi down", actor=desk.alice)
    calls.resolve_call(call.ref, desk.rita, "Rebooted the AP", closer=desk.mia)
    before = (SettingsChange.objects.count(), partitions.load_settings(desk.default))
    row = partitions.update_closure_settings(desk.default, "check", desk.admin, closure_method="rules",
                                             closure_rule="closure_group", dry_run=True)
    assert row.closure_rule == "closure_group"  # the answer shows what would be saved
    assert (SettingsChange.objects.count(), partitions.load_settings(desk.default)) == before
    assert Call.objects.get(pk=call.pk).status == Status.FORWARD_TO_YOU_FOR_CLOSE


def test_a_handler_that_refuses_rolls_back_the_change_that_published_it(desk):
    def refuse(event: DirectoryChanged) -> None:
        if event.name is DeskEvent.GROUP_MEMBER_ADDED:
            raise SettingsRejected(f"{event.change} refused by a test handler")

    subscribe(DirectoryChanged, refuse)
    try:
        with pytest.raises(SettingsRejected, match="Adding rita to group Network refused"):
            partitions.add_group_member(desk.network, desk.rita, desk.admin)
    finally:
        unsubscribe(DirectoryChanged, refuse)
    assert not desk.network.members.filter(pk=desk.rita.pk).exists()
    assert not audit(desk, SettingsChange.Subject.GROUPS).filter(change_reason="rita joined group Network").exists()


def test_publish_sums_the_calls_each_handler_moved(desk):
    event = DirectoryChanged(DeskEvent.ANALYST_DEACTIVATED, desk.default.id, None, "Nothing", "nothing changed")
    assert publish(event) == 0


def test_every_audited_setter_records_one_row_and_publishes_one_event_through_the_same_path(desk):
    from closeloop.closure.events import SettingsChanged
    from closeloop.partitions import quality

    seen: list[SettingsChanged] = []

    def listen(event: SettingsChanged) -> None:
        seen.append(event)

    subscribe(SettingsChanged, listen)
    try:
        before = SettingsChange.objects.filter(partition=desk.default).count()
        partitions.update_closure_settings(desk.default, "closure group reviews", desk.admin,
                                           closure_rule="closure_group")
        reason = partitions.add_closure_reason(desk.default, "WORKAROUND", "Workaround", ["incident"], desk.admin)
        partitions.set_closure_reason(reason, desk.admin, label="Workaround given")
        quality.add_checklist_item(desk.default, "Resolution documented", "we check the notes", desk.admin)
        item = quality.add_checklist_item(desk.default, "User confirmed", "we check with users", desk.admin)
        quality.set_checklist_item(item, "optional for now", desk.admin, required=False)
        quality.move_checklist_item(item, 1, "first thing to check", desk.admin)
        quality.move_checklist_item(item, 1, "already first: nothing changes", desk.admin)
        category = quality.add_rejection_category(desk.default, "not_fixed", "Not fixed", "needed", desk.admin)
        quality.set_rejection_category(category, "clearer", desk.admin, label="Still broken")
        quality.set_rejection_category(category, "no change at all", desk.admin, label="Still broken")
    finally:
        unsubscribe(SettingsChanged, listen)
    rows = SettingsChange.objects.filter(partition=desk.default).order_by("id")[before:]
    # one row and one event per change; the two changes that changed nothing leave neither
    assert [r.subject for r in rows] == ["closure_settings", "closure_reasons", "closure_reasons", "checklist",
                                         "checklist", "checklist", "checklist", "rejection_categories",
                                         "rejection_categories"]
    assert [e.name.value for e in seen] == [f"{r.subject}_changed" for r in rows]
    assert rows[0].version == desk.default.closure_settings.__class__.objects.get(partition=desk.default).version
    assert all(r.version is None for r in rows[1:])  # only closure settings are versioned


def test_an_audited_change_needs_the_ipk_setup_right_and_a_change_reason(desk):
    from closeloop.closure import InvalidInput, NotAllowed
    from closeloop.partitions import quality

    with pytest.raises(NotAllowed, match="IPK Setup"):
        quality.add_checklist_item(desk.default, "User confirmed", "why", desk.carol)
    with pytest.raises(InvalidInput) as err:
        quality.add_checklist_item(desk.default, "User confirmed", "  ", desk.admin)
    assert err.value.field == "change_reason" and not quality.checklist(desk.default)


def test_new_groups_and_analysts_joining_are_audited_and_never_refused_by_the_orphan_guard(desk):
    from closeloop.accounts.services import add_analyst, get_ipk_role

    partitions.update_closure_settings(desk.default, "no closure group yet", desk.admin, closure_method="comments",
                                       closure_group=None)
    group = partitions.create_group(desk.default, "Field Engineers", actor=desk.admin)
    add_analyst("fred", desk.default, get_ipk_role("Analyst"), groups=[group], actor=desk.admin)
    partitions.add_group_member(group, desk.rita, desk.admin)
    reasons = [c.change_reason for c in SettingsChange.objects.filter(partition=desk.default)[:4]]
    assert reasons == ["rita joined group Field Engineers", "fred joined group Field Engineers",
                       "fred joined with role Analyst", "group Field Engineers was created"]
