"""Editing an open call through the service, and the partition's priority matrix and categories."""

from __future__ import annotations

import pytest

from closeloop.calls.editing import edit_call, may_edit_call
from closeloop.calls.models import CallEvent
from closeloop.calls.services import close_call, log_call, resolve_call, take_call
from closeloop.closure import ChangedByOther, InvalidInput, InvalidTransition, NotAllowed, NotFound
from closeloop.contacts.services import add_contact, set_contact_active
from closeloop.partitions import catalogue
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def laptop(desk):  # type: ignore[no-untyped-def]
    hardware = catalogue.add_category(desk.default, "Hardware", actor=desk.admin)
    return catalogue.add_category(desk.default, "Laptop", parent=hardware, actor=desk.admin)


def _log(desk, **kwargs):  # type: ignore[no-untyped-def]
    return log_call(desk.default, "incident", "Printer jams", actor=desk.alice, log_group=desk.service_desk, **kwargs)


def test_an_edit_changes_the_call_and_records_one_event_with_before_and_after(desk, laptop) -> None:
    call = _log(desk)
    edited = edit_call(call.ref, desk.alice, expected_version=call.version, summary="Laptop will not boot",
                       impact="high", urgency="high", category="Hardware › Laptop", log_group="Network")
    assert (edited.summary, edited.impact, edited.urgency, edited.priority) == ("Laptop will not boot", 1, 1, 1)
    assert edited.category == laptop and edited.log_group == desk.network
    assert edited.version == call.version + 1 and edited.status == call.status
    event = CallEvent.objects.filter(call=call).last()
    assert event.action == "edit" and event.actor == desk.alice
    assert event.details["changes"] == {
        "summary": ["Printer jams", "Laptop will not boot"], "impact": ["Medium", "High"],
        "urgency": ["Medium", "High"], "priority": ["P3 Medium", "P1 Critical"],
        "category": ["(none)", "Hardware › Laptop"], "log_group": ["Service Desk", "Network"]}


def test_a_stale_edit_is_refused_as_changed_by_someone_else(desk) -> None:
    call = _log(desk)
    edit_call(call.ref, desk.alice, expected_version=call.version, summary="First")
    with pytest.raises(ChangedByOther, match="changed by someone else"):
        edit_call(call.ref, desk.rita, expected_version=call.version, summary="Second")
    call.refresh_from_db()
    assert call.summary == "First"


def test_a_closed_call_cannot_be_edited(desk) -> None:
    call = _log(desk)
    resolve_call(call.ref, desk.alice, "Cleared the jam")
    take_call(call.ref, desk.carol)
    close_call(call.ref, desk.carol, "Checked with the user", reason="FIXED")
    call.refresh_from_db()
    with pytest.raises(InvalidTransition):
        edit_call(call.ref, desk.alice, expected_version=call.version, summary="Too late")
    assert not may_edit_call(call, desk.alice)


def test_a_read_only_analyst_may_not_edit_and_another_partition_does_not_see_the_call(desk) -> None:
    call = _log(desk)
    assert not may_edit_call(call, desk.erin) and may_edit_call(call, desk.alice)
    with pytest.raises(NotAllowed, match="'Log' or 'Resolve'"):
        edit_call(call.ref, desk.erin, expected_version=call.version, summary="Mine now")
    with pytest.raises(NotFound):
        edit_call(call.ref, desk.olga, expected_version=call.version, summary="Mine now")


def test_a_type_change_to_a_type_with_no_linked_reason_is_refused(desk) -> None:
    call = log_call(desk.other, "incident", "VPN down", actor=desk.olga)
    with pytest.raises(InvalidInput, match="link a closure reason to Problem") as refused:
        edit_call(call.ref, desk.olga, expected_version=call.version, call_type="problem")
    assert refused.value.field == "type"
    ok = _log(desk)
    assert edit_call(ok.ref, desk.alice, expected_version=None, call_type="problem").call_type == "problem"


def test_the_type_change_needs_an_active_reason(desk) -> None:
    from closeloop.partitions.services import set_closure_reason

    set_closure_reason(desk.default.closure_reasons.get(code="ROOT_CAUSE"), active=False, change_reason="retired")
    call = _log(desk)
    with pytest.raises(InvalidInput, match="Problem"):
        edit_call(call.ref, desk.alice, expected_version=call.version, call_type="problem")


