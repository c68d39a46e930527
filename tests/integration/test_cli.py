"""The `closeloop` command through its console entry point: output, errors and exit codes."""

import json

import pytest

from closeloop.accounts.models import Analyst
from closeloop.cli.main import EXIT_CODES, main
from closeloop.partitions.models import ClosureSettings, SettingsChange

pytestmark = pytest.mark.django_db


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv):
    code, out, err = cli(capsys, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


def log(capsys, *extra):
    code, call, err = cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident", "--summary",
                               "Laptop will not boot", "--group", "Service Desk", "--as", "alice", *extra)
    assert code == 0, err
    return call["ref"]


def test_a_refusal_prints_a_json_error_on_stderr_and_exits_non_zero(capsys, desk):
    ref = log(capsys)
    cli_json(capsys, "call", "resolve", ref, "--resolution", "New SSD", "--as", "rita")
    code, out, err = cli_json(capsys, "call", "close", ref, "--comments", "ok", "--reason", "FIXED", "--as", "rita")
    assert code == EXIT_CODES["not_allowed"] and out is None
    assert err["error"] == "not_allowed" and "Closure Comments" in err["message"]


def test_a_human_refusal_is_one_line_on_stderr(capsys, desk):
    code, out, err = cli(capsys, "call", "show", "INC-999999", "--as", "alice")
    assert (code, out) == (EXIT_CODES["not_found"], "")
    assert err.strip() == "error: No call 'INC-999999' in your partitions"


def test_a_usage_error_is_reported_in_the_same_shape(capsys, desk):
    code, out, err = cli_json(capsys, "call", "log", "--partition", "Default")
    assert code == 2 and err["error"] == "invalid_input" and "--type" in err["message"]


def test_an_unknown_as_user_is_not_found_naming_the_option(capsys, desk):
    code, _, err = cli_json(capsys, "outstanding", "--as", "nobody")
    assert code == EXIT_CODES["not_found"] and err["field"] == "as"


def test_outstanding_needs_an_analyst(capsys, desk):
    code, _, err = cli_json(capsys, "outstanding")
    assert code == EXIT_CODES["not_allowed"] and "--as USERNAME" in err["message"]


def test_settings_set_needs_a_change_reason(capsys, desk):
    code, _, err = cli_json(capsys, "settings", "set", "Default", "--rule", "logged_by")
    assert code == 2 and "--change-reason" in err["message"]


def test_settings_set_is_audited_and_shown(capsys, desk):
    code, data, _ = cli_json(capsys, "settings", "set", "Default", "--rule", "closure_group",
                             "--require-independent-closer", "--change-reason", "Audit asked for independence",
                             "--as", "admin")
    assert code == 0 and data["closure_rule"] == "closure_group" and data["require_independent_closer"] is True
    code, shown, _ = cli_json(capsys, "settings", "show", "Default")
    assert shown["version"] == data["version"] == ClosureSettings.objects.get(partition=desk.default).version
    code, history, _ = cli_json(capsys, "settings", "history", "Default")
    assert history[0]["reason"] == "Audit asked for independence" and history[0]["by"] == "admin"
    assert history[0]["diff"]["closure_rule"] == {"before": "log_group", "after": "closure_group"}


def test_settings_refused_by_the_orphan_guard_change_nothing(capsys, desk):
    cli_json(capsys, "group", "add", "Default", "Empty")
    count = SettingsChange.objects.count()
    code, _, err = cli_json(capsys, "settings", "set", "Default", "--closure-group", "Empty",
                            "--change-reason", "try")
    assert code == EXIT_CODES["settings_rejected"] and err["field"] == "closure_group"
    assert SettingsChange.objects.count() == count


def test_settings_dry_run_does_not_save(capsys, desk):
    code, data, _ = cli_json(capsys, "settings", "set", "Default", "--method", "comments", "--change-reason", "x",
                             "--dry-run")
    assert code == 0 and data["dry_run"] is True and data["closure_method"] == "comments"
    assert ClosureSettings.objects.get(partition=desk.default).closure_method == "rules"


