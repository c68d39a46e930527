"""Bad input through the API gets the one error shape, never a 500 and never a half-written change."""

from __future__ import annotations

import json

import pytest

from closeloop.calls.models import Call, CallEvent
from closeloop.closure import limits
from closeloop.partitions.models import ClosureSettings

pytestmark = pytest.mark.django_db


def raw_post(client, path: str, body: str):  # type: ignore[no-untyped-def]
    """POST a JSON text as written (json.dumps would never write a lone surrogate escape itself)."""
    response = client.client.post(f"/api/v1{path}", body, content_type="application/json",
                                  HTTP_AUTHORIZATION=f"Bearer {client.token}")
    return response.status_code, response.json()


# --- text no database can store -------------------------------------------------------------------

def test_a_lone_surrogate_escape_in_a_resolution_is_refused_naming_the_field_and_changes_nothing(as_, logged):
    before = Call.objects.get(pk=logged.pk)
    status, body = raw_post(as_("rita"), f"/calls/{logged.ref}/resolve", '{"resolution": "\\ud800 x"}')
    assert (status, body["error"], body["field"]) == (400, "invalid_input", "resolution")
    assert "U+D800" in body["message"]
    after = Call.objects.get(pk=logged.pk)
    assert (after.status, after.version, after.resolution) == (before.status, before.version, "")
    assert CallEvent.objects.filter(call=logged).count() == 2  # logged and assigned, nothing more


@pytest.mark.parametrize("field", ["summary", "description", "log_group", "assigned_analyst", "partition"])
def test_a_lone_surrogate_in_any_text_of_a_new_call_is_a_400_naming_it(as_, desk, field):
    body = {"partition": "Default", "summary": "Cannot print", "log_group": "Service Desk"}
    text = json.dumps(body)[:-1] + f', "{field}": "bad \\udfff"' + "}"
    status, reply = raw_post(as_("alice"), "/calls", text)
    assert (status, reply["error"], reply["field"]) == (400, "invalid_input", field)
    assert not Call.objects.exists()


@pytest.mark.parametrize(("path", "text_field"), [
    ("close", "comments"), ("reject", "reason"), ("forward", "reason"),
])
def test_a_lone_surrogate_in_a_closure_action_is_a_400(as_, resolved, path, text_field):
    status, body = raw_post(as_("carol"), f"/calls/{resolved.ref}/{path}", f'{{"{text_field}": "\\ud83d"}}')
    assert (status, body["field"]) == (400, text_field)
    assert Call.objects.get(pk=resolved.pk).status == resolved.status


# --- maxima ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "field", "limit"), [
    ("resolve", "resolution", limits.RESOLUTION),
    ("hold", "reason", limits.CALL_NOTE),
])
def test_an_over_long_text_is_refused_naming_the_field_and_its_limit(as_, logged, path, field, limit):
    reply = as_("rita").post(f"/calls/{logged.ref}/{path}", {field: "x" * (limit.max_length + 1)})
    assert (reply.status, *reply.error) == (400, "invalid_input", field)
    assert f"at most {limit.max_length:,} characters" in reply.body["message"]
    assert Call.objects.get(pk=logged.pk).version == logged.version