def test_the_priority_comes_from_the_partitions_matrix(desk) -> None:
    catalogue.set_priority_matrix(desk.default, {"1,1": 2, (3, 3): 3}, desk.admin, "P1 only for majors")
    call = _log(desk, impact=1, urgency=1)
    assert call.priority == 2
    edited = edit_call(call.ref, desk.alice, expected_version=call.version, impact=3, urgency=3)
    assert edited.priority == 3
    change = SettingsChange.objects.get(partition=desk.default, subject=SettingsChange.Subject.PRIORITY_MATRIX)
    cell = "Impact High × urgency High"
    assert (change.before[cell], change.after[cell]) == ("P1 Critical", "P2 High")
    assert change.change_reason == "P1 only for majors"


def test_an_unchanged_impact_keeps_a_priority_given_explicitly(desk) -> None:
    call = _log(desk, priority=1)
    edited = edit_call(call.ref, desk.alice, expected_version=call.version, impact=2, urgency=2, summary="New")
    assert edited.priority == 1


def test_a_category_of_another_partition_or_a_deactivated_one_is_refused(desk, laptop) -> None:
    elsewhere = catalogue.add_category(desk.other, "Hardware")
    call = _log(desk)
    with pytest.raises(InvalidInput, match="No category") as refused:
        edit_call(call.ref, desk.alice, expected_version=call.version, category=elsewhere)
    assert refused.value.field == "category"
    catalogue.deactivate_category(laptop.parent, desk.admin, "no more laptops")
    with pytest.raises(InvalidInput, match="deactivated"):
        edit_call(call.ref, desk.alice, expected_version=call.version, category=laptop.id)


def test_a_call_keeps_a_category_deactivated_since_while_other_fields_change(desk, laptop) -> None:
    call = _log(desk, category=laptop)
    catalogue.deactivate_category(laptop, desk.admin, "merged")
    edited = edit_call(call.ref, desk.alice, expected_version=call.version, category=laptop.id, summary="New")
    assert edited.category == laptop


def test_the_contact_must_be_an_active_contact_of_the_partition(desk) -> None:
    ann = add_contact(desk.default, "Ann Smith", email="ann@example.com", actor=desk.alice)
    gone = add_contact(desk.default, "Gone Person", email="gone@example.com", actor=desk.alice)
    set_contact_active(gone.id, desk.admin, False)
    call = _log(desk)
    edited = edit_call(call.ref, desk.alice, expected_version=call.version, contact="ann@example.com")
    assert edited.contact == ann
    assert CallEvent.objects.filter(call=call).last().details["changes"]["contact"] == ["(none)", "Ann Smith"]
    with pytest.raises(InvalidInput, match="deactivated"):
        edit_call(call.ref, desk.alice, expected_version=edited.version, contact=gone)


def test_an_edit_that_changes_nothing_is_refused(desk) -> None:
    call = _log(desk)
    with pytest.raises(InvalidInput, match="Nothing to change"):
        edit_call(call.ref, desk.alice, expected_version=call.version, summary="Printer jams", impact="medium")
    assert not CallEvent.objects.filter(call=call, action="edit").exists()


def test_categories_are_a_tree_renamed_and_deactivated_with_an_audit_trail(desk, laptop) -> None:
    catalogue.add_category(desk.default, "Printer", parent="Hardware", actor=desk.admin)
    catalogue.rename_category(laptop, "Notebook", desk.admin, "House style")
    paths = [(n.depth, n.path) for n in catalogue.category_tree(desk.default)]
    assert paths == [(0, "Hardware"), (1, "Hardware › Notebook"), (1, "Hardware › Printer")]
    with pytest.raises(InvalidInput, match="already has a category"):
        catalogue.add_category(desk.default, "printer", parent="Hardware", actor=desk.admin)
    with pytest.raises(NotAllowed):
        catalogue.add_category(desk.default, "Software", actor=desk.alice)
    subjects = SettingsChange.objects.filter(partition=desk.default, subject=SettingsChange.Subject.CATEGORIES)
    assert subjects.count() == 4


def test_a_matrix_cell_out_of_range_is_refused_naming_the_cell(desk) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalogue.set_priority_matrix(desk.default, {"2,3": 5}, desk.admin, "typo")
    assert refused.value.field == "p_2_3"


def test_logging_takes_impact_urgency_and_category(desk, laptop) -> None:
    call = _log(desk, impact="low", urgency="high", category=laptop.id)
    assert (call.impact, call.urgency, call.priority, call.category) == (3, 1, 3, laptop)
    assert _log(desk).priority == 3
