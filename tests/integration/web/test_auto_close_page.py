"""The Call Auto Close page: rules listed with the calls they match, added in two steps with a change reason,
refusals shown on the field, deactivation audited, and only for IPK Setup."""

from __future__ import annotations

import pytest

from closeloop.autoclose import services as autoclose
from closeloop.autoclose.models import AutoCloseRule
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

URL = "/system/auto-close/"
RULE = {"op": "save", "name": "Resolved calls", "statuses": ["forward_for_closure"], "call_types": ["incident"],
        "idle_days": "10", "reminder_1_days": "5", "reminder_1_to": ["target", "contact"], "expiry": "close",
        "reason": "FIXED", "comments": "", "raise_priority": "0"}


def test_adding_a_rule_is_checked_first_shows_its_matches_then_saved_with_a_change_reason(client_for,
                                                                                         resolved_call):
    admin = client_for("admin")
    checked = admin.post(URL, {**RULE, "step": "check"})
    assert checked.status_code == 200
    assert "It matches <strong>1</strong> call(s) now" in checked.content.decode()
    assert not AutoCloseRule.objects.exists()
    saved = admin.post(URL, {**RULE, "step": "confirm", "change_reason": "Closers fall behind"}, follow=True)
    assert "Rule Resolved calls saved: it matches 1 call(s) now." in saved.content.decode()
    rule = AutoCloseRule.objects.get()
    assert (rule.idle_days, rule.reminders) == (10, [{"after_days": 5, "to": ["contact", "target"]}])
    page = admin.get(URL).content.decode()
    assert "Matches 1 call now." in page and "remind after 5 (closure target, contact)" in page
    history = admin.get("/system/settings/").content.decode()
    assert "Call Auto Close rule “Resolved calls”" in history and "Closers fall behind" in history


def test_a_rule_that_cannot_act_is_shown_again_with_the_message_on_its_field(client_for, desk):
    page = client_for("admin").post(URL, {**RULE, "reminder_1_days": "12", "step": "check"})
    assert page.status_code == 400
    assert "Reminder 1 must come after 0 and before the idle time of 10 days" in page.content.decode()
    assert not AutoCloseRule.objects.exists()


def test_editing_and_deactivating_a_rule_need_a_change_reason_and_are_audited(client_for, desk):
    rule = autoclose.add_rule(desk.default, "set-up", desk.admin, name="Resolved calls",
                              statuses=["forward_for_closure"], call_types=["incident"], idle_days=10,
                              reason="FIXED").rule
    admin = client_for("admin")
    edited = admin.post(f"{URL}{rule.id}/", {**RULE, "idle_days": "14", "step": "confirm",
                                             "change_reason": "Two weeks"})
    assert edited.status_code == 302
    refused = admin.post(URL, {"op": "deactivate", "rule": rule.id, f"r{rule.id}-change_reason": ""})
    assert refused.status_code == 400
    admin.post(URL, {"op": "deactivate", "rule": rule.id, f"r{rule.id}-change_reason": "Holiday freeze"})
    rule.refresh_from_db()
    assert (rule.idle_days, rule.active) == (14, False)
    reasons = list(SettingsChange.objects.filter(subject=SettingsChange.Subject.AUTO_CLOSE_RULES).values_list(
        "change_reason", flat=True))
    assert reasons == ["Holiday freeze", "Two weeks", "set-up"]


def test_the_page_needs_ipk_setup(client_for, desk):
    assert client_for("alice").get(URL).status_code == 403
    assert client_for("admin").get(URL).status_code == 200
