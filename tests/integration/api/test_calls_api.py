"""Calls over the API: list, log, read, history and each action, with each refusal it can meet."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls

pytestmark = pytest.mark.django_db


# --- listing -------------------------------------------------------------------------------------

def test_call_list_is_filtered_and_paged(as_, scene):
    reply = as_("carol").get("/calls?status=forward_for_closure&page_size=1")
    assert reply.status == 200
    assert (reply.body["count"], reply.body["pages"], len(reply.body["items"])) == (1, 1, 1)
    assert reply.body["items"][0]["ref"] == scene["for_closure"].ref


def test_call_list_filters_by_assignee_closure_target_and_text(as_, scene, desk):
    api = as_("carol")
    assert api.get("/calls?assigned_analyst=rita").body["count"] == 4
    waiting = api.get(f"/calls?closure_target_group={desk.service_desk.id}").body["items"]
    assert {c["ref"] for c in waiting} == {scene["for_closure"].ref, scene["to_carol"].ref}
    assert [c["ref"] for c in api.get("/calls?q=printer").body["items"]] == [scene["assigned"].ref]
    assert api.get("/calls?closure_target_analyst=carol").body["items"][0]["ref"] == scene["to_carol"].ref
    assert api.get("/calls?logged_after=2999-01-01T00:00:00Z").body["count"] == 0


def test_calls_of_another_partition_are_not_listed(as_, scene):
    assert as_("olga").get("/calls").body["count"] == 0


@pytest.mark.parametrize(("query", "status", "field"), [
    ("status=finished", 400, "status"),
    ("type=complaint", 400, "type"),
    ("sort=colour", 400, "sort"),
    ("page=9", 400, "page"),
    ("page_size=0", 422, "page_size"),
    ("assigned_group=abc", 400, "assigned_group"),
    ("assigned_analyst=nobody", 400, "assigned_analyst"),
    ("partition=Nowhere", 404, "partition"),
])
def test_call_list_refuses_bad_filters_naming_the_field(as_, scene, query, status, field):
    reply = as_("carol").get(f"/calls?{query}")
    assert (reply.status, reply.body["field"]) == (status, field), reply.body


def test_another_partitions_name_is_unknown_to_its_outsiders(as_, scene):
    assert as_("olga").get("/calls?partition=Default").error == ("not_found", "partition")


# --- logging -------------------------------------------------------------------------------------

def test_analyst_logs_a_call_under_their_group(as_):
    reply = as_("alice").post("/calls", {"partition": "Default", "type": "incident", "summary": "Cannot print",
                                         "log_group": "Service Desk", "priority": 2})
    assert reply.status == 201
    assert (reply.body["status"], reply.body["logged_by"], reply.body["priority"]) == ("logged", "alice", 2)
    assert reply.body["ref"].startswith("INC-")


def test_a_call_logged_with_an_assignment_is_assigned_at_once(as_):
    reply = as_("alice").post("/calls", {"partition": "Default", "summary": "Switch down",
                                         "assigned_group": "Network", "assigned_analyst": "bob"})
    assert (reply.body["status"], reply.body["assigned_group"], reply.body["assigned_analyst"]) == \
        ("assigned", "Network", "bob")


def test_an_analyst_of_one_partition_need_not_name_it(as_):
    reply = as_("alice").post("/calls", {"summary": "Cannot print", "log_group": "Service Desk"})
    assert (reply.status, reply.body["partition"]) == (201, "Default")


def test_an_analyst_of_several_partitions_is_asked_to_name_one(as_, desk):
    from closeloop.accounts.services import get_ipk_role, set_membership

    set_membership(desk.carol, desk.other, get_ipk_role("Closer"))
    reply = as_("carol").post("/calls", {"summary": "Cannot print"})
    assert (reply.status, *reply.error) == (400, "invalid_input", "partition")
    assert reply.body["message"] == "Name the partition (you work in Default, Other)"


@pytest.mark.parametrize(("change", "status", "error", "field"), [
    ({"summary": None}, 422, "invalid_input", "summary"),
    ({"summary": "   "}, 400, "invalid_input", "summary"),
    ({"summary": "x" * 201}, 400, "invalid_input", "summary"),
    ({"priority": 9}, 400, "invalid_input", "priority"),
    ({"type": "complaint"}, 400, "invalid_input", "type"),
    ({"log_group": "Network"}, 400, "invalid_input", "log_group"),
    ({"log_group": "Nowhere"}, 404, "not_found", "log_group"),
    ({"assigned_analyst": "nobody"}, 404, "not_found", "assigned_analyst"),
    ({"summary": "nul \x00 byte"}, 400, "invalid_input", "summary"),
    ({"summary": "lone \ud800 surrogate"}, 400, "invalid_input", "summary"),
    ({"description": "x" * 20_001}, 400, "invalid_input", "description"),
    ({"priority": True}, 422, "invalid_input", "priority"),
])
def test_logging_refuses_bad_values_naming_the_field(as_, change, status, error, field):
    body = {"partition": "Default", "type": "incident", "summary": "Cannot print", **change}
    body = {k: v for k, v in body.items() if v is not None}
    reply = as_("alice").post("/calls", body)
    assert (reply.status, *reply.error) == (status, error, field), reply.body


def test_a_read_only_analyst_cannot_log_and_is_told_which_right_is_missing(as_):
    reply = as_("erin").post("/calls", {"partition": "Default", "summary": "Cannot print"})
    assert reply.status == 403 and reply.body["error"] == "not_allowed"
    assert "Log" in reply.body["message"]


def test_a_malformed_json_body_gets_the_error_shape(as_):
    reply = as_("alice").client.post("/api/v1/calls", "{not json", content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {as_('alice').token}")
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_input"


# --- reading -------------------------------------------------------------------------------------

def test_reading_a_call_gives_its_version_as_etag_and_what_the_caller_may_do(as_, scene):
    reply = as_("carol").get(f"/calls/{scene['for_closure'].ref.lower()}")
    assert reply.status == 200
    assert reply.headers["ETag"] == f'"{reply.body["version"]}"'
    assert reply.body["actions"] == ["take", "forward", "close", "reject", "close-unresolved"]
    assert as_("rita").get(f"/calls/{scene['for_closure'].ref}").body["actions"] == []


def test_an_unknown_call_is_not_found(as_, desk):
    assert as_("carol").get("/calls/INC-999999").error == ("not_found", "ref")


def test_history_lists_every_event_in_order(as_, scene):
    reply = as_("carol").get(f"/calls/{scene['to_carol'].ref}/history")
    assert [e["action"] for e in reply.body] == ["log", "assign", "resolve_to_group", "take"]
    assert reply.body[-1]["actor"] == "carol" and reply.body[-1]["to_status"] == "forward_to_you_for_close"


# --- working a call --------------------------------------------------------------------------------

def test_assigning_to_a_group_moves_the_call_to_its_queue(as_, scene):
    reply = as_("rita").post(f"/calls/{scene['assigned'].ref}/assign", {"group": "Network"})
    assert (reply.status, reply.body["assigned_group"], reply.body["assigned_analyst"]) == (200, "Network", None)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"analyst": "nobody"}, 404, "analyst"),
    ({"group": "Nowhere"}, 404, "group"),
])
def test_assigning_refuses_unknown_targets(as_, scene, body, status, field):
    reply = as_("rita").post(f"/calls/{scene['assigned'].ref}/assign", body)
    assert (reply.status, reply.body["field"]) == (status, field)


def test_a_read_only_analyst_cannot_assign(as_, scene):
    assert as_("erin").post(f"/calls/{scene['assigned'].ref}/assign", {"analyst": "bob"}).status == 403


def test_hold_and_resume(as_, scene):
    api = as_("rita")
    assert api.post(f"/calls/{scene['assigned'].ref}/hold", {"reason": "Waiting"}).body["status"] == "on_hold"
    assert api.post(f"/calls/{scene['assigned'].ref}/resume", {}).body["status"] == "assigned"


def test_resuming_a_call_that_is_not_on_hold_is_a_conflict(as_, scene):
    reply = as_("rita").post(f"/calls/{scene['assigned'].ref}/resume", {})
    assert (reply.status, reply.body["error"]) == (409, "invalid_transition")


def test_resolving_sends_the_call_to_its_log_group_for_closure(as_, scene):
    reply = as_("rita").post(f"/calls/{scene['assigned'].ref}/resolve", {"resolution": "Cleaned the rollers"})
    assert reply.status == 200
    assert (reply.body["status"], reply.body["closure_target_group"], reply.body["resolved_by"]) == \
        ("forward_for_closure", "Service Desk", "rita")


@pytest.mark.parametrize(("subject", "body", "status", "error", "field"), [
    ("assigned", {"resolution": " "}, 400, "invalid_input", "resolution"),
    ("assigned", {}, 422, "invalid_input", "resolution"),
    ("for_closure", {"resolution": "Again"}, 409, "invalid_transition", None),
    ("assigned", {"resolution": "Done", "closer_group": "Nowhere"}, 404, "not_found", "closer_group"),
])
def test_resolving_refusals(as_, scene, subject, body, status, error, field):
    reply = as_("rita").post(f"/calls/{scene[subject].ref}/resolve", body)
    assert (reply.status, *reply.error) == (status, error, field), reply.body


def test_a_closer_of_the_target_group_takes_the_call(as_, scene):
    reply = as_("carol").post(f"/calls/{scene['for_closure'].ref}/take", {})
    assert (reply.body["status"], reply.body["closure_target_analyst"]) == ("forward_to_you_for_close", "carol")


def test_a_closer_forwards_to_another_closer_with_a_reason(as_, scene):
    reply = as_("carol").post(f"/calls/{scene['to_carol'].ref}/forward",
                              {"to_analyst": "dave", "reason": "Dave set the VPN up"})
    assert (reply.status, reply.body["closure_target_analyst"]) == (200, "dave")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"to_analyst": "dave"}, 422, "reason"),
    ({"to_analyst": "dave", "reason": "  "}, 400, "reason"),
    ({"to_analyst": "nobody", "reason": "x"}, 404, "to_analyst"),
])
def test_forwarding_refusals(as_, scene, body, status, field):
    reply = as_("carol").post(f"/calls/{scene['to_carol'].ref}/forward", body)
    assert (reply.status, reply.body["field"]) == (status, field), reply.body


# --- the second part of the close ---------------------------------------------------------------------

def test_the_validator_closes_with_comments_and_a_reason(as_, scene):
    reply = as_("carol").post(f"/calls/{scene['for_closure'].ref}/close",
                              {"comments": "User confirmed", "reason": "FIXED"})
    assert (reply.status, reply.body["status"], reply.body["closed_by"], reply.body["closure_reason"]) == \
        (200, "closed", "carol", "FIXED")


def test_the_resolver_cannot_close_their_own_resolution(as_, scene):
    reply = as_("rita").post(f"/calls/{scene['for_closure'].ref}/close", {"comments": "Done", "reason": "FIXED"})
    assert (reply.status, reply.body["error"]) == (403, "not_allowed")


def test_closing_twice_is_a_conflict(as_, scene):
    api = as_("carol")
    assert api.post(f"/calls/{scene['to_carol'].ref}/close", {"comments": "ok", "reason": "FIXED"}).status == 200
    reply = api.post(f"/calls/{scene['to_carol'].ref}/close", {"comments": "ok", "reason": "FIXED"})
    assert (reply.status, reply.body["error"]) == (409, "invalid_transition")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"comments": "ok", "reason": "NOPE"}, 400, "reason"),
    ({"reason": "FIXED"}, 422, "comments"),
    ({"comments": "ok", "reason": "FIXED", "ticked": ["first"]}, 422, "ticked.0"),
])
def test_closing_refusals(as_, scene, body, status, field):
    reply = as_("carol").post(f"/calls/{scene['to_carol'].ref}/close", body)
    assert (reply.status, reply.body["field"]) == (status, field), reply.body


def test_rejecting_sends_the_call_back_to_its_resolver(as_, scene):
    reply = as_("carol").post(f"/calls/{scene['to_carol'].ref}/reject", {"reason": "Still asks for password"})
    assert reply.status == 200
    assert (reply.body["status"], reply.body["assigned_analyst"], reply.body["times_rejected"]) == \
        ("assigned", "rita", 1)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 422, "reason"),
    ({"reason": "Not fixed", "category": "NOPE"}, 400, "category"),
])
def test_rejecting_refusals(as_, scene, body, status, field):
    reply = as_("carol").post(f"/calls/{scene['to_carol'].ref}/reject", body)
    assert (reply.status, reply.body["field"]) == (status, field), reply.body


# --- versions: If-Match or a version field --------------------------------------------------------------

def test_a_stale_version_field_is_refused_as_changed_by_other(as_, scene):
    ref = scene["to_carol"].ref
    reply = as_("carol").post(f"/calls/{ref}/close", {"comments": "ok", "reason": "FIXED", "version": 1})
    assert (reply.status, *reply.error) == (409, "changed_by_other", "version")
    assert calls.get_call(ref, None).status == "forward_to_you_for_close"


def test_if_match_with_the_current_version_lets_the_action_through(as_, scene):
    api = as_("carol")
    etag = api.get(f"/calls/{scene['to_carol'].ref}").headers["ETag"]
    reply = api.post(f"/calls/{scene['to_carol'].ref}/close", {"comments": "ok", "reason": "FIXED"}, If_Match=etag)
    assert reply.status == 200
    stale = api.post(f"/calls/{scene['for_closure'].ref}/take", {}, If_Match=etag.replace(etag[1], "9"))
    assert stale.error == ("changed_by_other", "version")


@pytest.mark.parametrize(("if_match", "version", "field"), [("soon", None, "If-Match"), ("3", 4, "version")])
def test_an_unreadable_or_disagreeing_if_match_is_bad_input(as_, scene, if_match, version, field):
    reply = as_("carol").post(f"/calls/{scene['for_closure'].ref}/take", {"version": version}, If_Match=if_match)
    assert (reply.status, reply.body["field"]) == (400, field)


# --- Calls Outstanding -------------------------------------------------------------------------------

def test_outstanding_shows_the_callers_queues_with_counts(as_, scene):
    reply = as_("carol").get("/outstanding")
    assert reply.status == 200
    assert reply.body["summary"]["queues"] == {"mine": 0, "groups": 0, "to_me": 1, "for_closure": 1}
    assert {c["ref"] for c in reply.body["items"]} == {scene["to_carol"].ref, scene["for_closure"].ref}
    assert all(c["age_hours"] >= 0 for c in reply.body["items"])
    assert (reply.body["count"], reply.body["pages"]) == (2, 1)  # the count the summary took, for the rows listed
    one = as_("carol").get("/outstanding?queue=to_me&page_size=1").body
    assert (one["count"], one["pages"], len(one["items"])) == (1, 1, 1)


def test_outstanding_one_queue_and_a_bad_queue(as_, scene):
    assert [c["ref"] for c in as_("carol").get("/outstanding?queue=to_me").body["items"]] == [scene["to_carol"].ref]
    assert as_("carol").get("/outstanding?queue=later").error == ("invalid_input", "queue")
