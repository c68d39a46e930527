"""The README's CLI walk-through, through the console entry point."""

import json

import pytest

from closeloop.cli.main import main


def run(capsys, *argv: str) -> tuple[int, dict | list | None, str]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


@pytest.mark.django_db
def test_readme_walkthrough_log_group_rule_closes_through_the_group(capsys, desk):
    code, _, err = run(capsys, "settings", "set", "Default", "--method", "rules", "--rule", "log_group",
                       "--closure-group", "Closure Group", "--change-reason", "Log groups validate")
    assert code == 0, err
    code, call, err = run(capsys, "call", "log", "--partition", "Default", "--type", "incident",
                          "--summary", "VPN drops", "--group", "Service Desk", "--as", "alice")
    assert code == 0, err
    ref = call["ref"]
    code, call, err = run(capsys, "call", "resolve", ref, "--resolution", "Updated VPN client", "--as", "rita")
    assert (code, call["status_label"], call["closure_target_group"]) == (0, "Forward for Closure", "Service Desk")
    code, queue, err = run(capsys, "outstanding", "--as", "carol")
    assert queue["queues"]["for_closure"] == 1 and queue["calls"][0]["ref"] == ref
    code, call, err = run(capsys, "call", "close", ref, "--comments", "Confirmed", "--reason", "FIXED",
                          "--as", "carol")
    assert (code, call["status"], call["closed_by"]) == (0, "closed", "carol")
