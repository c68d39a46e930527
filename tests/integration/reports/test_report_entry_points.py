"""The same report through the web page, the CSV download, `closeloop report` and the API: they agree,
and each shows refusals the way its users expect."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.accounts.services import create_token
from closeloop.calls.models import Call
from closeloop.cli.main import main
from closeloop.partitions import quality
from closeloop.partitions.models import SettingsChange
from closeloop.reports.export import report_csv
from closeloop.reports.services import REPORTS, run_report

pytestmark = pytest.mark.django_db

PERIOD = {"partition": "Default", "from": "2026-03-02", "to": "2026-03-15"}


def cli(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def api_get(analyst, path):  # type: ignore[no-untyped-def]
    token = create_token(analyst, "reports tests")[1]
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def signed_in(analyst) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(analyst)
    return client


class TestTheCli:
    @pytest.mark.parametrize("name", list(REPORTS))
    def test_json_and_csv_are_the_report_functions_output(self, capsys, monkeypatch, history, name):
        moment = timezone.now()  # the backlog's ages are counted to now: one moment for both answers
        monkeypatch.setattr(timezone, "now", lambda: moment)
        expected = run_report(name, "Default", None, "2026-03-02", "2026-03-15")
        code, out, _ = cli(capsys, "report", name, "--partition", "Default", "--from", "2026-03-02",
                           "--to", "2026-03-15", "--json")
        assert code == 0 and json.loads(out) == json.loads(json.dumps(expected.as_dict()))
        code, out, _ = cli(capsys, "report", name, "--partition", "Default", "--from", "2026-03-02",
                           "--to", "2026-03-15", "--csv")
        assert code == 0 and out == report_csv(expected)

    def test_the_table_for_people_has_a_title_and_one_line_per_row(self, capsys, history):
        code, out, _ = cli(capsys, "report", "closure-reasons", "--partition", "Default", "--from", "2026-03-02",
                           "--to", "2026-03-15")
        lines = out.splitlines()
        assert code == 0 and lines[0] == "Closure reasons - Default, 2026-03-02 to 2026-03-15"
        assert lines[1].split()[:2] == ["Call", "type"] and len(lines) == 2 + 4

    def test_bad_input_is_a_message_and_a_non_zero_exit(self, capsys, desk):
        code, _, err = cli(capsys, "report", "trends", "--partition", "Default", "--from", "2026-03-10",
                           "--to", "2026-03-01", "--json")
        assert code == 2 and json.loads(err)["field"] == "from"
        code, _, err = cli(capsys, "report", "trends", "--partition", "Default", "--as", "olga")
        assert code == 3 and "No partition named 'Default'" in err

    def test_checklist_and_rejection_category_commands_are_audited(self, capsys, desk):
        code, out, _ = cli(capsys, "checklist", "add", "Default", "User confirmed service restored",
                           "--change-reason", "quality drive", "--as", "admin", "--json")
        item = json.loads(out)
        assert code == 0 and (item["position"], item["required"]) == (1, True)
        assert cli(capsys, "checklist", "add", "Default", "KB linked", "--optional", "--change-reason", "kb",
                   "--as", "admin")[0] == 0
        assert cli(capsys, "checklist", "move", "Default", str(item["id"] + 1), "1", "--change-reason", "kb first",
                   "--as", "admin")[0] == 0
        code, out, _ = cli(capsys, "checklist", "list", "Default", "--json")
        assert [(i["position"], i["text"], i["required"]) for i in json.loads(out)] == [
            (1, "KB linked", False), (2, "User confirmed service restored", True)]
        assert cli(capsys, "checklist", "deactivate", "Default", str(item["id"]), "--change-reason", "unused",
                   "--as", "admin")[0] == 0
        assert [i.text for i in quality.checklist(desk.default)] == ["KB linked"]
        code, _, err = cli(capsys, "checklist", "add", "Default", "Sneaky", "--change-reason", "x", "--as", "alice")
        assert code == 4 and "IPK Setup" in err
        assert cli(capsys, "rejection-category", "add", "Default", "not_fixed", "Not fixed", "--change-reason",
                   "initial", "--as", "admin")[0] == 0
        assert cli(capsys, "rejection-category", "edit", "Default", "not_fixed", "--label", "Still broken",
                   "--change-reason", "plainer", "--as", "admin")[0] == 0
        code, out, _ = cli(capsys, "rejection-category", "list", "Default", "--json")
        assert json.loads(out) == [{"code": "not_fixed", "label": "Still broken", "active": True}]
        reasons = list(SettingsChange.objects.filter(partition=desk.default, subject__in=[
            "checklist", "rejection_categories"]).values_list("change_reason", flat=True))
        assert sorted(reasons) == sorted(["quality drive", "kb", "kb first", "unused", "initial", "plainer"])

    def test_raise_problem_links_the_calls(self, capsys, history):
        refs = [history.refs["c1"], history.refs["c7"]]
        code, out, _ = cli(capsys, "raise-problem", *refs, "--partition", "Default", "--summary", "Mail again",
                           "--as", "carol", "--json")
        body = json.loads(out)
        assert code == 0 and body["calls"] == sorted(refs)
        assert Call.objects.get(ref=body["problem"]).linked_calls.count() == 2


class TestTheApi:
    @pytest.mark.parametrize("name", list(REPORTS))
    def test_each_report_is_the_report_functions_output(self, history, name):
        response = api_get(history.desk.carol, f"/api/v1/reports/{name}?partition=Default&from=2026-03-02"
                                               "&to=2026-03-15")
        expected = run_report(name, "Default", None, "2026-03-02", "2026-03-15").as_dict()
        assert response.status_code == 200
        assert response.json() == json.loads(json.dumps(expected))

    def test_csv_format_matches_the_download(self, history):
        response = api_get(history.desk.carol, "/api/v1/reports/trends?partition=Default&from=2026-03-02"
                                               "&to=2026-03-15&format=csv")
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.decode() == report_csv(run_report("trends", "Default", None, "2026-03-02",
                                                                  "2026-03-15"))

    def test_list_of_reports(self, desk):
        body = api_get(desk.alice, "/api/v1/reports").json()
        assert [r["name"] for r in body] == list(REPORTS)

    def test_refusals_use_the_one_error_shape(self, desk):
        assert api_get(desk.olga, "/api/v1/reports/trends?partition=Default").json()["error"] == "not_found"
        body = api_get(desk.alice, "/api/v1/reports/trends?partition=Default&from=2026-03-10&to=2026-03-01").json()
        assert (body["error"], body["field"]) == ("invalid_input", "from")
        response = api_get(desk.alice, "/api/v1/reports/trends?partition=Default&from=yesterday")
        assert response.status_code == 422 and response.json()["field"] == "from"
        assert api_get(desk.alice, "/api/v1/reports/speed?partition=Default").status_code == 404
        assert Client().get("/api/v1/reports/trends?partition=Default").status_code == 401

    def test_a_closer_raises_a_problem(self, history):
        token = create_token(history.desk.carol, "t")[1]
        refs = [history.refs["c4"], history.refs["c5"]]
        response = Client().post("/api/v1/reports/recurring/problems", json.dumps(
            {"partition": "Default", "refs": refs, "summary": "Network keeps failing"}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 201 and response.json()["calls"] == sorted(refs)
        token = create_token(history.desk.alice, "t")[1]
        response = Client().post("/api/v1/reports/recurring/problems", json.dumps(
            {"partition": "Default", "refs": [history.refs["c1"]], "summary": "x"}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403


class TestTheWebPages:
    @pytest.mark.parametrize("name", list(REPORTS))
    def test_each_page_shows_the_chart_above_the_table_of_the_same_rows(self, history, name):
        page = signed_in(history.desk.carol).get(f"/reports/{name}/", PERIOD)
        html = page.content.decode()
        assert page.status_code == 200
        assert html.index("<svg") < html.index('id="report-table"')
        assert "<script" not in html[html.index("<svg"):html.index("</svg>")]
        expected = run_report(name, "Default", None, "2026-03-02", "2026-03-15")
        body = html[html.index("<tbody>"):html.index("</tbody>")]
        assert body.count("<tr>") == max(1, len(expected.rows))

    @pytest.mark.parametrize("name", list(REPORTS))
    def test_the_csv_download_is_the_report(self, history, name):
        response = signed_in(history.desk.carol).get(f"/reports/{name}/csv/", PERIOD)
        assert response["Content-Disposition"].startswith(f'attachment; filename="closeloop-{name}-Default-')
        expected = run_report(name, "Default", None, "2026-03-02", "2026-03-15")
        assert response.content.decode() == report_csv(expected)

    def test_a_column_heading_sorts_the_table(self, history):
        client = signed_in(history.desk.carol)
        html = client.get("/reports/closure-reasons/", {**PERIOD, "sort": "calls"}).content.decode()
        cells = re.findall(r'<td class="num">(\d+)</td>', html[html.index("<tbody>"):])
        assert [int(c) for c in cells] == [1, 1, 1, 3]  # the calls column (shares have decimals); unsorted: 3 1 1 1
        assert 'aria-sort="ascending"' in html
        html = client.get("/reports/closure-reasons/", {**PERIOD, "sort": "-share"}).content.decode()
        shares = re.findall(r'<td class="num">([\d.]+)</td>', html[html.index("<tbody>"):])[1::2]
        assert shares == ["100.0", "100.0", "75.0", "25.0"]

    def test_bad_dates_reshow_the_form_with_the_message(self, desk):
        page = signed_in(desk.alice).get("/reports/trends/", {"partition": "Default", "from": "2026-03-10",
                                                              "to": "2026-03-01"})
        assert page.status_code == 400 and "swap --from and --to" in page.content.decode()

    def test_a_csv_download_with_bad_dates_reshows_the_report_form_with_the_message(self, desk):
        response = signed_in(desk.alice).get("/reports/trends/csv/", {"partition": "Default", "from": "junk"})
        html = response.content.decode()
        assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
        assert "junk" in html and 'name="from"' in html

    def test_another_partitions_reports_are_not_found(self, desk):
        assert signed_in(desk.olga).get("/reports/trends/", {"partition": "Default"}).status_code == 404
        assert signed_in(desk.olga).get("/reports/trends/csv/", {"partition": "Default"}).status_code == 404

    def test_signed_out_visitors_are_sent_to_sign_in(self, desk):
        assert Client().get("/reports/trends/")["Location"].startswith("/login/")

    def test_a_closer_raises_a_problem_from_the_recurring_issues_page(self, desk):
        from .test_recurring_issues import closed

        refs = [closed(desk, "Printer on floor 2 shows paper jam", "Cleared tray 2.", d) for d in (3, 4)]
        client = signed_in(desk.carol)
        page = client.get("/reports/recurring/", PERIOD).content.decode()
        assert "Raise problem for 2 calls" in page
        response = client.post("/reports/recurring/raise-problem/", {
            **PERIOD, "prefix": "c1", "c1-refs": " ".join(refs), "c1-summary": "Printers jam", "c1-description": ""})
        assert response.status_code == 302
        problem = Call.objects.get(call_type="problem")
        assert sorted(c.ref for c in problem.linked_calls.all()) == sorted(refs)
        page = client.get(response["Location"]).content.decode()
        assert f"Problem raised: <a href=\"/calls/{problem.ref}/\">{problem.ref}</a>" in page

    def test_a_refused_problem_reshows_the_form_with_the_message(self, desk):
        from .test_recurring_issues import closed

        refs = [closed(desk, "Printer on floor 2 shows paper jam", "Cleared tray 2.", d) for d in (3, 4)]
        response = signed_in(desk.carol).post("/reports/recurring/raise-problem/", {
            **PERIOD, "prefix": "c1", "c1-refs": " ".join(refs), "c1-summary": "   "})
        assert response.status_code == 400 and "summary" in response.content.decode().lower()
        assert not Call.objects.filter(call_type="problem").exists()


class TestTheQualitySettingsPage:
    def test_an_admin_adds_a_checklist_item_with_a_change_reason(self, desk):
        client = signed_in(desk.admin)
        response = client.post("/reports/quality/", {"op": "add-item", "new-item-text": "User confirmed",
                                                     "new-item-required": "on", "new-item-change_reason": "drive"})
        assert response.status_code == 302
        assert [i.text for i in quality.checklist(desk.default)] == ["User confirmed"]
        assert "User confirmed" in client.get("/reports/quality/").content.decode()

    def test_a_missing_change_reason_reshows_the_form_with_the_message(self, desk):
        response = signed_in(desk.admin).post("/reports/quality/", {
            "op": "add-category", "new-category-code": "other", "new-category-label": "Other"})
        assert response.status_code == 400 and "A change reason is required" in response.content.decode()
        assert quality.rejection_categories(desk.default) == []

    def test_an_admin_deactivates_and_moves_items(self, desk):
        first = quality.add_checklist_item(desk.default, "First", "setup", desk.admin)
        second = quality.add_checklist_item(desk.default, "Second", "setup", desk.admin)
        client = signed_in(desk.admin)
        assert client.post("/reports/quality/", {"op": "move-item", "target": second.id, f"item{second.id}-position": 1,
                                                 f"item{second.id}-change_reason": "swap"}).status_code == 302
        assert [i.id for i in quality.checklist(desk.default)] == [second.id, first.id]
        assert client.post("/reports/quality/", {"op": "deactivate-item", "target": first.id,
                                                 f"item{first.id}-change_reason": "unused"}).status_code == 302
        assert [i.id for i in quality.checklist(desk.default)] == [second.id]

    def test_analysts_without_ipk_setup_are_refused(self, desk):
        assert signed_in(desk.carol).get("/reports/quality/").status_code == 403

    def test_the_csv_rows_read_back_as_the_table(self, history):
        response = signed_in(history.desk.carol).get("/reports/rejection-rate/csv/", PERIOD)
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert rows[0]["name"] == "Default" and rows[0]["rejection_rate"] == "14.3"


def test_the_reports_index_lists_every_report_for_the_current_partition(desk):
    page = signed_in(desk.alice).get("/reports/")
    html = page.content.decode()
    assert page.status_code == 200
    for kind in REPORTS.values():
        assert kind.title in html
    assert "Quality settings" not in html, "only administrators see the quality settings link"
    assert "Quality settings" in signed_in(desk.admin).get("/reports/").content.decode()
