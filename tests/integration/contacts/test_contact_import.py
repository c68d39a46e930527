"""Importing contacts from a CSV file: all rows or none, and every bad row named by row and column."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closeloop.closure import InvalidInput, NotAllowed
from closeloop.contacts import services as contacts
from closeloop.contacts.models import Contact

pytestmark = pytest.mark.django_db

GOOD = """name,email,phone,organisation
Priya Patel,priya.patel@harbourside.example.com,+44 20 7946 0112,Finance
Li Chen,LI.CHEN@harbourside.example.com,,Human Resources
Night porter,,+44 20 7946 0999,Operations
"""


def _errors(desk, text: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(contacts.ImportRejected) as refused:
        contacts.import_contacts(desk.default, text, desk.admin)
    assert refused.value.field == "file" and refused.value.message.startswith("Nothing imported")
    assert not Contact.objects.exists(), "a refused file imports nothing"
    return [(e.row, e.column) for e in refused.value.errors]


def test_a_good_file_adds_every_contact(desk):
    added = contacts.import_contacts(desk.default, GOOD, desk.admin)
    assert [(c.name, c.email, c.phone, c.organisation) for c in added] == [
        ("Priya Patel", "priya.patel@harbourside.example.com", "+44 20 7946 0112", "Finance"),
        ("Li Chen", "li.chen@harbourside.example.com", "", "Human Resources"),
        ("Night porter", "", "+44 20 7946 0999", "Operations")]
    assert Contact.objects.filter(partition=desk.default).count() == 3
    assert all(c.pk for c in added)


def test_columns_may_come_in_any_order_and_optional_ones_may_be_missing(desk):
    added = contacts.import_contacts(desk.default, "Email,Name\nsam@example.org,Sam Lee\n", desk.admin)
    assert [(c.name, c.email, c.phone) for c in added] == [("Sam Lee", "sam@example.org", "")]


def test_one_bad_row_refuses_the_whole_file_and_every_error_is_reported(desk):
    text = GOOD + ("Bad Mail,not-an-address,,Sales\n"
                   ",nameless@example.org,,\n"
                   "Bad Phone,bad.phone@example.org,call me,\n"
                   "Twice,priya.patel@harbourside.example.com,,\n")
    assert _errors(desk, text) == [(5, "email"), (6, "name"), (7, "phone"), (8, "email")]


def test_an_address_the_partition_already_has_is_an_error_of_its_row(desk):
    contacts.add_contact(desk.default, "Priya Patel", email="priya.patel@harbourside.example.com")
    with pytest.raises(contacts.ImportRejected) as refused:
        contacts.import_contacts(desk.default, GOOD, desk.admin)
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "email")]
    assert "already has a contact" in refused.value.message and "row 2, column email" in refused.value.message
    assert Contact.objects.count() == 1


def test_a_file_without_a_name_column_or_with_unknown_columns_is_refused(desk):
    assert _errors(desk, "email,phone\nsam@example.org,1\n") == [(1, "name")]
    assert _errors(desk, "name,email,department\nSam,sam@example.org,Sales\n") == [(1, "department")]


def test_a_row_with_more_values_than_columns_is_refused(desk):
    assert _errors(desk, "name,email\nSam Lee,sam@example.org,extra\n") == [(2, "-")]


def test_an_empty_file_is_refused(desk):
    assert _errors(desk, "name,email\n\n") == [(2, "name")]


def test_rows_are_numbered_as_a_spreadsheet_shows_them_blank_lines_included(desk):
    assert _errors(desk, "name,email\nSam,sam@example.org\n\nBad,bad@\n") == [(4, "email")]


def test_only_ipk_setup_may_import(desk):
    with pytest.raises(NotAllowed, match="IPK Setup"):
        contacts.import_contacts(desk.default, GOOD, desk.alice)
    assert not Contact.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_naming_the_file():
    with pytest.raises(InvalidInput, match="not UTF-8") as refused:
        contacts.read_csv_upload("name\nJosé".encode("latin-1"))
    assert refused.value.field == "file"
    assert contacts.read_csv_upload("\ufeffname\nJosé\n".encode()) == "name\nJosé\n"


ROW_KINDS = {"good": ("Person {i}", "p{i}@example.org", "+44 20 7946 0{i:03d}"),
             "bad_email": ("Person {i}", "p{i}@", ""),
             "blank_name": ("", "p{i}@example.org", ""),
             "bad_phone": ("Person {i}", "p{i}@example.org", "phone {i}")}


@given(st.lists(st.sampled_from(sorted(ROW_KINDS)), min_size=1, max_size=12))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bad_row_imports_nothing_and_reports_exactly_the_bad_rows(desk, kinds):
    Contact.objects.all().delete()
    lines = ["name,email,phone"] + [",".join(v.format(i=i) for v in ROW_KINDS[k]) for i, k in enumerate(kinds)]
    bad_rows = [i + 2 for i, k in enumerate(kinds) if k != "good"]
    if not bad_rows:
        assert len(contacts.import_contacts(desk.default, "\n".join(lines), desk.admin)) == len(kinds)
        assert Contact.objects.count() == len(kinds)
        return
    with pytest.raises(contacts.ImportRejected) as refused:
        contacts.import_contacts(desk.default, "\n".join(lines), desk.admin)
    assert [e.row for e in refused.value.errors] == bad_rows
    assert not Contact.objects.exists()
