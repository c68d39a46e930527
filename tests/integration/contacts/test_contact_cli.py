"""`closeloop contact ...` and `closeloop call log --contact` through the console entry point."""

from __future__ import annotations

import json

import pytest

from closeloop.calls.models import Call
from closeloop.cli.main import EXIT_CODES, main
from closeloop.contacts.models import Contact

pytestmark = pytest.mark.django_db


def cli(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv):  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


def add_dana(capsys, *extra):  # type: ignore[no-untyped-def]
    code, data, err = cli_json(capsys, "contact", "add", "Dana Fisher", "--partition", "Default", "--email",
                               "dana.fisher@example.org", "--phone", "+44 20 7946 0123", "--organisation", "Finance",
                               *extra)
    assert code == 0, err
    return data


def test_an_analyst_adds_lists_searches_and_shows_contacts(capsys, desk):
    dana = add_dana(capsys, "--as", "alice")
    assert dana["name"] == "Dana Fisher" and dana["email"] == "dana.fisher@example.org" and dana["active"]
    code, out, _ = cli(capsys, "contact", "list", "FISH", "--as", "alice")
    assert code == 0 and f"#{dana['id']} Dana Fisher (dana.fisher@example.org, Finance) - +44 20 7946 0123" in out
    code, out, _ = cli(capsys, "contact", "list", "nobody", "--as", "alice")
    assert out.strip() == "No contacts found."
    code, out, _ = cli(capsys, "contact", "show", str(dana["id"]), "--as", "alice")
    assert "Dana Fisher" in out and "organisation: Finance" in out


def test_a_contact_of_another_partition_is_not_shown(capsys, desk):
    dana = add_dana(capsys)
    code, data, err = cli_json(capsys, "contact", "show", str(dana["id"]), "--as", "olga")
    assert code == EXIT_CODES["not_found"] and err["field"] == "contact"
    assert cli_json(capsys, "contact", "list", "--as", "olga")[1] == []


def test_a_bad_address_is_refused_naming_the_field_with_a_non_zero_exit(capsys, desk):
    code, _, err = cli_json(capsys, "contact", "add", "Dana", "--partition", "Default", "--email", "dana@",
                            "--as", "alice")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "email"
    assert not Contact.objects.exists()


def test_deactivating_needs_ipk_setup_and_hides_the_contact_from_the_list(capsys, desk):
    dana = add_dana(capsys)
    code, _, err = cli_json(capsys, "contact", "deactivate", str(dana["id"]), "--as", "alice")
    assert code == EXIT_CODES["not_allowed"] and "IPK Setup" in err["message"]
    code, out, _ = cli(capsys, "contact", "deactivate", str(dana["id"]), "--as", "admin")
    assert code == 0 and "is now deactivated" in out
    assert cli_json(capsys, "contact", "list", "--as", "alice")[1] == []
    assert cli_json(capsys, "contact", "list", "--all", "--as", "alice")[1][0]["active"] is False
    assert cli(capsys, "contact", "reactivate", str(dana["id"]), "--as", "admin")[0] == 0


def test_editing_a_contact(capsys, desk):
    dana = add_dana(capsys)
    code, data, _ = cli_json(capsys, "contact", "edit", str(dana["id"]), "--phone", "020 7946 0999", "--as", "rita")
    assert code == 0 and data["phone"] == "020 7946 0999" and data["email"] == "dana.fisher@example.org"


def test_import_adds_every_row_of_a_good_file(capsys, desk, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("name,email,phone,organisation\nPriya Patel,priya@example.org,,Finance\n"
                   "Li Chen,li@example.org,,HR\n")
    code, out, _ = cli(capsys, "contact", "import", str(csv), "--partition", "Default", "--as", "admin")
    assert code == 0 and "2 contact(s) imported into Default." in out
    assert Contact.objects.count() == 2


def test_import_of_a_file_with_bad_rows_names_each_row_and_imports_nothing(capsys, desk, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("name,email,phone,organisation\nPriya Patel,priya@example.org,,Finance\n"
                   "Bad,bad@,,\n,nameless@example.org,,\n")
    code, out, err = cli(capsys, "contact", "import", str(csv), "--partition", "Default", "--as", "admin")
    assert code == EXIT_CODES["invalid_input"] and out == ""
    assert "Nothing imported: 2 error(s)" in err
    assert "row 3, column email: 'bad@' is not a valid e-mail address" in err
    assert "row 4, column name: A contact's name is required" in err
    assert not Contact.objects.exists()


def test_import_of_a_missing_file_is_refused(capsys, desk, tmp_path):
    code, _, err = cli_json(capsys, "contact", "import", str(tmp_path / "nope.csv"), "--partition", "Default")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "file"


def test_a_call_is_logged_with_its_contact_by_address_or_id(capsys, desk):
    dana = add_dana(capsys)
    for who in ("DANA.FISHER@example.org", str(dana["id"])):
        code, call, err = cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident",
                                   "--summary", "Printer jams", "--contact", who, "--as", "alice")
        assert code == 0, err
        assert call["contact"]["name"] == "Dana Fisher"
    code, out, _ = cli(capsys, "call", "show", call["ref"], "--as", "alice")
    assert "contact: Dana Fisher, dana.fisher@example.org, +44 20 7946 0123, Finance" in out


def test_logging_without_a_contact_where_one_is_required_is_refused_on_field_contact(capsys, desk):
    desk.configure("contacts required", contact_required=True)
    code, _, err = cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident",
                            "--summary", "Printer jams", "--as", "alice")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "contact"
    code, _, err = cli_json(capsys, "call", "log", "--partition", "Default", "--type", "incident",
                            "--summary", "Printer jams", "--contact", "nobody@example.org", "--as", "alice")
    assert code == EXIT_CODES["not_found"] and err["field"] == "contact"
    assert not Call.objects.exists()
