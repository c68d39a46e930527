"""Report CSVs open safely in a spreadsheet: text a caller typed never comes out as a live formula
(OWASP CSV injection: a cell starting with = + - @ tab or CR is prefixed with a single quote)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.cli.main import main
from closeloop.reports.base import Chart, Column, Period, Report
from closeloop.reports.export import report_csv

from .test_recurring_issues import closed

FORMULA = '=HYPERLINK("http://x","y")'
PERIOD = {"partition": "Default", "from": "2026-03-02", "to": "2026-03-15"}


def _report(*values: object) -> Report:
    rows = [{"value": v} for v in values]
    return Report("test", "Test", "Default", Period(date(2026, 3, 2), date(2026, 3, 15)),
                  [Column("value", "Value")], rows, Chart("bar", "Test", [], []))


def _cells(text: str) -> list[str]:
    return [row[0] for row in csv.reader(io.StringIO(text))][1:]


@pytest.mark.parametrize("typed", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_starting_like_a_formula_is_written_as_text(typed):
    assert _cells(report_csv(_report(typed))) == ["'" + typed]


def test_numbers_and_ordinary_text_are_written_as_they_are():
    assert _cells(report_csv(_report(-3, -1.5, 0, "VPN drops", "a=b", None))) == ["-3", "-1.5", "0", "VPN drops",
                                                                                  "a=b", ""]
    assert report_csv(_report(-3, "-3")).splitlines()[1:] == ["-3", '"\'-3"']  # a typed "-3" is text


@pytest.fixture
def formula_calls(desk):  # type: ignore[no-untyped-def]
    """Two alike calls whose summary is a spreadsheet formula, so they form a recurring issue."""
    return [closed(desk, FORMULA, "Reset the password.", 3), closed(desk, FORMULA, "Reset the password.", 5)]


@pytest.mark.django_db
def test_a_formula_summary_is_text_in_the_api_csv(desk, formula_calls):
    token = create_token(desk.carol, "csv tests")[1]
    response = Client().get("/api/v1/reports/recurring", {**PERIOD, "format": "csv"},
                            HTTP_AUTHORIZATION=f"Bearer {token}")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response.status_code == 200 and [r["issue"] for r in rows] == ["'" + FORMULA]


@pytest.mark.django_db
def test_a_formula_summary_is_text_in_the_web_csv_download(desk, formula_calls):
    client = Client()
    client.force_login(desk.carol)
    response = client.get("/reports/recurring/csv/", PERIOD)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response.status_code == 200 and [r["issue"] for r in rows] == ["'" + FORMULA]


@pytest.mark.django_db
def test_a_formula_summary_is_text_in_the_cli_csv(desk, formula_calls, capsys):
    assert main(["report", "recurring", "--partition", "Default", "--from", "2026-03-02", "--to", "2026-03-15",
                 "--csv", "--as", "carol"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["issue"] for r in rows] == ["'" + FORMULA]
