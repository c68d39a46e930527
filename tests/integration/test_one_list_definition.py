"""Every list of a partition's configuration has one definition: for every role, the web, the API and the
`closeloop` command show the same rows, only ever of partitions the analyst works in."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.cli.main import main
from closeloop.partitions import quality

pytestmark = pytest.mark.django_db

# Who, and the one partition they work in (tests/desk.py): an administrator, an analyst, a closer, a reader,
# and a closer of the other partition.
ROLES = [("admin", "Default"), ("alice", "Default"), ("carol", "Default"), ("erin", "Default"), ("olga", "Other")]


@pytest.fixture
def configured(desk):  # type: ignore[no-untyped-def]
    """Both partitions with some audited history beside the desk's own."""
    quality.add_checklist_item(desk.default, "User confirmed", "we ask users", desk.admin)
    quality.add_rejection_category(desk.other, "not_fixed", "Not fixed", "needed", None)
    return desk


def _api(desk, username: str, path: str):  # type: ignore[no-untyped-def]
    key = create_token(getattr(desk, username), "lists")[1]
    response = Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key}")
    return response.status_code, response.json()


def _cli(capsys, username: str, *argv: str):  # type: ignore[no-untyped-def]
    code = main([*argv, "--as", username, "--json"])
    out, err = capsys.readouterr()
    # the error is the last line on stderr (the test client's "Not Found" warnings may come before it)
    return code, json.loads(out) if out.strip() else json.loads(err.strip().splitlines()[-1])


def _web(desk, username: str, path: str) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(getattr(desk, username))
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize(("who", "mine"), ROLES)
def test_groups_are_the_same_everywhere_and_only_of_ones_own_partition(configured, capsys, who, mine):
    status, api = _api(configured, who, "/groups")
    code, cli = _cli(capsys, who, "group", "list", mine)
    assert (status, code) == (200, 0)
    assert {(g["partition"], g["name"], tuple(g["members"])) for g in api} == \
        {(mine, g["name"], tuple(g["members"])) for g in cli}
    assert {g["partition"] for g in api} == {mine}


@pytest.mark.parametrize(("who", "mine"), ROLES)
def test_closure_reasons_are_the_same_everywhere_and_only_of_ones_own_partition(configured, capsys, who, mine):
    status, api = _api(configured, who, "/closure-reasons")
    code, cli = _cli(capsys, who, "reason", "list", mine)
    assert (status, code) == (200, 0)
    assert {(r["partition"], r["code"], tuple(r["call_types"])) for r in api} == \
        {(mine, r["code"], tuple(r["types"])) for r in cli}


@pytest.mark.parametrize(("who", "mine"), ROLES)
def test_the_analysts_are_the_same_everywhere_and_only_colleagues(configured, capsys, who, mine):
    status, api = _api(configured, who, "/analysts")
    code, cli = _cli(capsys, who, "analyst", "list")
    assert (status, code) == (200, 0)
    assert {a["username"] for a in api} == {a["username"] for a in cli}
    assert all(set(a["roles"]) == {mine} for a in cli)


@pytest.mark.parametrize(("who", "mine"), ROLES)
def test_the_settings_history_is_the_same_everywhere(configured, capsys, who, mine):
    status, api = _api(configured, who, f"/partitions/{mine}/closure-settings/history")
    code, cli = _cli(capsys, who, "settings", "history", mine)
    assert (status, code) == (200, 0)
    assert [c["change_reason"] for c in api["items"]] == \
        [c["reason"] for c in cli if c["subject"] == "closure_settings"]
    assert len(cli) > len(api["items"])  # the command shows every subject, the endpoint the settings only


@pytest.mark.parametrize(("who", "mine"), ROLES)
def test_another_partitions_lists_are_not_found_everywhere(configured, capsys, who, mine):
    other = "Other" if mine == "Default" else "Default"
    assert _api(configured, who, f"/groups?partition={other}")[0] == 404
    assert _api(configured, who, f"/closure-reasons?partition={other}")[0] == 404
    assert _api(configured, who, f"/partitions/{other}/closure-settings/history")[0] == 404
    for argv in (("group", "list", other), ("reason", "list", other), ("settings", "history", other),
                 ("analyst", "list", "--partition", other)):
        code, err = _cli(capsys, who, *argv)
        assert (code, err["error"]) == (3, "not_found"), argv


def test_the_administrators_pages_show_the_same_rows_as_the_api(configured, capsys):
    _, groups = _api(configured, "admin", "/groups")
    _, reasons = _api(configured, "admin", "/closure-reasons")
    code, history = _cli(capsys, "admin", "settings", "history", "Default")
    pages = {"groups": _web(configured, "admin", "/system/groups/"),
             "reasons": _web(configured, "admin", "/system/reasons/"),
             "settings": _web(configured, "admin", "/system/settings/")}
    assert all(g["name"] in pages["groups"] for g in groups)
    assert all(r["code"] in pages["reasons"] for r in reasons)
    assert all(c["reason"] in pages["settings"] for c in history)
    assert "Other Group" not in pages["groups"] and "Not fixed" not in pages["settings"]
