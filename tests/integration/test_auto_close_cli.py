"""`closeloop autoclose`: rules added, listed, changed and deactivated with a change reason; one pass run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.cli.main import EXIT_CODES, main
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def cli_json(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


ADD = ["autoclose", "add", "Default", "--name", "Resolved calls", "--status", "forward_for_closure",
       "--type", "incident", "--idle-days", "10", "--remind", "5:target,contact", "--reason", "FIXED",
       "--change-reason", "Closers fall behind"]


def test_a_rule_is_added_listed_changed_and_deactivated_with_a_change_reason(capsys, desk):
    call = calls.log_call(desk.default, "incident", "Printer jam", log_group=desk.service_desk,
                          assigned_analyst=desk.alice, actor=desk.alice, at=T0)
    calls.resolve_call(call.ref, desk.alice, "Cleared it", at=T0)
    code, added, err = cli_json(capsys, *ADD, "--as", "admin")
    assert code == 0, err
    assert (added["matches_now"], added["reminders"]) == (1, [{"after_days": 5, "to": ["contact", "target"]}])
    code, listed, _ = cli_json(capsys, "autoclose", "list", "Default", "--as", "carol")
    assert [(r["name"], r["matches_now"]) for r in listed] == [("Resolved calls", 1)]
    code, changed, _ = cli_json(capsys, "autoclose", "set", "Default", "Resolved calls", "--idle-days", "14",
                                "--no-reminders", "--change-reason", "Two weeks, no nagging")
    assert (code, changed["idle_days"], changed["reminders"]) == (0, 14, [])
    code, stopped, _ = cli_json(capsys, "autoclose", "deactivate", "Default", "Resolved calls", "--change-reason",
                                "Holiday freeze")
    assert (code, stopped["active"]) == (0, False)
    reasons = list(SettingsChange.objects.filter(subject=SettingsChange.Subject.AUTO_CLOSE_RULES).values_list(
        "change_reason", flat=True))
    assert reasons == ["Holiday freeze", "Two weeks, no nagging", "Closers fall behind"]


def test_a_refused_rule_names_the_field_and_exits_non_zero(capsys, desk):
    code, out, err = cli_json(capsys, *ADD[:-2], "--remind", "12:target", "--change-reason", "x")
    assert (code, out) == (EXIT_CODES["invalid_input"], None)
    assert err["field"] == "reminders"
    code, _, err = cli_json(capsys, *ADD, "--as", "alice")
    assert (code, err["error"]) == (EXIT_CODES["not_allowed"], "not_allowed")


def test_run_applies_one_pass_at_the_time_given(capsys, desk):
    call = calls.log_call(desk.default, "incident", "Printer jam", log_group=desk.service_desk,
                          assigned_analyst=desk.alice, actor=desk.alice, at=T0)
    calls.resolve_call(call.ref, desk.alice, "Cleared it", at=T0)
    cli_json(capsys, *ADD)
    code, ran, _ = cli_json(capsys, "autoclose", "run", "--now", (T0 + timedelta(days=5)).isoformat())
    assert (code, ran["reminded"], ran["calls"]) == (0, 1, {"reminded": [call.ref]})
    code, ran, _ = cli_json(capsys, "autoclose", "run", "--now", (T0 + timedelta(days=10)).isoformat())
    assert (code, ran["closed"]) == (0, 1)
    assert Call.objects.get(pk=call.pk).status == "closed"
    code, _, err = cli_json(capsys, "autoclose", "run", "--now", "soon")
    assert (code, err["field"]) == (EXIT_CODES["invalid_input"], "now")
