"""One rule decides which partitions an analyst may read: those they work in. A General Access role
(IPK Setup, Security Admin) does not open other partitions. The API, the web pages and the CLI refuse
another partition exactly as they refuse one that does not exist, so names never leak."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.cli.main import main

pytestmark = pytest.mark.django_db

# The test desk's admin is an Administrator (IPK Setup, Security Admin) who works in Default only.
API_READS = [
    "/api/v1/reports/recurring?partition={p}",
    "/api/v1/reports/trends?partition={p}&format=csv",
    "/api/v1/analysts?partition={p}",
    "/api/v1/groups?partition={p}",
    "/api/v1/closure-reasons?partition={p}",
    "/api/v1/partitions/{p}/closure-settings",
    "/api/v1/partitions/{p}/closure-settings/history",
    "/api/v1/partitions/{p}/checklist",
    "/api/v1/partitions/{p}/rejection-categories",
    "/api/v1/calls?partition={p}",
    "/api/v1/outstanding?partition={p}",
]

CLI_READS = [
    ["report", "recurring", "--partition", "{p}"],
    ["report", "trends", "--partition", "{p}", "--csv"],
    ["analyst", "list", "--partition", "{p}"],
    ["group", "list", "{p}"],
    ["reason", "list", "{p}"],
    ["settings", "show", "{p}"],
    ["settings", "history", "{p}"],
    ["checklist", "list", "{p}"],
    ["rejection-category", "list", "{p}"],
    ["raise-problem", "INC-000001", "--partition", "{p}", "--summary", "Locks"],
]


def api_get(analyst, path):  # type: ignore[no-untyped-def]
    token = create_token(analyst, "access tests")[1]
    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    is_json = response.headers["Content-Type"].startswith("application/json")
    return response.status_code, json.loads(response.content) if is_json else response.content.decode()


def cli(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def signed_in(analyst) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(analyst)
    return client


@pytest.fixture
def other_call(desk):  # type: ignore[no-untyped-def]
    return calls.log_call(desk.other, "incident", "Door lock of the server room broken", actor=desk.olga)


class TestTheApi:
    @pytest.mark.parametrize("path", API_READS)
    def test_an_administrator_cannot_read_a_partition_they_do_not_work_in(self, desk, other_call, path):
        status, body = api_get(desk.admin, path.format(p="Other"))
        assert (status, body["error"], body["field"]) == (404, "not_found", "partition")
        assert "Door lock" not in json.dumps(body) and "olga" not in json.dumps(body)

    @pytest.mark.parametrize("path", API_READS)
    def test_another_partition_is_refused_exactly_like_one_that_does_not_exist(self, desk, path):
        elsewhere = api_get(desk.admin, path.format(p="Other"))
        nowhere = api_get(desk.admin, path.format(p="Nowhere"))
        assert elsewhere[1]["message"].replace("Other", "X") == nowhere[1]["message"].replace("Nowhere", "X")
        assert elsewhere[0] == nowhere[0] == 404

    @pytest.mark.parametrize("path", API_READS)
    def test_the_partition_one_works_in_is_readable(self, desk, path):
        status, _ = api_get(desk.olga, path.format(p="Other"))
        assert status == 200

    def test_an_administrator_cannot_raise_a_problem_in_another_partition(self, desk, other_call):
        token = create_token(desk.admin, "access tests")[1]
        response = Client().post("/api/v1/reports/recurring/problems", json.dumps(
            {"partition": "Other", "refs": [other_call.ref], "summary": "Locks"}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404 and json.loads(response.content)["field"] == "partition"

    def test_an_administrator_lists_only_the_analysts_groups_and_reasons_of_their_partitions(self, desk):
        assert "olga" not in [a["username"] for a in api_get(desk.admin, "/api/v1/analysts")[1]]
        assert {g["partition"] for g in api_get(desk.admin, "/api/v1/groups")[1]} == {"Default"}
        assert {r["partition"] for r in api_get(desk.admin, "/api/v1/closure-reasons")[1]} == {"Default"}


class TestTheWebPages:
    @pytest.mark.parametrize("path", ["/reports/recurring/", "/reports/recurring/csv/", "/reports/trends/"])
    def test_an_administrator_cannot_open_another_partitions_reports(self, desk, other_call, path):
        response = signed_in(desk.admin).get(path, {"partition": "Other"})
        assert response.status_code == 404 and b"Door lock" not in response.content


class TestTheCli:
    @pytest.mark.parametrize("argv", CLI_READS)
    def test_an_administrator_cannot_read_a_partition_they_do_not_work_in(self, capsys, desk, other_call, argv):
        code, out, err = cli(capsys, *[a.format(p="Other") for a in argv], "--as", "admin", "--json")
        assert code == 3 and json.loads(err)["field"] == "partition"
        assert "Door lock" not in out and "olga" not in out

    def test_an_administrator_cannot_see_another_partitions_calls_outstanding(self, capsys, desk, other_call):
        code, _, err = cli(capsys, "outstanding", "--partition", "Other", "--as", "admin", "--json")
        assert code == 3 and json.loads(err)["field"] == "partition"

    @pytest.mark.parametrize("argv", CLI_READS[:-1])
    def test_the_system_operator_reads_every_partition(self, capsys, desk, argv):
        code, _, err = cli(capsys, *[a.format(p="Other") for a in argv])
        assert code == 0, err

    def test_the_analyst_list_shows_only_colleagues_and_their_roles_there(self, capsys, desk):
        code, out, _ = cli(capsys, "analyst", "list", "--as", "alice", "--json")
        listed = {a["username"]: a["roles"] for a in json.loads(out)}
        assert code == 0 and "olga" not in listed and listed["alice"] == {"Default": "Analyst"}


class TestListFilters:
    """A name given to a list filter tells nothing about analysts outside one's partitions."""

    @pytest.mark.parametrize("name", ["assigned_analyst", "closure_target_analyst"])
    def test_an_analyst_elsewhere_is_answered_like_an_unknown_name(self, desk, other_call, name):
        elsewhere = api_get(desk.alice, f"/api/v1/calls?{name}=olga")
        unknown = api_get(desk.alice, f"/api/v1/calls?{name}=nobody")
        assert elsewhere[0] == unknown[0] == 400
        assert elsewhere[1]["message"].replace("olga", "X") == unknown[1]["message"].replace("nobody", "X")
        assert elsewhere[1]["field"] == unknown[1]["field"] == name

    def test_a_group_elsewhere_is_answered_like_an_unknown_group(self, desk, other_call):
        elsewhere = api_get(desk.alice, f"/api/v1/calls?assigned_group={desk.other_group.id}")
        unknown = api_get(desk.alice, "/api/v1/calls?assigned_group=999999")
        assert elsewhere[0] == unknown[0] == 400
        assert elsewhere[1]["message"].replace(str(desk.other_group.id), "X") == \
            unknown[1]["message"].replace("999999", "X")

    def test_a_colleague_filters_the_list(self, desk, other_call):
        status, body = api_get(desk.olga, "/api/v1/calls?assigned_analyst=olga")
        assert status == 200 and body["count"] == 0


