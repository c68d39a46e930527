"""The Sampling policy page (System Administration): checked and previewed, then changed with a change reason
and audited; refusals shown on the field, only for IPK Setup; and the call page saying why a call was or was
not sampled."""

from __future__ import annotations

import pytest

from closeloop.calls import sampling as call_sampling
from closeloop.calls import services as calls
from closeloop.partitions.models import SettingsChange
from closeloop.partitions.sampling import load_sampling_policy, set_sampling_policy

pytestmark = pytest.mark.django_db

URL = "/system/sampling/"
FORM = {"enabled": "on", "min_priority": "2", "call_types": ["major_incident"], "resolver_first_n": "0",
        "random_percent": "10", "resolver_rejection_rate_above": "", "change_reason": "Validate what matters"}


def test_the_policy_is_saved_with_a_change_reason_and_shown_in_its_history(client_for, desk):
    admin = client_for("admin")
    assert admin.get(URL).status_code == 200
    checked = admin.post(URL, {**FORM, "step": "check"})
    assert checked.status_code == 200 and "Why are you changing the sampling policy?" in checked.content.decode()
    assert not load_sampling_policy(desk.default).enabled  # checked and previewed, not saved yet
    saved = admin.post(URL, {**FORM, "step": "confirm"}, follow=True)
    assert "Sampling policy of Default saved as version 1" in saved.content.decode()
    policy = load_sampling_policy(desk.default)
    assert (policy.enabled, policy.min_priority, policy.random_percent) == (True, 2, 10.0)
    page = admin.get(URL).content.decode()
    assert "Validate what matters" in page and "Validate priority at or above" in page
    assert SettingsChange.objects.filter(subject=SettingsChange.Subject.SAMPLING_POLICY).count() == 1
    assert "Sampling policy" in admin.get("/system/").content.decode()


@pytest.mark.parametrize(("change", "message"), [
    ({"random_percent": "140"}, "less than or equal to 100"),
    ({"random_percent": "0", "min_priority": "", "call_types": []}, "This policy would sample no call at all"),
])
@pytest.mark.parametrize("step", ["check", "confirm"])
def test_a_refused_policy_is_shown_again_with_the_message(client_for, desk, change, message, step):
    page = client_for("admin").post(URL, {**FORM, **change, "step": step})
    html = page.content.decode()
    assert page.status_code == 400 and message in html
    assert 'data-testid="sampling-preview"' not in html and "open data-modal" not in html  # no prompt yet
    assert not load_sampling_policy(desk.default).enabled


def test_only_ipk_setup_sees_the_page(client_for, desk):
    assert client_for("alice").get(URL).status_code == 403
    assert client_for("alice").post(URL, {**FORM, "step": "check"}).status_code == 403
    assert client_for("alice").post(URL, {**FORM, "step": "confirm"}).status_code == 403
    assert not load_sampling_policy(desk.default).enabled


def test_the_call_page_and_its_history_say_why_a_call_was_or_was_not_sampled(client_for, desk, monkeypatch):
    set_sampling_policy(desk.default, "Every P1", desk.admin, enabled=True, min_priority=1, random_percent=10)

    class Draw:
        @staticmethod
        def random() -> float:
            return 0.63

    monkeypatch.setattr(call_sampling, "_RANDOM", Draw)
    urgent = calls.log_call(desk.default, "incident", "Core switch down", priority=1, log_group=desk.service_desk,
                            assigned_analyst=desk.rita, actor=desk.alice)
    plain = calls.log_call(desk.default, "incident", "Mouse sticks", log_group=desk.service_desk,
                           assigned_analyst=desk.rita, actor=desk.alice)
    for call in (urgent, plain):
        calls.resolve_call(call.ref, desk.rita, "Fixed it")
    page = client_for("carol").get(f"/calls/{urgent.ref}/").content.decode()
    assert page.count("Sampled for validation: P1 is at or above P1") == 2  # details and history
    page = client_for("carol").get(f"/calls/{plain.ref}/").content.decode()
    assert page.count("Not sampled: no condition matched, draw 0.63 ≥ 0.10") == 2
