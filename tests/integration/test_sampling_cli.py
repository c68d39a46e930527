"""`closeloop sampling show/set`: a partition's sampling policy changed with a reason, checked, refused with
the field named and a non-zero exit."""

from __future__ import annotations

import json

import pytest

from closeloop.cli.main import EXIT_CODES, main
from closeloop.partitions.models import SettingsChange
from closeloop.partitions.sampling import load_sampling_policy

pytestmark = pytest.mark.django_db


def cli_json(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


SET = ["sampling", "set", "--partition", "Default", "--enabled", "--min-priority", "2", "--types", "major_incident",
       "--random-percent", "10", "--reason", "Validate P1/P2, every major incident and a tenth of the rest"]


def test_the_policy_is_set_with_a_reason_audited_and_shown(capsys, desk):
    code, saved, err = cli_json(capsys, *SET, "--as", "admin")
    assert code == 0, err
    assert (saved["version"], saved["min_priority"], saved["call_types"], saved["random_percent"]) == \
        (1, 2, ["major_incident"], 10.0)
    change = SettingsChange.objects.get(subject=SettingsChange.Subject.SAMPLING_POLICY)
    assert change.change_reason.startswith("Validate P1/P2") and change.changed_by.username == "admin"
    code, shown, _ = cli_json(capsys, "sampling", "show", "--as", "rita")  # her only partition
    assert (code, shown["enabled"], shown["version"]) == (0, True, 1)
    assert main(["sampling", "show", "--partition", "Default"]) == 0
    text = capsys.readouterr().out
    assert "P2 and above; Major Incident" in text and "10 % of the rest at random" in text


def test_a_dry_run_says_what_would_be_saved_and_saves_nothing(capsys, desk):
    code, checked, _ = cli_json(capsys, *SET, "--dry-run")
    assert (code, checked["dry_run"], checked["changed"], checked["min_priority"]) == (0, True, True, 2)
    assert not load_sampling_policy(desk.default).enabled


@pytest.mark.parametrize(("option", "value", "field"), [
    ("--random-percent", "120", "random_percent"),
    ("--random-percent", "ten", "random_percent"),
    ("--min-priority", "P7", "min_priority"),
    ("--types", "gadget", "call_types"),
    ("--first-calls", "-3", "resolver_first_n"),
])
def test_a_bad_value_names_the_field_and_exits_non_zero(capsys, desk, option, value, field):
    code, out, err = cli_json(capsys, *SET, option, value)
    assert (code, out, err["field"]) == (EXIT_CODES["invalid_input"], None, field)
    assert not load_sampling_policy(desk.default).enabled


def test_only_ipk_setup_may_set_it_and_a_reason_is_needed(capsys, desk):
    code, _, err = cli_json(capsys, *SET, "--as", "alice")
    assert (code, err["error"]) == (EXIT_CODES["not_allowed"], "not_allowed")
    code = main(["sampling", "set", "--partition", "Default", "--random-percent", "5"])
    assert code == EXIT_CODES["invalid_input"] and "--reason" in capsys.readouterr().err
