"""The what-if preview of a sampling policy against a hand-built desk: the service's exact counts, its
queries (few, and as many for many calls as for few), and the same preview through the API
(`dry_run=true`), the CLI (`sampling set --dry-run`) and the Sampling policy page (shown with the
change-reason prompt, before anything is saved)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.calls.sampling import drawing_from
from closeloop.calls.sampling_preview import preview_sampling_policy
from closeloop.cli.main import main
from closeloop.closure.sampling import SamplingPolicy
from closeloop.closure.sampling_preview import NOT_SAMPLED, SAMPLED
from closeloop.partitions.models import SamplingSettings, SettingsChange
from closeloop.partitions.sampling import load_sampling_policy, set_sampling_policy

pytestmark = pytest.mark.django_db

# The policy in force on the desk below, and the one previewed.
BEFORE = {"enabled": True, "min_priority": 1, "random_percent": 20}
AFTER = SamplingPolicy(enabled=True, min_priority=2, rejected_or_refused_before=True, random_percent=5)
PREVIEW_FORM = {"enabled": "on", "min_priority": "2", "rejected_or_refused_before": "on", "resolver_first_n": "0",
                "random_percent": "5", "resolver_rejection_rate_above": ""}


def _resolved(d, summary, *, priority=3, network=False):  # type: ignore[no-untyped-def]
    group, analyst = (d.network, d.bob) if network else (d.service_desk, d.rita)
    call = calls.log_call(d.default, "incident", summary, log_group=group, assigned_analyst=analyst, actor=analyst,
                          priority=priority)
    calls.resolve_call(call.ref, analyst, "Fixed it")
    return call.ref


def _close(ref, closer):  # type: ignore[no-untyped-def]
    calls.take_call(ref, closer)
    calls.close_call(ref, closer, "Confirmed with the user", reason="FIXED")


@pytest.fixture
def sampled_desk(desk):  # type: ignore[no-untyped-def]
    """Default validates in the log group. Under no policy (no draw recorded): A (P1, waiting in Service Desk)
    and B (P1, Network, closed). Then under BEFORE, with the draws given: C (P2, 0.10, waiting), D (P3, 0.70,
    closed), E (P3, Network, 0.30, rejected: back with bob), F (P4, 0.90, waiting). Left out: a call closed
    90 days ago and one still being worked."""
    d = desk
    a = _resolved(d, "Core switch down", priority=1)
    b = _resolved(d, "Router reboots", priority=1, network=True)
    _close(b, d.mia)
    set_sampling_policy(d.default, "Validate P1 and a fifth of the rest", d.admin, **BEFORE)
    with drawing_from(iter([0.10, 0.70, 0.30, 0.90]).__next__):
        c = _resolved(d, "Printer jams", priority=2)
        closed = _resolved(d, "Mailbox full")
        rejected = _resolved(d, "VPN drops", network=True)
        f = _resolved(d, "Mouse sticks", priority=4)
    _close(closed, d.carol)
    calls.reject_resolution(rejected, d.mia, "Still drops")
    with drawing_from(lambda: 0.99):
        old = _resolved(d, "Old keyboard")
    _close(old, d.carol)
    long_ago = timezone.now() - timedelta(days=90)
    Call.objects.filter(ref=old).update(resolved_at=long_ago)
    Call.objects.get(ref=old).closure_decisions.update(decided_at=long_ago)
    calls.log_call(d.default, "incident", "Still at work", log_group=d.service_desk, assigned_analyst=d.rita,
                   actor=d.alice)
    return {"A": a, "B": b, "C": c, "D": closed, "E": rejected, "F": f}


def test_the_preview_decides_each_call_of_the_window_under_both_policies(desk, sampled_desk):
    refs = sampled_desk
    preview = preview_sampling_policy(desk.default, AFTER)
    assert (preview.waiting, preview.resolved_recently, preview.days) == (3, 3, 30)
    assert preview.stand_in_draws == 2  # A and B were resolved under no policy
    assert (preview.before.sampled, preview.before.not_sampled) == (3, 3)  # A, B (P1), C (draw 0.10 < 0.20)
    assert preview.before.by_condition == {"min_priority": 2, "random_percent": 1}
    assert (preview.after.sampled, preview.after.not_sampled) == (4, 2)  # A, B, C (P1/P2) and E (rejected before)
    assert preview.after.by_condition == {"min_priority": 3, "rejected_or_refused_before": 1}
    # waiting calls stay with their target; B and E, gone from the closure stage, are routed again (Network)
    assert preview.workload_rows == [("group Service Desk", 2, 2), ("group Network", 1, 2)]
    assert preview.changed == 1
    change = preview.examples[0]
    assert (change.ref, change.waiting, change.before, change.after, change.why) == (
        refs["E"], False, NOT_SAMPLED, SAMPLED, "rejected 1 time before")


def test_the_resolvers_history_is_read_as_of_now_for_every_resolver_at_once(desk, sampled_desk):
    refs = sampled_desk
    # bob: B closed and E rejected in 30 days (50 %); rita: D closed (0 %)
    poor_resolvers = SamplingPolicy(enabled=True, resolver_rejection_rate_above=40)
    preview = preview_sampling_policy(desk.default, poor_resolvers)
    assert preview.after.by_condition == {"resolver_rejection_rate_above": 2}
    assert preview.after.workload == {"group Network": 2}
    assert {(c.ref, c.after) for c in preview.examples} == {
        (refs["A"], NOT_SAMPLED), (refs["C"], NOT_SAMPLED), (refs["E"], SAMPLED)}
    assert {c.why for c in preview.examples if c.after == SAMPLED} == {
        "the resolver's rejection rate over 30 days is 50.0 % (above 40 %)"}

    def first_calls(n: int) -> int:
        return preview_sampling_policy(desk.default, SamplingPolicy(enabled=True, resolver_first_n=n)).after.sampled

    # closed so far, at any time: bob 1 (B), rita 2 (D and the call closed 90 days ago)
    assert (first_calls(1), first_calls(2), first_calls(3)) == (0, 2, 6)


def _preview_queries(partition) -> int:  # type: ignore[no-untyped-def]
    policy = SamplingPolicy(enabled=True, resolver_rejection_rate_above=10, resolver_first_n=3, random_percent=5)
    with CaptureQueriesContext(connection) as queries:
        preview_sampling_policy(partition, policy)
    return len(queries)


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page = client.post("/system/sampling/", {**PREVIEW_FORM, "resolver_first_n": "3", "step": "check"})
    assert page.status_code == 200 and 'data-testid="sampling-preview"' in page.content.decode()
    return len(queries)


def test_the_preview_asks_as_many_questions_for_many_calls_as_for_few(desk, sampled_desk,
                                                                      django_assert_max_num_queries):
    client = Client()
    client.force_login(desk.admin)
    _page_queries(client)  # the node's first page reads what it then keeps while the desk stays the same
    few, page_few = _preview_queries(desk.default), _page_queries(client)
    with drawing_from(lambda: 0.5):
        for n in range(12):
            ref = _resolved(desk, f"Printer {n}", network=n % 2 == 0)
            if n % 3 == 0:
                _close(ref, desk.carol if n % 2 else desk.mia)
    assert preview_sampling_policy(desk.default, AFTER).calls == 6 + 12
    assert _preview_queries(desk.default) == few
    assert _page_queries(client) == page_few
    with django_assert_max_num_queries(8):  # the window's two sets, settings and directory, resolvers' history
        _preview_queries(desk.default)


def _api(desk):  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {create_token(desk.admin, 'preview')[1]}"})


def test_the_api_dry_run_answers_the_preview_and_writes_nothing(desk, sampled_desk):
    client = _api(desk)
    changes, version = SettingsChange.objects.count(), SamplingSettings.objects.get(partition=desk.default).version
    body = {"change_reason": "Try it", "min_priority": 2, "rejected_or_refused_before": True, "random_percent": 5}
    response = client.put("/api/v1/partitions/Default/sampling-policy?dry_run=true", json.dumps(body),
                          content_type="application/json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["dry_run"] is True and answer["changed"] is True and answer["version"] == version + 1
    preview = answer["preview"]
    assert (preview["waiting"], preview["resolved_recently"], preview["stand_in_draws"]) == (3, 3, 2)
    assert preview["before"]["sampled"] == 3 and preview["after"]["sampled"] == 4
    assert preview["after"]["by_condition"] == {"min_priority": 3, "rejected_or_refused_before": 1}
    assert preview["after"]["workload"] == {"group Network": 2, "group Service Desk": 2}
    assert preview["changes"] == [{"ref": sampled_desk["E"], "waiting": False, "before": NOT_SAMPLED,
                                   "after": SAMPLED, "why": "rejected 1 time before"}]
    assert SettingsChange.objects.count() == changes
    assert SamplingSettings.objects.get(partition=desk.default).version == version
    assert load_sampling_policy(desk.default).min_priority == 1
    saved = client.put("/api/v1/partitions/Default/sampling-policy", json.dumps(body),
                       content_type="application/json").json()
    assert saved["dry_run"] is False and saved["preview"] is None and saved["version"] == version + 1


def test_the_cli_dry_run_prints_the_preview(capsys, desk, sampled_desk):
    argv = ["sampling", "set", "--partition", "Default", "--min-priority", "2", "--rejected-before",
            "--random-percent", "5", "--reason", "Try it", "--dry-run", "--as", "admin"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "would be saved (dry run, not saved)" in out
    assert "3 call(s) waiting for closure now and 3 resolved in the last 30 days" in out
    assert "shown as if resolved again now" in out and "1 would change decision" in out
    assert "2 call(s) resolved under no policy have no recorded draw" in out
    assert "Sampled (the closure target must validate): 3 -> 4" in out and "group Network: 1 -> 2" in out
    assert f"{sampled_desk['E']} (resolved): not sampled -> sampled (rejected 1 time before)" in out
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dry_run"] is True and data["preview"]["changed"] == 1
    assert load_sampling_policy(desk.default).min_priority == 1
    assert not SettingsChange.objects.filter(change_reason="Try it").exists()


def test_the_page_shows_the_preview_with_the_change_reason_prompt_then_saves(desk, sampled_desk):
    client = Client()
    client.force_login(desk.admin)
    version = SamplingSettings.objects.get(partition=desk.default).version
    checked = client.post("/system/sampling/", {**PREVIEW_FORM, "step": "check"})
    html = checked.content.decode()
    assert checked.status_code == 200 and "Why are you changing the sampling policy?" in html
    assert 'data-testid="sampling-preview"' in html and "1 would change decision" in html
    assert sampled_desk["E"] in html and "rejected 1 time before" in html
    assert SamplingSettings.objects.get(partition=desk.default).version == version
    no_reason = client.post("/system/sampling/", {**PREVIEW_FORM, "step": "confirm", "change_reason": ""})
    html = no_reason.content.decode()
    assert no_reason.status_code == 400 and 'data-testid="sampling-preview"' in html and "open data-modal" in html
    assert SamplingSettings.objects.get(partition=desk.default).version == version
    saved = client.post("/system/sampling/", {**PREVIEW_FORM, "step": "confirm", "change_reason": "Fewer checks"},
                        follow=True)
    assert f"saved as version {version + 1}" in saved.content.decode()
    assert load_sampling_policy(desk.default) == AFTER
