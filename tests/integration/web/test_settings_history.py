"""IPK Settings (Partitioned) shows every audited configuration change with readable before/after rows."""

from __future__ import annotations

import pytest

from closeloop.partitions import quality
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ClosureReason, ClosureSettings, SettingsChange
from closeloop.web.settings_history import describe_change

pytestmark = pytest.mark.django_db


def _latest(subject: str) -> SettingsChange:
    return SettingsChange.objects.filter(subject=subject).first()


def _settings_post(desk, **changes):  # type: ignore[no-untyped-def]
    row = ClosureSettings.objects.get(partition=desk.default)
    return {"closure_method": row.closure_method, "closure_rule": row.closure_rule,
            "closure_group": row.closure_group_id or "", "closure_reason_required": "on",
            "expected_version": row.version, **changes}


def test_settings_page_opens_after_a_checklist_change(client_for, desk):
    quality.add_checklist_item(desk.default, "User confirmed service restored", "closers check with the user")
    response = client_for("admin").get("/system/settings/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Checklist item “User confirmed service restored”" in html and "closers check with the user" in html


def test_settings_form_posted_after_a_checklist_change_is_answered_not_crashed(client_for, desk):
    quality.add_checklist_item(desk.default, "User confirmed service restored", "closers check with the user")
    client = client_for("admin")
    assert client.post("/system/settings/", {}).status_code == 400
    response = client.post("/system/settings/", _settings_post(
        desk, closure_rule="closure_group", step="confirm", change_reason=" "))
    assert response.status_code == 400 and "A change reason" in response.content.decode()


def test_blank_change_reason_on_the_checklist_form_is_a_form_error(client_for, desk):
    quality.add_checklist_item(desk.default, "User confirmed service restored", "closers check with the user")
    response = client_for("admin").post("/reports/quality/", {
        "op": "add-item", "new-item-text": "Resolution names the root cause", "new-item-required": "on",
        "new-item-change_reason": ""})
    assert response.status_code == 400 and "A change reason" in response.content.decode()


def test_closure_settings_change_reads_in_users_words(desk):
    partitions.update_closure_settings(desk.default, "independent check", closure_rule="closure_group",
                                       require_independent_closer=True)
    rows = {r.what: (r.before, r.after) for r in describe_change(_latest("closure_settings"))}
    assert rows == {"Closure rule": ("Log Group", "Closure Group"), "Independent closer required": ("no", "yes")}


def test_checklist_changes_name_the_item_and_the_field(desk):
    item = quality.add_checklist_item(desk.default, "User confirmed", "first check")
    assert [(r.what, r.before, r.after) for r in describe_change(_latest("checklist"))] == [
        ("Checklist item “User confirmed”", "—", "required to close: yes · active: yes · place in the list: 1 · "
         "answered by the contact's confirmation: no")]
    quality.set_checklist_item(item, "optional now", required=False, text="User confirmed by phone")
    rows = [(r.what, r.before, r.after) for r in describe_change(_latest("checklist"))]
    assert rows == [("Checklist item “User confirmed by phone”: wording", "User confirmed", "User confirmed by phone"),
                    ("Checklist item “User confirmed by phone”: required to close", "yes", "no")]
    quality.set_checklist_item(item, "the contact's acceptance answers it", answered_by_contact=True)
    assert [(r.what, r.before, r.after) for r in describe_change(_latest("checklist"))] == [
        ("Checklist item “User confirmed by phone”: answered by the contact's confirmation", "no", "yes")]


def test_reason_and_category_changes_show_lists_and_labels_without_python_reprs(desk):
    partitions.add_closure_reason(desk.default, "WORKAROUND", "Workaround given", ["incident", "known_error"])
    (added,) = describe_change(_latest("closure_reasons"))
    assert added.what == "Closure reason “WORKAROUND”" and added.before == "—"
    assert added.after == "Workaround given · active: yes · call types: Incident, Known Error"
    partitions.set_closure_reason(ClosureReason.objects.get(code="WORKAROUND"), active=False)
    assert [(r.what, r.before, r.after) for r in describe_change(_latest("closure_reasons"))] == [
        ("Closure reason “WORKAROUND”: active", "yes", "no")]
    quality.add_rejection_category(desk.default, "not_fixed", "Not fixed", "closers asked for it")
    (category,) = describe_change(_latest("rejection_categories"))
    assert (category.what, category.after) == ("Rejection category “not_fixed”", "Not fixed · active: yes")


def test_settings_page_lists_every_kind_of_change_readably(client_for, desk):
    partitions.update_closure_settings(desk.default, "closure group checks all", closure_rule="closure_group")
    partitions.add_closure_reason(desk.default, "WORKAROUND", "Workaround given", ["incident"])
    quality.add_checklist_item(desk.default, "User confirmed", "first check")
    quality.add_rejection_category(desk.default, "not_fixed", "Not fixed", "closers asked for it")
    html = client_for("admin").get("/system/settings/").content.decode()
    for text in ("Closure settings", "Closure reasons", "Closure checklist", "Rejection categories",
                 "<del>Log Group</del>", "<ins>Closure Group</ins>", "Closure reason “WORKAROUND”",
                 "Rejection category “not_fixed”", "closers asked for it"):
        assert text in html, text
    assert "{&#x27;" not in html and "[&#x27;" not in html


def test_quality_settings_audit_trail_shows_the_same_readable_rows(client_for, desk):
    quality.add_checklist_item(desk.default, "User confirmed", "first check")
    html = client_for("admin").get("/reports/quality/").content.decode()
    assert "Checklist item “User confirmed”" in html and "<del>—</del>" in html and "first check" in html


def test_older_and_hand_recorded_shapes_read_without_python_punctuation():
    checklist = SettingsChange(subject="checklist", before={}, after={"Root cause named": {"required": True}})
    categories = SettingsChange(subject="rejection_categories", before={"other": "Other"},
                                after={"other": "Something else", "dup": ["a", {"b": None}]})
    assert [(r.what, r.before, r.after) for r in describe_change(checklist)] == [
        ("Checklist item “Root cause named”", "—", "required to close: yes")]
    assert [(r.what, r.before, r.after) for r in describe_change(categories)] == [
        ("Rejection category “dup”", "—", "a, b: —"),
        ("Rejection category “other”", "Other", "Something else")]


def test_group_and_role_changes_keep_the_names_of_groups_and_analysts_as_written():
    change = SettingsChange(subject="groups", before={"Service Desk: members": ["alice"]},
                            after={"Service Desk: members": ["alice", "rita"]})
    role = SettingsChange(subject="analysts", before={"rita: IPK role": "Analyst"}, after={"rita: IPK role": "Closer"})
    assert [(r.what, r.before, r.after) for r in describe_change(change)] == [
        ("Service Desk: members", "alice", "alice, rita")]
    assert [(r.what, r.before, r.after) for r in describe_change(role)] == [("rita: IPK role", "Analyst", "Closer")]
