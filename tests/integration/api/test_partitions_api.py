"""Partitions, closure settings (read, change with a reason, dry run, audit), groups, reasons and analysts."""

from __future__ import annotations

import pytest

from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

SETTINGS = "/partitions/Default/closure-settings"


def test_analysts_see_only_the_partitions_they_work_in(as_):
    assert [p["name"] for p in as_("carol").get("/partitions").body] == ["Default"]
    assert [p["name"] for p in as_("olga").get("/partitions").body] == ["Other"]


def test_closure_settings_are_readable_by_the_partitions_analysts(as_):
    reply = as_("rita").get(SETTINGS)
    assert reply.status == 200
    assert (reply.body["closure_method"], reply.body["closure_rule"], reply.body["closure_group"]) == \
        ("rules", "log_group", "Closure Group")


def test_an_administrator_changes_settings_with_a_reason_and_it_is_audited(as_):
    version = as_("admin").get(SETTINGS).body["version"]
    reply = as_("admin").put(SETTINGS, {"change_reason": "Closure Group validates everything",
                                        "closure_rule": "closure_group", "version": version})
    assert reply.status == 200
    assert (reply.body["closure_rule"], reply.body["version"], reply.body["changed"], reply.body["dry_run"]) == \
        ("closure_group", version + 1, True, False)
    history = as_("rita").get(f"{SETTINGS}/history").body
    assert history["items"][0]["change_reason"] == "Closure Group validates everything"
    assert history["items"][0]["by"] == "admin"
    assert history["items"][0]["changes"] == {"closure_rule": {"before": "log_group", "after": "closure_group"}}


def test_a_dry_run_answers_without_saving(as_):
    before = SettingsChange.objects.count()
    reply = as_("admin").put(f"{SETTINGS}?dry_run=true", {"change_reason": "Trying", "closure_method": "comments"})
    assert (reply.status, reply.body["dry_run"], reply.body["changed"], reply.body["closure_method"]) == \
        (200, True, True, "comments")
    assert as_("admin").get(SETTINGS).body["closure_method"] == "rules"
    assert SettingsChange.objects.count() == before


def test_a_dry_run_reports_settings_that_would_strand_calls(as_):
    reply = as_("admin").put(f"{SETTINGS}?dry_run=true", {"change_reason": "Trying", "closure_group": None})
    assert (reply.status, reply.body["error"]) == (409, "settings_rejected")


@pytest.mark.parametrize(("body", "status", "error", "field"), [
    ({"closure_rule": "closure_group"}, 422, "invalid_input", "change_reason"),
    ({"change_reason": " ", "closure_rule": "closure_group"}, 400, "invalid_input", "change_reason"),
    ({"change_reason": "x", "closure_rule": "whoever"}, 400, "invalid_input", "closure_rule"),
    ({"change_reason": "x", "closure_group": "Nowhere"}, 404, "not_found", "closure_group"),
    ({"change_reason": "x", "closure_group": None}, 409, "settings_rejected", "closure_method"),
    ({"change_reason": "x", "closure_rule": "closure_group", "version": 1}, 409, "changed_by_other", "version"),
    ({"change_reason": "x", "require_independent_closer": "perhaps"}, 422, "invalid_input",
     "require_independent_closer"),
])
def test_settings_changes_are_refused_with_the_field_to_fix(as_, body, status, error, field):
    reply = as_("admin").put(SETTINGS, body)
    assert (reply.status, *reply.error) == (status, error, field), reply.body


def test_only_ipk_setup_may_change_settings_and_the_message_names_the_right(as_):
    reply = as_("carol").put(SETTINGS, {"change_reason": "x", "closure_rule": "closure_group"})
    assert reply.status == 403 and "IPK Setup" in reply.body["message"]


def test_another_partitions_settings_do_not_exist_for_outsiders(as_):
    assert as_("olga").get(SETTINGS).error == ("not_found", "partition")
    assert as_("olga").put(SETTINGS, {"change_reason": "x"}).status == 404


def test_groups_list_members_and_stay_within_partitions(as_, desk):
    groups = {g["name"]: g for g in as_("carol").get("/groups").body}
    assert set(groups) == {"Service Desk", "Network", "Closure Group"}
    assert groups["Closure Group"]["members"] == ["carol", "dave"]
    assert groups["Network"]["id"] == desk.network.id
    assert as_("olga").get("/groups?partition=Default").error == ("not_found", "partition")


def test_closure_reasons_filter_by_call_type(as_):
    codes = [r["code"] for r in as_("carol").get("/closure-reasons?call_type=service_request").body]
    assert codes == ["FULFILLED"]
    assert as_("carol").get("/closure-reasons?call_type=complaint").error == ("invalid_input", "call_type")
    assert [r["partition"] for r in as_("olga").get("/closure-reasons").body] == ["Other"]


def test_analysts_are_listed_with_roles_and_groups_of_shared_partitions_only(as_):
    names = [a["username"] for a in as_("carol").get("/analysts").body]
    assert "olga" not in names and {"alice", "carol", "dave"} <= set(names)
    carol = as_("carol").get("/analysts/me").body
    assert carol["memberships"] == [{"partition": "Default", "role": "Closer"}]
    assert carol["groups"] == ["Closure Group", "Service Desk"]
    assert as_("olga").get("/analysts/alice").error == ("not_found", "username")