class TestNamesInActions:
    """Naming an analyst from another partition in an action is refused like naming nobody."""

    def test_logging_a_call_for_an_analyst_elsewhere_is_answered_like_an_unknown_name(self, desk):
        token = create_token(desk.alice, "access tests")[1]

        def log_for(name):  # type: ignore[no-untyped-def]
            response = Client().post("/api/v1/calls", json.dumps(
                {"partition": "Default", "type": "incident", "summary": "Printer", "assigned_analyst": name}),
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
            return response.status_code, json.loads(response.content)

        (elsewhere, told), (unknown, told_unknown) = log_for("olga"), log_for("nobody")
        assert elsewhere == unknown == 404
        assert told["message"].replace("olga", "X") == told_unknown["message"].replace("nobody", "X")

    def test_assigning_to_an_analyst_elsewhere_on_the_cli_is_answered_like_an_unknown_name(self, capsys, desk):
        ref = calls.log_call(desk.default, "incident", "Printer", actor=desk.alice).ref
        elsewhere = cli(capsys, "call", "assign", ref, "--analyst", "olga", "--as", "carol", "--json")
        unknown = cli(capsys, "call", "assign", ref, "--analyst", "nobody", "--as", "carol", "--json")
        assert elsewhere[0] == unknown[0] == 3
        assert elsewhere[2].replace("olga", "X") == unknown[2].replace("nobody", "X")
