"""`POST /api/v1/calls/bulk/{action}`: 200 with each call's outcome, 4xx only for a bad request."""

import pytest

from closeloop.calls.bulk import MAX_REFS
from closeloop.calls.models import Call, CallEvent
from closeloop.closure import Status
from tests.integration.bulk.conftest import awaiting_closure

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(desk):
    return [awaiting_closure(desk, s) for s in ("VPN drops", "Printer jams", "Outlook asks for password")]


def status_of(ref):
    return Call.objects.get(ref=ref).status


def test_bulk_close_closes_the_calls_and_reports_the_one_refused(as_, desk, waiting, scene):
    refs = [waiting[0].ref, scene["assigned"].ref, waiting[1].ref]
    reply = as_("carol").post("/calls/bulk/close", {"refs": refs, "comments": "Users confirmed", "reason": "FIXED"})
    assert reply.status == 200, reply.body
    assert reply.body["summary"] == "Closed 2, refused 1"
    assert (reply.body["done"], reply.body["refused"], reply.body["action"]) == (2, 1, "close")
    ok, refused, ok2 = reply.body["results"]
    assert (ok["ref"], ok["ok"], ok["status"], ok["error"]) == (refs[0], True, "closed", None)
    assert refused == {"ref": refs[1], "ok": False, "status": "assigned", "status_label": "Assigned",
                       "error": {"code": "invalid_transition", "field": None,
                                 "message": f"{refs[1]} is Assigned: you cannot close it now"}}
    assert status_of(refs[1]) == Status.ASSIGNED and ok2["ok"]
    assert list(CallEvent.objects.filter(call__ref=refs[0]).values_list("action", flat=True))[-1] == "close"


def test_the_refusal_of_one_call_has_the_words_of_the_single_endpoint(as_, desk, scene):
    ref = scene["assigned"].ref
    single = as_("carol").post(f"/calls/{ref}/close", {"comments": "ok", "reason": "FIXED"})
    bulk = as_("carol").post("/calls/bulk/close", {"refs": [ref], "comments": "ok", "reason": "FIXED"})
    error = bulk.body["results"][0]["error"]
    assert (error["code"], error["message"], error["field"]) == (single.body["error"], single.body["message"],
                                                                 single.body["field"])


def test_bulk_take_reject_forward_and_assign(as_, desk, waiting):
    carol = as_("carol")
    refs = [c.ref for c in waiting]
    assert carol.post("/calls/bulk/take", {"refs": refs[:1]}).body["summary"] == "Taken 1"
    assert status_of(refs[0]) == Status.FORWARD_TO_YOU_FOR_CLOSE
    reply = carol.post("/calls/bulk/forward", {"refs": refs[1:2], "to_group": "Closure Group",
                                               "reason": "Closure Group checks these"})
    assert reply.body["summary"] == "Forwarded 1"
    reply = carol.post("/calls/bulk/reject", {"refs": refs[2:], "reason": "Still failing"})
    assert reply.body["summary"] == "Rejected 1" and status_of(refs[2]) == Status.ASSIGNED
    reply = carol.post("/calls/bulk/assign", {"refs": refs[2:], "group": "Network", "analyst": "bob"})
    assert reply.body["summary"] == "Assigned 1"
    assert Call.objects.get(ref=refs[2]).assigned_analyst == desk.bob


def test_a_call_of_another_partition_is_reported_not_found_and_left_alone(as_, desk, waiting):
    ours = awaiting_closure(desk, "A call of Default")
    olga = as_("olga").post("/calls/bulk/close", {"refs": [ours.ref], "comments": "ok"})
    assert olga.status == 200
    assert olga.body["results"][0]["error"]["code"] == "not_found" and olga.body["results"][0]["status"] is None
    assert status_of(ours.ref) == Status.FORWARD_FOR_CLOSURE


def test_versions_refuse_only_the_stale_call(as_, desk, waiting):
    refs = [c.ref for c in waiting[:2]]
    reply = as_("carol").post("/calls/bulk/take", {"refs": refs, "versions": {refs[0]: waiting[0].version - 1}})
    assert reply.body["summary"] == "Taken 1, refused 1"
    assert reply.body["results"][0]["error"]["code"] == "changed_by_other"


@pytest.mark.parametrize(("body", "field"), [
    ({"refs": []}, "refs"),
    ({"refs": [f"INC-{n:06d}" for n in range(MAX_REFS + 1)]}, "refs"),
])
def test_a_bad_list_of_calls_is_a_400_naming_refs(as_, desk, body, field):
    reply = as_("carol").post("/calls/bulk/take", body)
    assert reply.status == 400 and reply.error == ("invalid_input", field)


def test_a_missing_field_is_refused_before_any_call_is_touched(as_, desk, waiting):
    reply = as_("carol").post("/calls/bulk/close", {"refs": [waiting[0].ref], "comments": " "})
    assert reply.status == 400 and reply.error == ("invalid_input", "comments")
    reply = as_("carol").post("/calls/bulk/forward", {"refs": [waiting[0].ref], "reason": "why"})
    assert reply.status == 400 and reply.error[0] == "invalid_input"
    assert status_of(waiting[0].ref) == Status.FORWARD_FOR_CLOSURE


def test_an_unknown_action_is_a_400_naming_action(as_, desk, waiting):
    reply = as_("carol").post("/calls/bulk/resolve", {"refs": [waiting[0].ref]})
    assert reply.status == 400 and reply.error == ("invalid_input", "action")
    assert "take, close, reject, forward, assign" in reply.body["message"]


def test_a_single_version_is_refused_in_favour_of_versions(as_, desk, waiting):
    reply = as_("carol").post("/calls/bulk/take", {"refs": [waiting[0].ref], "version": 3})
    assert reply.status == 422 and reply.error == ("invalid_input", "version")


def test_the_single_call_endpoints_still_work_beside_bulk(as_, desk, waiting):
    assert as_("carol").post(f"/calls/{waiting[0].ref}/take", {}).status == 200
