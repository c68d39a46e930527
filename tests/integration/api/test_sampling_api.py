"""A partition's sampling policy through the API: read, change with a reason, dry run, refusals naming the
field; and the sampling decision in a call's output."""

from __future__ import annotations

import pytest

from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

POLICY = "/partitions/Default/sampling-policy"


def test_a_partition_without_a_policy_reads_as_disabled(as_):
    reply = as_("rita").get(POLICY)
    assert reply.status == 200
    assert (reply.body["enabled"], reply.body["version"], reply.body["random_percent"]) == (False, 0, 0.0)


def test_an_administrator_sets_the_policy_with_a_reason_and_it_is_audited(as_):
    reply = as_("admin").put(POLICY, {"change_reason": "Validate what matters", "enabled": True, "min_priority": 2,
                                      "call_types": ["major_incident"], "random_percent": 10})
    assert reply.status == 200
    assert (reply.body["version"], reply.body["changed"], reply.body["dry_run"], reply.body["min_priority"]) == \
        (1, True, False, 2)
    change = SettingsChange.objects.get(subject=SettingsChange.Subject.SAMPLING_POLICY)
    assert change.change_reason == "Validate what matters" and change.changed_by.username == "admin"
    cleared = as_("admin").put(POLICY, {"change_reason": "Priority no longer matters", "min_priority": None})
    assert (cleared.status, cleared.body["min_priority"], cleared.body["random_percent"]) == (200, None, 10.0)


def test_a_dry_run_says_what_would_be_saved_and_saves_nothing(as_):
    reply = as_("admin").put(f"{POLICY}?dry_run=true", {"change_reason": "Trying", "enabled": True,
                                                        "random_percent": 25})
    assert (reply.status, reply.body["dry_run"], reply.body["changed"], reply.body["random_percent"]) == \
        (200, True, True, 25.0)
    assert as_("admin").get(POLICY).body["enabled"] is False
    assert not SettingsChange.objects.filter(subject=SettingsChange.Subject.SAMPLING_POLICY).exists()


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"enabled": True, "random_percent": 150}, 400, "random_percent"),
    ({"enabled": True, "min_priority": 9, "random_percent": 5}, 400, "min_priority"),
    ({"enabled": True, "call_types": ["gadget"], "random_percent": 5}, 400, "call_types"),
    ({"enabled": True}, 400, "random_percent"),
    ({"enabled": "yes"}, 422, "enabled"),
])
def test_a_bad_value_is_refused_naming_the_field(as_, body, status, field):
    reply = as_("admin").put(POLICY, {"change_reason": "Trying", **body})
    assert (reply.status, reply.body["field"]) == (status, field)


def test_an_analyst_without_ipk_setup_may_read_but_not_change_it(as_):
    reply = as_("rita").put(POLICY, {"change_reason": "Mine", "enabled": True, "random_percent": 5})
    assert (reply.status, reply.body["error"]) == (403, "not_allowed")
    assert as_("olga").get(POLICY).status == 404  # another partition's policy does not exist for her


def test_a_resolved_calls_output_says_whether_it_was_sampled_and_why(as_):
    as_("admin").put(POLICY, {"change_reason": "Every P1", "enabled": True, "min_priority": 1})
    ref = as_("alice").post("/calls", {"type": "incident", "summary": "Core switch down", "priority": 1,
                                       "log_group": "Service Desk"}).body["ref"]
    as_("alice").post(f"/calls/{ref}/resolve", {"resolution": "Replaced the supervisor card"})
    sampling = as_("alice").get(f"/calls/{ref}").body["sampling"]
    assert sampling["sampled"] is True and sampling["reasons"] == ["P1 is at or above P1"]
    assert sampling["summary"] == "Sampled for validation: P1 is at or above P1"
    assert 0 <= sampling["draw"] < 1
