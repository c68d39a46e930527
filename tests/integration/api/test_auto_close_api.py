"""Call Auto Close rules in the API: listed with their matches, added and changed with a change reason,
refusals naming the field, and only for IPK Setup."""

from __future__ import annotations

import pytest

from closeloop.autoclose.models import AutoCloseRule
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

RULE = {"partition": "Default", "name": "Resolved calls", "statuses": ["forward_for_closure"],
        "call_types": ["incident"], "idle_days": 10, "reminders": [{"after_days": 5, "to": ["target", "contact"]}],
        "reason": "FIXED", "change_reason": "Resolved calls wait too long"}


def test_a_rule_is_added_with_its_matches_listed_and_changed(as_, resolved):
    checked = as_("admin").post("/auto-close-rules?dry_run=true", RULE)
    assert (checked.status, checked.body["matches_now"], checked.body["dry_run"]) == (201, 1, True)
    assert not AutoCloseRule.objects.exists()
    added = as_("admin").post("/auto-close-rules", RULE)
    assert added.status == 201, added.body
    assert added.body["summary"] == ("Forward for Closure idle 10 calendar days: remind after 5 (closure target, "
                                     "contact); close (FIXED)")
    listed = as_("carol").get("/auto-close-rules?partition=Default").body
    assert [(r["name"], r["matches_now"]) for r in listed] == [("Resolved calls", 1)]
    assert as_("olga").get("/auto-close-rules").body == []
    changed = as_("admin").put(f"/auto-close-rules/{added.body['id']}", {"idle_days": 14, "active": False,
                                                                         "change_reason": "Two weeks"})
    assert (changed.status, changed.body["idle_days"], changed.body["active"]) == (200, 14, False)
    assert SettingsChange.objects.filter(subject=SettingsChange.Subject.AUTO_CLOSE_RULES).count() == 2


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"reason": "NOPE"}, 400, "reason"),
    ({"statuses": ["closed"]}, 400, "statuses"),
    ({"reminders": [{"after_days": 11, "to": ["target"]}]}, 400, "reminders"),
    ({"change_reason": ""}, 400, "change_reason"),
    ({"expiry": "escalate", "reason": None, "escalation_group": "Nowhere"}, 400, "escalation_group"),
    ({"partition": "Other"}, 404, "partition"),
])
def test_a_refused_rule_answers_4xx_naming_the_field(as_, change, status, field):
    reply = as_("admin").post("/auto-close-rules", {**RULE, **change})
    assert reply.status == status, reply.body
    assert reply.error[1] == field


def test_changing_rules_needs_ipk_setup(as_):
    assert as_("carol").post("/auto-close-rules", RULE).status == 403
    assert as_("carol").put("/auto-close-rules/999", {"change_reason": "x"}).status == 404
