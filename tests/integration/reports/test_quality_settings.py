"""The closure checklist and rejection categories: edited by IPK Setup admins only, every change audited;
the checklist rules at close; the answers and the rejection category stored with each decision."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import ClosureDecision
from closeloop.closure import InvalidInput, NotAllowed, NotFound
from closeloop.partitions import quality
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

CHECKLIST = SettingsChange.Subject.CHECKLIST
CATEGORIES = SettingsChange.Subject.REJECTION_CATEGORIES


def audit(desk, subject):  # type: ignore[no-untyped-def]
    return list(SettingsChange.objects.filter(partition=desk.default, subject=subject).order_by("id"))


@pytest.fixture
def checklist(desk):  # type: ignore[no-untyped-def]
    root = quality.add_checklist_item(desk.default, "Resolution describes root cause", "quality drive", desk.admin)
    user = quality.add_checklist_item(desk.default, "User confirmed service restored", "quality drive", desk.admin)
    kb = quality.add_checklist_item(desk.default, "Knowledge article linked or not needed", "quality drive",
                                    desk.admin, required=False)
    return root, user, kb


def resolved_call(desk):  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", "Mail bounces", log_group=desk.service_desk, actor=desk.alice)
    calls.assign_call(call.ref, desk.alice, analyst=desk.alice)
    return calls.resolve_call(call.ref, desk.alice, "Fixed the transport rule").ref


class TestEditingTheChecklist:
    def test_items_are_added_in_order_and_each_addition_is_audited_with_its_reason(self, desk, checklist):
        assert [i.text for i in quality.checklist(desk.default)] == [
            "Resolution describes root cause", "User confirmed service restored",
            "Knowledge article linked or not needed"]
        changes = audit(desk, CHECKLIST)
        assert len(changes) == 3
        assert (changes[-1].changed_by, changes[-1].change_reason) == (desk.admin, "quality drive")
        assert len(changes[-1].before["items"]) == 2 and len(changes[-1].after["items"]) == 3
        assert changes[-1].after["items"][2]["required"] is False

    def test_an_analyst_without_ipk_setup_cannot_edit_it_and_nothing_is_recorded(self, desk):
        with pytest.raises(NotAllowed, match="IPK Setup"):
            quality.add_checklist_item(desk.default, "Sneaky check", "because", desk.carol)
        assert quality.checklist(desk.default) == [] and audit(desk, CHECKLIST) == []

    @pytest.mark.parametrize(("text", "reason", "field"), [("A check", "  ", "change_reason"),
                                                          ("", "why", "text"), ("x" * 201, "why", "text")])
    def test_blank_reason_or_text_is_refused_naming_the_field(self, desk, text, reason, field):
        with pytest.raises(InvalidInput) as refused:
            quality.add_checklist_item(desk.default, text, reason, desk.admin)
        assert refused.value.field == field
        assert audit(desk, CHECKLIST) == []

    def test_a_duplicate_active_item_is_refused(self, desk, checklist):
        with pytest.raises(InvalidInput, match="already has"):
            quality.add_checklist_item(desk.default, "user confirmed SERVICE restored", "again", desk.admin)

    def test_rewording_and_making_optional_is_audited_with_before_and_after(self, desk, checklist):
        root, _user, _kb = checklist
        quality.set_checklist_item(root, "clearer wording", desk.admin, text="Root cause recorded", required=False)
        change = audit(desk, CHECKLIST)[-1]
        assert change.change_reason == "clearer wording"
        assert change.before["items"][0] == {"id": root.id, "text": "Resolution describes root cause",
                                             "required": True, "active": True, "position": 0,
                                             "answered_by_contact": False}
        assert change.after["items"][0]["text"] == "Root cause recorded"
        assert change.after["items"][0]["required"] is False

    def test_saving_without_a_change_records_nothing(self, desk, checklist):
        root, _user, _kb = checklist
        quality.set_checklist_item(root, "no-op", desk.admin, text=root.text)
        assert len(audit(desk, CHECKLIST)) == 3

    def test_moving_an_item_reorders_the_others_and_is_audited(self, desk, checklist):
        root, user, kb = checklist
        ordered = quality.move_checklist_item(kb, 1, "knowledge first", desk.admin)
        assert [i.id for i in ordered] == [kb.id, root.id, user.id]
        assert [i.id for i in quality.checklist(desk.default)] == [kb.id, root.id, user.id]
        assert audit(desk, CHECKLIST)[-1].change_reason == "knowledge first"

    @pytest.mark.parametrize("position", [0, 4, "first"])
    def test_a_position_outside_the_list_is_refused(self, desk, checklist, position):
        with pytest.raises(InvalidInput, match="from 1 to 3") as refused:
            quality.move_checklist_item(checklist[0], position, "why", desk.admin)
        assert refused.value.field == "position"

    def test_an_item_of_another_partition_is_not_found(self, desk, checklist):
        with pytest.raises(NotFound):
            quality.get_checklist_item(desk.other, checklist[0].id)


class TestTheChecklistAtClose:
    def test_a_call_cannot_be_closed_with_a_required_item_unticked(self, desk, checklist):
        root, _user, _kb = checklist
        ref = resolved_call(desk)
        with pytest.raises(InvalidInput, match="User confirmed service restored") as refused:
            calls.close_call(ref, desk.carol, "Checked", reason="FIXED", ticked=[root.id])
        assert refused.value.field == "checklist"
        assert not ClosureDecision.objects.filter(call__ref=ref).exists()

    def test_the_answers_are_stored_with_the_closure_and_optional_items_may_stay_unticked(self, desk, checklist):
        root, user, kb = checklist
        ref = resolved_call(desk)
        calls.close_call(ref, desk.carol, "Checked", reason="FIXED", ticked=[root.id, user.id])
        decision = ClosureDecision.objects.get(call__ref=ref)
        assert decision.outcome == ClosureDecision.Outcome.CLOSED_FIRST_TIME
        assert [(a["item_id"], a["required"], a["ticked"]) for a in decision.checklist_answers] == [
            (root.id, True, True), (user.id, True, True), (kb.id, False, False)]

    def test_a_deactivated_item_is_no_longer_asked_for(self, desk, checklist):
        root, user, _kb = checklist
        quality.set_checklist_item(user, "users rarely answer", desk.admin, active=False)
        ref = resolved_call(desk)
        calls.close_call(ref, desk.carol, "Checked", reason="FIXED", ticked=[root.id])
        decision = ClosureDecision.objects.get(call__ref=ref)
        assert user.id not in [a["item_id"] for a in decision.checklist_answers]

    def test_a_rejection_stores_its_category_and_the_unticked_answers(self, desk, checklist):
        root, user, _kb = checklist
        quality.add_rejection_category(desk.default, "not_fixed", "Not fixed", "initial list", desk.admin)
        ref = resolved_call(desk)
        calls.reject_resolution(ref, desk.carol, "User still cannot send mail", category="not_fixed",
                                ticked=[root.id])
        decision = ClosureDecision.objects.get(call__ref=ref)
        assert (decision.outcome, decision.rejection_category.code) == ("rejected", "not_fixed")
        assert {a["item_id"]: a["ticked"] for a in decision.checklist_answers}[user.id] is False


class TestRejectionCategories:
    def test_categories_are_added_relabelled_and_deactivated_each_audited(self, desk):
        category = quality.add_rejection_category(desk.default, "incomplete_documentation",
                                                  "Incomplete documentation", "initial list", desk.admin)
        quality.set_rejection_category(category, "shorter", desk.admin, label="Incomplete docs")
        quality.set_rejection_category(category, "merged into other", desk.admin, active=False)
        changes = audit(desk, CATEGORIES)
        assert [c.change_reason for c in changes] == ["initial list", "shorter", "merged into other"]
        assert changes[-1].before == {"incomplete_documentation": {"label": "Incomplete docs", "active": True}}
        assert changes[-1].after == {"incomplete_documentation": {"label": "Incomplete docs", "active": False}}
        assert quality.rejection_categories(desk.default) == []

    def test_a_deactivated_category_cannot_be_used_to_reject(self, desk):
        category = quality.add_rejection_category(desk.default, "other", "Other", "initial list", desk.admin)
        quality.set_rejection_category(category, "unused", desk.admin, active=False)
        ref = resolved_call(desk)
        with pytest.raises(InvalidInput) as refused:
            calls.reject_resolution(ref, desk.carol, "Not good", category="other")
        assert refused.value.field == "category"

    @pytest.mark.parametrize(("code", "label", "field"), [("not fixed", "Not fixed", "code"), ("", "x", "code"),
                                                          ("not_fixed", " ", "label")])
    def test_bad_codes_and_labels_are_refused_naming_the_field(self, desk, code, label, field):
        with pytest.raises(InvalidInput) as refused:
            quality.add_rejection_category(desk.default, code, label, "why", desk.admin)
        assert refused.value.field == field

    def test_codes_are_unique_within_a_partition_only(self, desk):
        quality.add_rejection_category(desk.default, "other", "Other", "initial list", desk.admin)
        with pytest.raises(InvalidInput, match="already has"):
            quality.add_rejection_category(desk.default, "other", "Other again", "oops", desk.admin)
        quality.add_rejection_category(desk.other, "other", "Other", "their own list", desk.admin)

    def test_only_ipk_setup_admins_edit_categories(self, desk):
        with pytest.raises(NotAllowed):
            quality.add_rejection_category(desk.default, "other", "Other", "why", desk.alice)
