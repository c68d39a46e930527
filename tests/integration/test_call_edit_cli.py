"""`closeloop call edit`, `call log --impact/--urgency/--category`, `priority-matrix` and `category`."""

import json

import pytest

from closeloop.cli.main import EXIT_CODES, main

pytestmark = pytest.mark.django_db


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv):
    code, out, err = cli(capsys, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


def test_categories_are_added_listed_renamed_and_deactivated(capsys, desk):
    assert cli(capsys, "category", "add", "Hardware", "--partition", "Default", "--as", "admin")[0] == 0
    code, added, _ = cli_json(capsys, "category", "add", "Laptop", "--parent", "Hardware", "--partition", "Default",
                              "--as", "admin")
    assert code == 0 and added["path"] == "Hardware › Laptop"
    code, out, _ = cli(capsys, "category", "list", "--partition", "Default", "--as", "rita")
    assert "Hardware" in out and "    Laptop" in out
    assert cli(capsys, "category", "rename", str(added["id"]), "Notebook", "--as", "admin")[0] == 0
    code, out, _ = cli(capsys, "category", "deactivate", str(added["id"]), "--as", "admin")
    assert code == 0 and "Hardware › Notebook deactivated" in out
    code, _, err = cli_json(capsys, "category", "add", "Software", "--partition", "Default", "--as", "rita")
    assert code == EXIT_CODES["not_allowed"] and err["error"] == "not_allowed"


def test_the_priority_matrix_is_shown_and_set_with_a_reason(capsys, desk):
    code, out, _ = cli(capsys, "priority-matrix", "show", "--partition", "Default", "--as", "rita")
    assert code == 0 and "P1 Critical" in out
    code, data, _ = cli_json(capsys, "priority-matrix", "set", "1,1=2", "2,2=P2", "--partition", "Default",
                             "--change-reason", "Stricter P1", "--as", "admin")
    assert code == 0 and data["cells"]["1,1"] == 2 and data["cells"]["2,2"] == 2
    code, _, err = cli_json(capsys, "priority-matrix", "set", "1,1=9", "--partition", "Default",
                            "--change-reason", "typo", "--as", "admin")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "p_1_1"


def test_a_call_is_logged_with_impact_urgency_and_category_then_edited(capsys, desk):
    cli(capsys, "category", "add", "Network", "--partition", "Default", "--as", "admin")
    code, call, err = cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident", "--summary",
                               "VPN down", "--impact", "high", "--urgency", "low", "--category", "Network",
                               "--as", "alice")
    assert code == 0, err
    assert (call["priority"], call["category"]) == (3, "Network")
    code, out, err = cli(capsys, "call", "edit", call["ref"], "--summary", "VPN down for the whole site",
                         "--urgency", "high", "--version", str(call["version"]), "--as", "rita")
    assert code == 0, err
    assert "priority: 'P3 Medium' -> 'P1 Critical'" in out
    code, _, err = cli_json(capsys, "call", "edit", call["ref"], "--summary", "Stale", "--version",
                            str(call["version"]), "--as", "rita")
    assert code == EXIT_CODES["changed_by_other"] and err["error"] == "changed_by_other"
    code, edited, _ = cli_json(capsys, "call", "edit", call["ref"], "--category", "-", "--as", "rita")
    assert code == 0 and edited["category"] is None


def test_an_edit_with_nothing_to_change_exits_non_zero(capsys, desk):
    code, call, _ = cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident", "--summary",
                             "Printer jams", "--as", "alice")
    code, _, err = cli_json(capsys, "call", "edit", call["ref"], "--summary", "Printer jams", "--as", "alice")
    assert code == EXIT_CODES["invalid_input"] and "Nothing to change" in err["message"]
