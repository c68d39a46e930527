"""The what-if preview of Call Auto Close rules against a hand-built desk: the service's exact counts, its
constant number of queries, and the same preview through the API (`dry_run=true`), the CLI (`--dry-run`) and the
Call Auto Close page (shown with the change-reason prompt, before anything is saved)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.accounts.services import create_token
from closeloop.autoclose import services as autoclose
from closeloop.autoclose.models import AutoCloseRule
from closeloop.autoclose.preview import PREVIEW_DAYS, _decided, _watched, preview_rule_change
from closeloop.calls import services as calls
from closeloop.cli.main import main
from closeloop.closure import CallType
from closeloop.closure.autoclose import kinds_ruled, shortest_wait
from closeloop.closure.autoclose_preview import Step, preview_auto_close
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
def now():  # type: ignore[no-untyped-def]
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def idle_desk(desk, now):  # type: ignore[no-untyped-def]
    """Default's rule "Resolved calls" (incidents waiting for closure: remind after 5 days, close after 20) and:

    - waiting now: `printer` idle 12 days and `monitor` idle 6 (each reminded once by yesterday's pass),
      `keyboard` idle 2; `supplier` on hold for 8 days; `at_work` still being worked;
    - decided in the last 30 days: `closed` (waited 12 days, closed by carol), `rejected` (waited 12 days,
      rejected by carol), `quick` (closed after a day), `taken` (taken after 2 days, closed 9 days later);
    - `old`: closed 80 days ago, outside the window."""
    d = desk

    def resolved(summary: str, days_ago: float) -> str:
        at = now - days_ago * DAY
        call = calls.log_call(d.default, "incident", summary, log_group=d.service_desk, assigned_analyst=d.rita,
                              actor=d.alice, at=at - HOUR)
        calls.resolve_call(call.ref, d.rita, "Fixed it", at=at)
        return call.ref

    def decided(summary: str, resolved_days_ago: float, decided_days_ago: float, reject: bool = False) -> str:
        ref = resolved(summary, resolved_days_ago)
        at = now - decided_days_ago * DAY
        calls.take_call(ref, d.carol, at=at - HOUR)
        if reject:
            calls.reject_resolution(ref, d.carol, "The printer still jams", at=at)
        else:
            calls.close_call(ref, d.carol, "Confirmed with the user", reason="FIXED", at=at)
        return ref

    refs = {"printer": resolved("Printer jams", 12), "monitor": resolved("Monitor flickers", 6),
            "keyboard": resolved("Keyboard sticks", 2)}
    supplier = calls.log_call(d.default, "incident", "Waiting for the supplier", log_group=d.service_desk,
                              assigned_analyst=d.alice, actor=d.alice, at=now - 9 * DAY)
    calls.hold_call(supplier.ref, d.alice, "Supplier ships a part", at=now - 8 * DAY)
    refs["supplier"] = supplier.ref
    refs["at_work"] = calls.log_call(d.default, "incident", "Still at work", log_group=d.service_desk,
                                     assigned_analyst=d.rita, actor=d.alice, at=now - DAY).ref
    refs.update(closed=decided("VPN drops", 15, 3), rejected=decided("Mail bounces", 14, 2, reject=True),
                quick=decided("Password reset", 10, 9), old=decided("Old keyboard", 90, 80))
    taken = resolved("Laptop slow", 20)
    calls.take_call(taken, d.carol, at=now - 18 * DAY)  # restarts the idle time: 9 days from then to the close
    calls.close_call(taken, d.carol, "Confirmed", reason="FIXED", at=now - 9 * DAY)
    refs["taken"] = taken
    rule = autoclose.add_rule(d.default, "Resolved calls wait", d.admin, name="Resolved calls",
                              statuses=["forward_for_closure", "forward_to_you_for_close"], call_types=["incident"],
                              idle_days=20, reminders=["5:target"], reason="FIXED").rule
    summary = autoclose.auto_close_pass(now - DAY)
    assert summary.refs == {"reminded": [refs["printer"], refs["monitor"]]}
    return {"refs": refs, "rule": rule}


def test_shortening_the_idle_time_closes_sooner_and_would_have_closed_a_rejected_resolution(idle_desk, desk, now):
    refs, rule = idle_desk["refs"], idle_desk["rule"]
    changes = SettingsChange.objects.count()
    saved = autoclose.set_rule(rule, "Try ten days", desk.admin, idle_days=10, dry_run=True, now=now)
    preview = saved.preview
    assert preview is not None and saved.matches == 3
    assert preview.watched == 3  # the three waiting calls: the rule watches no call on hold
    assert preview.before == preview.after == {Step.CLOSE: 2, Step.REMIND: 1}
    assert (preview.acting_now_before, preview.acting_now_after) == (0, 1)
    assert preview.changed == 2
    assert [(c.ref, c.before.key, c.after.key) for c in preview.examples] == [
        (refs["printer"], (Step.CLOSE, now + 8 * DAY), (Step.CLOSE, now)),
        (refs["monitor"], (Step.CLOSE, now + 14 * DAY), (Step.CLOSE, now + 4 * DAY))]
    # the window: closed, rejected, quick and taken (old is outside); taken waited 9 days after it was taken
    assert (preview.resolved_recently, preview.days) == (4, 30)
    assert preview.decided_before == {Step.REMIND: 3, Step.NOTHING: 1}
    assert preview.decided_after == {Step.CLOSE: 2, Step.REMIND: 1, Step.NOTHING: 1}
    assert (preview.taken_before, preview.taken_after) == (0, 2)
    assert (preview.rejected_before, preview.rejected_after) == (0, 1)
    assert sorted(c.ref for c in preview.decided_examples) == sorted([refs["closed"], refs["rejected"]])
    rule.refresh_from_db()
    assert rule.idle_days == 20 and SettingsChange.objects.count() == changes  # a dry run writes nothing


def test_adding_a_rule_for_calls_on_hold_watches_them_too(idle_desk, desk, now):
    saved = autoclose.add_rule(desk.default, "Chase suppliers", desk.admin, name="Stuck on hold",
                               statuses=["on_hold"], idle_days=7, expiry="escalate", escalation_group="Closure Group",
                               dry_run=True, now=now)
    preview = saved.preview
    assert preview is not None and preview.watched == 4
    assert preview.before == {Step.CLOSE: 2, Step.REMIND: 1, Step.NOTHING: 1}
    assert preview.after == {Step.CLOSE: 2, Step.REMIND: 1, Step.ESCALATE: 1}
    assert [(c.ref, c.after.key) for c in preview.examples] == [(idle_desk["refs"]["supplier"], (Step.ESCALATE, now))]
    assert preview.decided_changed == 0 and preview.resolved_recently == 4
    assert not AutoCloseRule.objects.filter(name="Stuck on hold").exists()


def test_deactivating_the_rule_leaves_every_call_to_the_closers(idle_desk, desk, now):
    preview = autoclose.deactivate_rule(idle_desk["rule"], "Holiday freeze", desk.admin, dry_run=True,
                                        now=now).preview
    assert preview is not None
    assert preview.after == {Step.NOTHING: 3} and preview.changed == 3
    assert preview.decided_after == {Step.NOTHING: 4} and preview.decided_changed == 3
    assert AutoCloseRule.objects.get().active


def test_the_preview_reads_its_window_in_six_queries_however_many_calls(idle_desk, desk, now,
                                                                        django_assert_num_queries):
    rules = [idle_desk["rule"].as_value()]
    # watched calls, their reminders, the decisions, their actions; and, as the rule watches incidents only, a
    # count each of the waiting calls and the verdicts of other types
    with django_assert_num_queries(6):
        small = preview_rule_change(desk.default, rules, [], now)
    for n in range(6):
        call = calls.log_call(desk.default, "incident", f"More work {n}", log_group=desk.service_desk,
                              assigned_analyst=desk.rita, actor=desk.alice, at=now - 5 * DAY)
        calls.resolve_call(call.ref, desk.rita, "Fixed it", at=now - 4 * DAY)
        if n % 2:
            calls.take_call(call.ref, desk.carol, at=now - 2 * DAY)
            calls.close_call(call.ref, desk.carol, "Confirmed", reason="FIXED", at=now - DAY)
    with django_assert_num_queries(6):
        large = preview_rule_change(desk.default, rules, [], now)
    assert (large.watched, large.resolved_recently) == (small.watched + 3, small.resolved_recently + 3)


def test_calls_no_rule_could_apply_to_are_counted_and_give_the_preview_of_reading_every_call(idle_desk, desk, now):
    """The rule watches incidents only: the problem waiting and the one decided lately are counted, not read, as
    is the verdict given a day after its resolution (before any rule waits: 4 days); the preview is the one the
    core gives from every call of the window."""
    waiting = calls.log_call(desk.default, "problem", "Disk fills up", log_group=desk.service_desk,
                             assigned_analyst=desk.rita, actor=desk.alice, at=now - 5 * DAY)
    calls.resolve_call(waiting.ref, desk.rita, "Rotated the logs", at=now - 4 * DAY)
    decided = calls.log_call(desk.default, "problem", "Backups fail", log_group=desk.service_desk,
                             assigned_analyst=desk.rita, actor=desk.alice, at=now - 8 * DAY)
    calls.resolve_call(decided.ref, desk.rita, "New tape", at=now - 7 * DAY)
    calls.take_call(decided.ref, desk.carol, at=now - 3 * DAY)
    calls.reject_resolution(decided.ref, desk.carol, "Still failing", at=now - 2 * DAY)
    before = [idle_desk["rule"].as_value()]
    after = [replace(before[0], idle_days=4)]
    preview = preview_rule_change(desk.default, before, after, now)
    every = {kind: None for kind in CallType}
    watched, none_left = _watched(desk.default, sorted(s.value for s in before[0].statuses), every)
    past, none_counted = _decided(desk.default, now - PREVIEW_DAYS * DAY, every, None)
    assert none_left == none_counted == 0 and len(watched) == 4 and len(past) == 5
    assert preview.as_dict() == preview_auto_close(watched, past, before, after, now).as_dict()
    assert (preview.watched, preview.resolved_recently) == (4, 5)
    read, counted = _decided(desk.default, now - PREVIEW_DAYS * DAY, kinds_ruled([*before, *after]),
                             shortest_wait([*before, *after]))
    assert (len(read), counted) == (3, 2) and idle_desk["refs"]["quick"] not in {d.call.ref for d in read}
    assert preview.before[Step.NOTHING] == 1 and preview.decided_after[Step.NOTHING] >= 1


def test_the_api_dry_run_answers_the_preview_and_writes_nothing(idle_desk, desk):
    client = Client(headers={"Authorization": f"Bearer {create_token(desk.admin, 'preview')[1]}"})
    changes = SettingsChange.objects.count()
    body = {"partition": "Default", "name": "Chase suppliers", "statuses": ["on_hold"], "idle_days": 7,
            "expiry": "escalate", "escalation_group": "Closure Group", "change_reason": "Try it"}
    added = client.post("/api/v1/auto-close-rules?dry_run=true", json.dumps(body), content_type="application/json")
    assert added.status_code == 201, added.content
    data = added.json()
    assert data["dry_run"] is True and data["matches_now"] == 1
    assert data["preview"]["after"] == {"nothing": 0, "remind": 1, "close": 2, "escalate": 1}
    assert [c["ref"] for c in data["preview"]["changes"]] == [idle_desk["refs"]["supplier"]]
    assert data["preview"]["changes"][0]["after_step"] == "escalate"
    assert AutoCloseRule.objects.count() == 1 and SettingsChange.objects.count() == changes
    url = f"/api/v1/auto-close-rules/{idle_desk['rule'].id}"
    changed = client.put(f"{url}?dry_run=true", json.dumps({"idle_days": 10, "change_reason": "Try ten days"}),
                         content_type="application/json").json()
    assert changed["preview"]["taken_off_closers"] == {"before": 0, "after": 2}
    assert changed["preview"]["rejected_auto_closed"] == {"before": 0, "after": 1}
    assert {c["ref"] for c in changed["preview"]["decided_changes"]} == {idle_desk["refs"]["closed"],
                                                                         idle_desk["refs"]["rejected"]}
    assert AutoCloseRule.objects.get().idle_days == 20 and SettingsChange.objects.count() == changes
    saved = client.put(url, json.dumps({"idle_days": 10, "change_reason": "Ten days"}),
                       content_type="application/json").json()
    assert saved["dry_run"] is False and saved["preview"] is None and saved["idle_days"] == 10


def test_the_cli_dry_run_prints_the_preview(capsys, idle_desk, desk):
    changes = SettingsChange.objects.count()
    code = main(["autoclose", "set", "Default", "Resolved calls", "--idle-days", "10", "--change-reason", "Try it",
                 "--dry-run", "--as", "admin"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Rule Resolved calls would be changed in Default (dry run, not saved)" in out
    assert "3 call(s) in a status the rules watch now" in out and "2 would change" in out
    assert "Rejected by a closer but auto-closed first: 0 -> 1." in out
    assert f"{idle_desk['refs']['rejected']} (rejected): remind" in out
    code = main(["autoclose", "deactivate", "Default", "Resolved calls", "--change-reason", "Freeze", "--dry-run",
                 "--as", "admin", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["dry_run"] is True and data["active"] is False
    assert data["preview"]["after"]["nothing"] == 3
    code = main(["autoclose", "add", "Default", "--name", "Chase suppliers", "--status", "on_hold", "--idle-days", "7",
                 "--expiry", "escalate", "--escalation-group", "Closure Group", "--change-reason", "Try", "--dry-run",
                 "--as", "admin", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["preview"]["after"]["escalate"] == 1
    assert SettingsChange.objects.count() == changes
    assert [(r.name, r.idle_days, r.active) for r in AutoCloseRule.objects.all()] == [("Resolved calls", 20, True)]
    code = main(["autoclose", "deactivate", "Default", "Resolved calls", "--change-reason", "Freeze", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["preview"] is None
    code = main(["autoclose", "activate", "Default", "Resolved calls", "--change-reason", "Thaw", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["active"] is True


RULE_FORM = {"op": "save", "name": "Resolved calls", "statuses": ["forward_for_closure", "forward_to_you_for_close"],
             "call_types": ["incident"], "idle_days": "10", "reminder_1_days": "5", "reminder_1_to": ["target"],
             "expiry": "close", "reason": "FIXED", "comments": "", "raise_priority": "0"}


def test_the_page_shows_the_preview_with_the_change_reason_prompt(idle_desk, desk):
    client = Client()
    client.force_login(desk.admin)
    rule = idle_desk["rule"]
    checked = client.post(f"/system/auto-close/{rule.id}/", {**RULE_FORM, "step": "check"})
    html = checked.content.decode()
    assert checked.status_code == 200 and "Why are you changing the Call Auto Close rules?" in html
    assert 'data-testid="autoclose-preview"' in html and "<strong>2 would be treated differently</strong>" in html
    assert "resolution a closer rejected would have been auto-closed first" in html
    assert idle_desk["refs"]["rejected"] in html and "{#" not in html
    no_reason = client.post(f"/system/auto-close/{rule.id}/", {**RULE_FORM, "step": "confirm", "change_reason": ""})
    assert no_reason.status_code == 400 and 'data-testid="autoclose-preview"' in no_reason.content.decode()
    rule.refresh_from_db()
    assert rule.idle_days == 20
    # deactivating: the preview first, then the change reason
    asked = client.post("/system/auto-close/", {"op": "deactivate", "rule": rule.id, "step": "check"})
    html = asked.content.decode()
    assert asked.status_code == 200 and "Why are you deactivating Resolved calls?" in html
    assert 'data-testid="autoclose-preview"' in html and "<strong>3 would be treated differently</strong>" in html
    assert AutoCloseRule.objects.get().active
    done = client.post("/system/auto-close/", {"op": "deactivate", "rule": rule.id, "step": "confirm",
                                               f"r{rule.id}-change_reason": "Holiday freeze"}, follow=True)
    assert "Rule Resolved calls is now deactivated." in done.content.decode()
    assert not AutoCloseRule.objects.get().active