def test_the_full_close_loop_with_take_reject_forward_and_history(capsys, desk):
    ref = log(capsys)
    assert cli_json(capsys, "call", "assign", ref, "--analyst", "rita", "--as", "alice")[1]["status"] == "assigned"
    cli_json(capsys, "call", "resolve", ref, "--resolution", "Reseated RAM", "--as", "rita")
    code, call, _ = cli_json(capsys, "call", "take", ref, "--as", "carol")
    assert call["status"] == "forward_to_you_for_close" and call["closure_target_analyst"] == "carol"
    code, call, _ = cli_json(capsys, "call", "reject", ref, "--reason", "Still beeps", "--as", "carol")
    assert (call["status"], call["assigned_analyst"], call["times_rejected"]) == ("assigned", "rita", 1)
    cli_json(capsys, "call", "resolve", ref, "--resolution", "Replaced RAM", "--as", "rita")
    code, call, _ = cli_json(capsys, "call", "forward", ref, "--to-analyst", "dave", "--reason", "Dave knows it",
                             "--as", "carol")
    assert call["closure_target_analyst"] == "dave"
    code, call, _ = cli_json(capsys, "call", "close", ref, "--comments", "Boots fine", "--reason", "FIXED",
                             "--as", "dave")
    assert code == 0 and call["status"] == "closed"
    code, shown, _ = cli_json(capsys, "call", "show", ref, "--as", "alice")
    assert [e["action"] for e in shown["history"]] == [
        "log", "assign", "resolve_to_group", "take", "reject", "resolve_to_group", "forward_to_analyst", "close"]
    code, out, _ = cli(capsys, "call", "show", ref, "--as", "alice")
    assert "carol: Reject (Forward to You for Close -> Assigned) Still beeps" in out


def test_administration_commands_enforce_admin_rights(capsys, desk):
    code, _, err = cli_json(capsys, "partition", "add", "HR", "--as", "carol")
    assert code == EXIT_CODES["not_allowed"] and "IPK Setup" in err["message"]
    code, _, err = cli_json(capsys, "analyst", "add", "zoe", "--partition", "Default", "--role", "Analyst",
                            "--as", "carol")
    assert code == EXIT_CODES["not_allowed"] and "Security Admin" in err["message"]
    assert cli_json(capsys, "partition", "add", "HR", "--as", "admin")[0] == 0


def test_analyst_add_then_deactivate_with_the_guard(capsys, desk):
    code, data, _ = cli_json(capsys, "analyst", "add", "zoe", "--partition", "Default", "--role", "closer",
                             "--group", "Closure Group", "--password", "zoe-pass-123")
    assert code == 0 and data["role"] == "closer"
    for user in ("carol", "dave"):
        assert cli_json(capsys, "group", "remove-member", "Default", "Closure Group", user)[0] == 0
    code, _, err = cli_json(capsys, "analyst", "deactivate", "zoe")
    assert code == EXIT_CODES["settings_rejected"] and "Deactivating zoe refused" in err["message"]


def test_an_unknown_role_lists_the_roles_there_are(capsys, desk):
    code, _, err = cli_json(capsys, "analyst", "add", "zoe", "--partition", "Default", "--role", "Boss")
    assert code == EXIT_CODES["not_found"] and "Analyst, Closer, Read only" in err["message"]


def test_reasons_are_added_listed_and_deactivated(capsys, desk):
    code, data, _ = cli_json(capsys, "reason", "add", "Default", "DUP", "Duplicate call", "--type", "incident",
                             "--type", "Service Request")
    assert data["types"] == ["incident", "service_request"]
    cli_json(capsys, "reason", "deactivate", "Default", "DUP")
    code, listing, _ = cli_json(capsys, "reason", "list", "Default")
    assert {"code": "DUP", "label": "Duplicate call", "active": False,
            "types": ["incident", "service_request"], "unresolved": False} in listing


def test_tokens_are_created_once_listed_and_revoked(capsys, desk):
    code, created, _ = cli_json(capsys, "token", "create", "--name", "nagios", "--as", "carol")
    assert created["token"].startswith("cl_")
    code, listing, _ = cli_json(capsys, "token", "list", "--as", "carol")
    assert listing[0]["name"] == "nagios" and "token" not in listing[0]
    assert cli_json(capsys, "token", "revoke", str(created["id"]), "--as", "carol")[1]["revoked"] is True


def test_init_is_idempotent_and_keeps_the_admin(capsys, db):
    assert cli_json(capsys, "init", "--admin-password", "first-pass-1")[0] == 0
    code, data, _ = cli_json(capsys, "init")
    assert code == 0 and data["admin_created"] is False and data["admin_password"] is None


def test_init_refuses_a_weak_admin_password_with_the_reasons_and_changes_nothing(capsys, db):
    code, _, err = cli_json(capsys, "init", "--admin-password", "x")
    assert code == 2 and err["field"] == "password"
    assert "too short" in err["message"] and "at least 12 characters" in err["message"]
    assert not Analyst.objects.filter(username="admin").exists()


def test_adding_an_analyst_with_a_common_password_is_refused(capsys, desk):
    code, _, err = cli_json(capsys, "analyst", "add", "zoe", "--partition", "Default", "--role", "Analyst",
                            "--password", "password1234")
    assert code == 2 and err["field"] == "password" and "too common" in err["message"]
    assert not Analyst.objects.filter(username="zoe").exists()


def test_the_demo_desk_loads_once(capsys, db):
    code, first, _ = cli_json(capsys, "demo")
    assert code == 0 and first["created"] and first["calls"] >= 200
    code, second, _ = cli_json(capsys, "demo")
    assert second == {**first, "created": False, "calls": 0}