def test_a_text_at_its_limit_is_accepted(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/resolve", {"resolution": "x" * limits.RESOLUTION.max_length})
    assert reply.status == 200, reply.body


def test_closure_comments_over_their_limit_are_refused(as_, resolved):
    too_long = "y" * (limits.CLOSURE_COMMENTS.max_length + 1)
    reply = as_("carol").post(f"/calls/{resolved.ref}/close", {"comments": too_long, "reason": "FIXED"})
    assert (reply.status, *reply.error) == (400, "invalid_input", "comments")


def test_a_change_reason_over_its_limit_is_refused_and_the_settings_stay(as_, desk):
    before = ClosureSettings.objects.get(partition=desk.default).version
    reply = as_("admin").put("/partitions/Default/closure-settings",
                             {"change_reason": "z" * 4_001, "closure_rule": "closure_group"})
    assert (reply.status, *reply.error) == (400, "invalid_input", "change_reason")
    assert ClosureSettings.objects.get(partition=desk.default).version == before


def test_the_openapi_schema_shows_each_text_limit_as_max_length(db):
    from django.test import Client

    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["CallCreate"]["properties"]["summary"]["maxLength"] == limits.SUMMARY.max_length
    assert schemas["CallCreate"]["properties"]["description"]["maxLength"] == limits.DESCRIPTION.max_length
    assert schemas["ResolveIn"]["properties"]["resolution"]["maxLength"] == limits.RESOLUTION.max_length
    assert schemas["RejectIn"]["properties"]["reason"]["maxLength"] == limits.REJECTION_REASON.max_length


# --- bodies over the upload limit --------------------------------------------------------------------

def test_a_body_over_the_upload_limit_is_a_json_413_naming_the_limit(as_, desk):
    status, body = raw_post(as_("alice"), "/calls", json.dumps({"summary": "big", "description": "a" * 3_000_000}))
    assert (status, body["error"]) == (413, "too_large")
    assert "2.5 MB limit" in body["message"]
    assert not Call.objects.exists()


def test_a_body_over_the_upload_limit_is_a_413_in_debug_mode_too(as_, desk, settings):
    settings.DEBUG = True
    status, body = raw_post(as_("alice"), "/calls", json.dumps({"summary": "big", "description": "a" * 3_000_000}))
    assert (status, body["error"]) == (413, "too_large")


# --- numbers and flags are what JSON says (a wrong type is a 422 like any other, never coerced) ---------

@pytest.mark.parametrize("priority", [True, False, "1", 1.5, [1]])
def test_priority_must_be_a_whole_number_and_true_is_not_stored_as_1(as_, desk, priority):
    reply = as_("alice").post("/calls", {"partition": "Default", "summary": "Cannot print", "priority": priority})
    assert (reply.status, *reply.error) == (422, "invalid_input", "priority"), reply.body
    assert not Call.objects.exists()


@pytest.mark.parametrize("priority", [0, 5, -1])
def test_priority_outside_1_to_4_is_refused_by_the_service(as_, desk, priority):
    reply = as_("alice").post("/calls", {"partition": "Default", "summary": "Cannot print", "priority": priority})
    assert (reply.status, *reply.error) == (400, "invalid_input", "priority")


def test_a_version_of_true_is_refused_rather_than_read_as_1(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/hold", {"reason": "waiting", "version": True})
    assert (reply.status, *reply.error) == (422, "invalid_input", "version")
    assert Call.objects.get(pk=logged.pk).status == logged.status


def test_a_ticked_checklist_item_of_true_is_refused_rather_than_read_as_item_1(as_, resolved):
    reply = as_("carol").post(f"/calls/{resolved.ref}/close", {"comments": "ok", "reason": "FIXED", "ticked": [True]})
    assert (reply.status, *reply.error) == (422, "invalid_input", "ticked.0")


def test_a_settings_flag_must_be_true_or_false_not_yes_or_1(as_, desk):
    for value in ("yes", 1):
        reply = as_("admin").put("/partitions/Default/closure-settings",
                                 {"change_reason": "stricter", "require_independent_closer": value})
        assert (reply.status, *reply.error) == (422, "invalid_input", "require_independent_closer")


# --- refusals name people and groups, never internal ids -------------------------------------------------

# An analyst of another partition is answered like a name nobody has (names cannot be probed across
# partitions), by name and never by internal id.
NOBODY_HERE = "No analyst with user name 'olga' in your partitions"


def test_assigning_to_an_analyst_of_another_partition_answers_as_for_nobody_by_name(as_, logged):
    reply = as_("rita").post(f"/calls/{logged.ref}/assign", {"analyst": "olga"})
    assert (reply.status, *reply.error, reply.body["message"]) == (404, "not_found", "analyst", NOBODY_HERE)


def test_forwarding_to_an_analyst_of_another_partition_answers_as_for_nobody_by_name(as_, resolved):
    reply = as_("carol").post(f"/calls/{resolved.ref}/forward", {"reason": "on leave", "to_analyst": "olga"})
    assert (reply.status, reply.body["message"]) == (404, NOBODY_HERE)


def test_logging_a_call_for_an_analyst_of_another_partition_answers_as_for_nobody_by_name(as_, desk):
    reply = as_("alice").post("/calls", {"partition": "Default", "summary": "Cannot print",
                                         "assigned_analyst": "olga"})
    assert (reply.status, reply.body["message"]) == (404, NOBODY_HERE)
