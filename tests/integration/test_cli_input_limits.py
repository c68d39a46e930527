"""Bad input on the command line: a message naming the option and exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest
from django.db import DataError, IntegrityError, OperationalError, ProgrammingError

from closeloop.calls.models import Call
from closeloop.cli.main import EXIT_CODES, _database_error, main
from closeloop.closure import limits
from closeloop.partitions.models import IpkGroup

pytestmark = pytest.mark.django_db


def cli_json(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


def log(capsys, *extra):  # type: ignore[no-untyped-def]
    return cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident", "--group", "Service Desk",
                    "--as", "alice", *extra)


def test_a_summary_that_is_not_utf8_is_refused_naming_the_option(capsys, desk):
    # bytes that are not UTF-8 in argv reach Python as lone surrogates ("\udcff" for b"\xff")
    code, out, err = log(capsys, "--summary", "Printer \udcff on fire")
    assert (code, out) == (EXIT_CODES["invalid_input"], None)
    assert err["field"] == "summary" and "U+DCFF" in err["message"]
    assert not Call.objects.exists()


def test_a_user_name_that_is_not_utf8_is_refused_before_any_lookup(capsys, desk):
    code, _, err = cli_json(capsys, "outstanding", "--as=ali\udcffce")
    assert code == 2 and err["field"] == "as"


def test_a_300_character_group_name_is_refused_naming_the_field_and_the_limit(capsys, desk):
    code, _, err = cli_json(capsys, "group", "add", "Default", "G" * 300)
    assert code == 2 and err["field"] == "name"
    assert f"at most {limits.GROUP_NAME.max_length} characters" in err["message"]
    assert not IpkGroup.objects.filter(name__startswith="GGG").exists()


def test_a_200000_character_description_is_refused(capsys, desk):
    code, _, err = log(capsys, "--summary", "Long story", "--description", "d" * 200_000)
    assert code == 2 and err["field"] == "description" and "20,000" in err["message"]
    assert not Call.objects.exists()


def test_a_priority_that_is_not_1_to_4_is_refused(capsys, desk):
    code, _, err = log(capsys, "--summary", "Printer jams", "--priority", "1.0")
    assert code == 2 and err["field"] == "priority"


def test_a_value_the_database_refuses_is_reported_as_bad_input_without_the_set_up_hint():
    code, message = _database_error(DataError("value too long for type character varying(80)\nCONTEXT: COPY"))
    assert code == "invalid_input" and "value too long" in message and "closeloop init" not in message
    assert _database_error(IntegrityError("duplicate key"))[0] == "invalid_input"


def test_only_a_missing_database_or_table_gets_the_set_up_hint():
    assert "closeloop init" in _database_error(OperationalError("no such table: calls_call"))[1]
    assert "closeloop init" in _database_error(OperationalError("connection refused"))[1]
    assert "closeloop init" not in _database_error(ProgrammingError("syntax error at or near"))[1]
