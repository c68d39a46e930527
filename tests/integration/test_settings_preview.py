"""The what-if preview of closure settings against a hand-built desk: the service's counts, and the same
preview through the API (`dry_run=true`), the CLI (`settings set --dry-run`) and the settings page (shown
with the change-reason prompt, before anything is saved)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.calls.preview import preview_closure_settings
from closeloop.cli.main import main
from closeloop.partitions.models import ClosureSettings, SettingsChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def closure_stage(desk):  # type: ignore[no-untyped-def]
    """Default validates in the log group (Service Desk): two calls wait there, two were closed this month,
    one was closed long ago (outside the window), and one is still being worked."""
    d = desk

    def resolved(summary: str) -> str:
        call = calls.log_call(d.default, "incident", summary, log_group=d.service_desk, assigned_analyst=d.rita,
                              actor=d.alice)
        calls.resolve_call(call.ref, d.rita, "Fixed it")
        return call.ref

    waiting = [resolved("Printer jams"), resolved("Screen flickers")]
    closed = [resolved("VPN drops"), resolved("Mailbox full")]
    for ref in closed:
        calls.take_call(ref, d.carol)
        calls.close_call(ref, d.carol, "Confirmed with the user", reason="FIXED")
    old = resolved("Old keyboard")
    calls.take_call(old, d.carol)
    calls.close_call(old, d.carol, "Confirmed", reason="FIXED")
    long_ago = timezone.now() - timedelta(days=90)
    Call.objects.filter(ref=old).update(resolved_at=long_ago)
    Call.objects.get(ref=old).closure_decisions.update(decided_at=long_ago)
    calls.log_call(d.default, "incident", "Still at work", log_group=d.service_desk, assigned_analyst=d.rita,
                   actor=d.alice)
    return {"waiting": waiting, "closed": closed, "old": old}


def test_the_preview_counts_the_calls_of_the_closure_stage_and_the_last_30_days(desk, closure_stage):
    row = ClosureSettings.objects.get(partition=desk.default)
    row.closure_rule = "closure_group"
    preview = preview_closure_settings(desk.default, row.as_value())
    assert (preview.waiting, preview.resolved_recently, preview.days) == (2, 2, 30)
    assert preview.before == {"group Service Desk": 4}
    # the two waiting calls stay where they are (Service Desk can still close them); the closed ones would
    # have gone to the closure group
    assert preview.after == {"group Closure Group": 2, "group Service Desk": 2}
    assert preview.changed == 2 and preview.moved_now == 0 and not preview.unclosable
    assert sorted(c.ref for c in preview.examples) == sorted(closure_stage["closed"])


def test_the_api_dry_run_answers_the_preview_and_saves_nothing(desk, closure_stage):
    client = Client(headers={"Authorization": f"Bearer {create_token(desk.admin, 'preview')[1]}"})
    changes = SettingsChange.objects.count()
    response = client.put("/api/v1/partitions/Default/closure-settings?dry_run=true",
                          json.dumps({"closure_rule": "closure_group", "change_reason": "Try the closure group"}),
                          content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["changed"] is True
    assert body["preview"]["after"] == {"group Closure Group": 2, "group Service Desk": 2}
    assert body["preview"]["changed"] == 2 and body["preview"]["refused"] is False
    assert {c["ref"] for c in body["preview"]["changes"]} == set(closure_stage["closed"])
    assert SettingsChange.objects.count() == changes
    assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "log_group"
    saved = client.put("/api/v1/partitions/Default/closure-settings",
                       json.dumps({"closure_rule": "closure_group", "change_reason": "Closure group validates"}),
                       content_type="application/json").json()
    assert saved["dry_run"] is False and saved["preview"] is None


def test_the_cli_dry_run_prints_the_preview(capsys, desk, closure_stage):
    code = main(["settings", "set", "Default", "--rule", "closure_group", "--change-reason", "Try it", "--dry-run",
                 "--as", "admin"])
    out = capsys.readouterr().out
    assert code == 0
    assert "would be accepted (dry run, not saved)" in out
    assert "2 call(s) waiting for closure now and 2 resolved in the last 30 days" in out
    assert "2 would change closure target" in out and "group Closure Group: 0 -> 2" in out
    code = main(["settings", "set", "Default", "--rule", "closure_group", "--change-reason", "Try it", "--dry-run",
                 "--as", "admin", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["preview"]["changed"] == 2 and data["dry_run"] is True
    assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "log_group"


def test_the_settings_page_shows_the_preview_with_the_change_reason_prompt(desk, closure_stage):
    client = Client()
    client.force_login(desk.admin)
    page = client.get("/system/settings/")
    form = {"closure_method": "rules", "closure_rule": "closure_group", "closure_group": desk.closure_group.id,
            "expected_version": ClosureSettings.objects.get(partition=desk.default).version,
            "closure_reason_required": "on", "step": "check"}
    assert page.status_code == 200
    checked = client.post("/system/settings/", form)
    html = checked.content.decode()
    assert checked.status_code == 200 and "Why are you changing these settings?" in html
    assert 'data-testid="settings-preview"' in html and "2 would go to another closure target" in html
    assert closure_stage["closed"][0] in html
    assert ClosureSettings.objects.get(partition=desk.default).closure_rule == "log_group"
