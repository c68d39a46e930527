"""The calls list through its three doors: the web page `/calls/`, `GET /api/v1/calls` and `closeloop call
list` read the same filters (one FilterSet) and return the same calls; bad filters are refused in each
door's way; saved searches are saved, listed, run and deleted through each."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import SavedSearch
from closeloop.cli.main import main
from closeloop.contacts.services import add_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(desk):  # type: ignore[no-untyped-def]
    """Calls of Default in every stage (printers, scanners and VPNs), and one of Other."""
    d = desk
    contact = add_contact(d.default, "Priya Patel", email="priya@harbourside.example.com")
    for n in range(9):
        subject = ("Printer", "Scanner", "VPN")[n % 3]
        call = calls.log_call(d.default, ("incident", "service_request")[n % 2], f"{subject} {n} fails",
                              priority=1 + n % 4, log_group=d.service_desk, assigned_analyst=d.rita,
                              actor=d.alice, contact=contact if n % 4 == 0 else None)
        if n % 3 == 0:
            continue
        calls.resolve_call(call.ref, d.rita, f"Fixed the {subject.lower()} driver")
        if n % 3 == 1:
            continue
        calls.take_call(call.ref, d.carol)
        if n % 2:
            calls.reject_resolution(call.ref, d.carol, "Still failing")
        else:
            calls.close_call(call.ref, d.carol, "Checked", reason="FIXED")
    calls.log_call(d.other, "incident", "Printer elsewhere", actor=d.olga)
    return d


def _api(desk, who: str) -> Client:  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {create_token(getattr(desk, who), 'list')[1]}"})


def _web(desk, who: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(getattr(desk, who))
    return client


def _cli(capsys, who: str, *argv: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    code = main([*argv, "--as", who, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else json.loads(err.strip().splitlines()[-1])


_REF = re.compile(r'name="refs" value="([A-Z]+-\d+)"')


def _web_refs(client: Client, query: dict[str, list[str]]) -> list[str]:
    response = client.get(f"/calls/?{urlencode(query, doseq=True)}")
    assert response.status_code == 200, response.content[:500]
    return _REF.findall(response.content.decode())


def _cli_args(query: dict[str, list[str]]) -> list[str]:
    option = {"q": "--search"}
    args: list[str] = []
    for key, values in query.items():
        if key == "rejected":
            args.append("--rejected" if values == ["true"] else "--never-rejected")
            continue
        for value in values:
            args.append(f'{option.get(key, "--" + key.replace("_", "-"))}={value}')
    return args


# --- the same calls through each door -------------------------------------------------------------

FILTERS = st.fixed_dictionaries({}, optional={
    "q": st.sampled_from(["printer", "scanner driver", "fixed", "priya", "still"]).map(lambda v: [v]),
    "status": st.lists(st.sampled_from(["open", "awaiting_closure", "closed", "assigned", "forward_for_closure"]),
                       min_size=1, max_size=2, unique=True),
    "type": st.lists(st.sampled_from(["incident", "service_request"]), min_size=1, max_size=1),
    "priority": st.lists(st.sampled_from(["1", "2", "3", "4"]), min_size=1, max_size=2, unique=True),
    "assigned_analyst": st.sampled_from(["rita", "me"]).map(lambda v: [v]),
    "closure_group": st.sampled_from(["Service Desk", "mine"]).map(lambda v: [v]),
    "resolver": st.just(["rita"]),
    "rejected": st.sampled_from(["true", "false"]).map(lambda v: [v]),
    "sort": st.sampled_from(["ref", "-priority", "status", "age", "-summary", "type"]).map(lambda v: [v]),
    "page_size": st.sampled_from(["3", "5", "50"]).map(lambda v: [v]),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(query=FILTERS)
def test_the_web_list_the_api_list_and_the_cli_list_return_the_same_calls(scene, capsys, query):
    api = _api(scene, "carol").get(f"/api/v1/calls?{urlencode(query, doseq=True)}")
    assert api.status_code == 200, api.content
    from_api = [c["ref"] for c in api.json()["items"]]
    code, body = _cli(capsys, "carol", "call", "list", *_cli_args(query))
    assert code == 0, body
    from_cli = [c["ref"] for c in body["items"]]
    from_web = _web_refs(_web(scene, "carol"), query)
    assert from_web == from_api == from_cli, query
    assert body["count"] == api.json()["count"]


# --- the API ---------------------------------------------------------------------------------------

def test_the_api_lists_open_and_closed_calls_with_the_total(scene):
    body = _api(scene, "carol").get("/api/v1/calls?page_size=4").json()
    assert (body["count"], body["count_exact"], body["pages"], len(body["items"])) == (9, True, 3, 4)
    closed = _api(scene, "carol").get("/api/v1/calls?status=closed").json()
    assert {c["status"] for c in closed["items"]} == {"closed"} and closed["count"] == 2


def test_past_the_counts_limits_each_surface_says_the_total_is_not_exact(scene, monkeypatch, capsys):
    monkeypatch.setattr("closeloop.calls.filters.EXACT_COUNT_LIMIT", 4)
    body = _api(scene, "carol").get("/api/v1/calls?page_size=4").json()
    page = _web(scene, "carol").get("/calls/?page_size=25").content.decode()
    code, out = _cli(capsys, "carol", "call", "list")
    assert code == 0 and (out["count"], out["count_exact"], out["count_at_least"]) == (
        body["count"], body["count_exact"], body["count_at_least"])
    if connection.vendor == "postgresql":  # PostgreSQL's estimate, said as "about"
        assert not body["count_exact"] and not body["count_at_least"]
        assert f"about {body['count']} calls" in page
        return
    # SQLite counts no further than its limit (4 of carol's 9 calls here) and says so
    assert (body["count"], body["count_exact"], body["count_at_least"], len(body["items"])) == (4, False, True, 4)
    assert "more than 4 calls" in page
    second = _web(scene, "carol").get("/calls/?page_size=4&page=2").content.decode()
    assert 'rel="next"' in second and "Page 2<" in second  # a full page past the floor: Next goes on
    third = _web(scene, "carol").get("/calls/?page_size=4&page=3").content.decode()
    assert 'rel="next"' not in third and len(_REF.findall(third)) == 1


def test_the_api_searches_text_and_keeps_to_the_callers_partitions(scene):
    assert _api(scene, "carol").get("/api/v1/calls?q=printer").json()["count"] == 3
    found = _api(scene, "olga").get("/api/v1/calls?q=printer").json()
    assert [c["summary"] for c in found["items"]] == ["Printer elsewhere"]


@pytest.mark.parametrize(("query", "status", "field"), [
    ("status=finished", 400, "status"),
    ("rejected=perhaps", 400, "rejected"),
    ("closed_after=yesterday", 400, "closed_after"),
    ("closer=nobody", 400, "closer"),
    ("sort=colour", 400, "sort"),
])
def test_the_api_refuses_a_bad_filter_naming_the_field(scene, query, status, field):
    response = _api(scene, "carol").get(f"/api/v1/calls?{query}")
    assert (response.status_code, response.json()["field"], response.json()["error"]) == \
        (status, field, "invalid_input")


def test_saved_searches_through_the_api(scene):
    api = _api(scene, "carol")
    made = api.post("/api/v1/saved-searches", {"name": "Waiting with us", "query": "status=awaiting_closure"},
                    content_type="application/json")
    assert made.status_code == 201 and made.json() == {"name": "Waiting with us", "query": "status=awaiting_closure"}
    assert [s["name"] for s in api.get("/api/v1/saved-searches").json()] == ["Waiting with us"]
    ran = api.get("/api/v1/saved-searches/Waiting with us/calls?page_size=1").json()
    assert (ran["count"], len(ran["items"]), ran["items"][0]["status"]) == (3, 1, "forward_for_closure")
    assert _api(scene, "rita").get("/api/v1/saved-searches/Waiting with us").status_code == 404
    refused = api.post("/api/v1/saved-searches", {"name": "Bad", "query": "status=finished"},
                       content_type="application/json")
    assert (refused.status_code, refused.json()["field"]) == (400, "status")
    assert api.delete("/api/v1/saved-searches/Waiting with us").status_code == 204
    assert api.get("/api/v1/saved-searches").json() == []


# --- the CLI ---------------------------------------------------------------------------------------

def test_the_cli_lists_calls_with_filters_and_says_the_total(scene, capsys):
    assert main(["call", "list", "--as", "carol", "--search", "scanner", "--status", "open"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("3 calls (page 1 of 1)") and "Scanner" in out


def test_the_cli_refuses_a_bad_filter_with_exit_2_naming_it(scene, capsys):
    code, body = _cli(capsys, "carol", "call", "list", "--status", "finished")
    assert (code, body["field"]) == (2, "status")
    assert main(["call", "list", "--as", "carol", "--priority", "9"]) == 2
    assert "Priority" in capsys.readouterr().err


def test_saved_searches_through_the_cli(scene, capsys):
    code, body = _cli(capsys, "carol", "search", "save", "Rejected ones", "--rejected")
    assert code == 0 and body == {"name": "Rejected ones", "query": "rejected=true"}
    code, body = _cli(capsys, "carol", "search", "list")
    assert body == [{"name": "Rejected ones", "query": "rejected=true"}]
    code, body = _cli(capsys, "carol", "call", "list", "--saved", "Rejected ones")
    assert code == 0 and body["count"] == 1 and body["items"][0]["times_rejected"] == 1
    code, body = _cli(capsys, "carol", "search", "delete", "Rejected ones")
    assert code == 0 and not SavedSearch.objects.exists()
    code, body = _cli(capsys, "carol", "call", "list", "--saved", "Rejected ones")
    assert (code, body["error"]) == (3, "not_found")


def test_the_search_index_is_rebuilt_by_the_system_operator(scene, capsys):
    assert main(["search-index", "rebuild"]) == 0
    assert "Search index rebuilt: 10 calls" in capsys.readouterr().out
    code, body = _cli(capsys, "carol", "search-index", "rebuild")
    assert (code, body["error"]) == (4, "not_allowed")


# --- the web page ----------------------------------------------------------------------------------

def test_the_calls_page_shows_a_sortable_table_with_the_total(scene):
    page = _web(scene, "carol").get("/calls/?sort=priority&page_size=25").content.decode()
    assert "9 calls" in page and 'aria-sort="ascending"' in page and "P1 Critical" in page or "P1" in page
    assert 'form="bulk-form"' in page and 'id="header-search"' in page


def test_a_reference_typed_in_the_header_search_opens_the_call(scene):
    ref = calls.log_call(scene.default, "incident", "Keyboard", actor=scene.alice).ref
    response = _web(scene, "carol").get(f"/calls/?q={ref.lower()}")
    assert response.status_code == 302 and response["Location"] == f"/calls/{ref}/"


def test_a_bad_filter_re_shows_the_form_with_the_message(scene):
    response = _web(scene, "carol").get("/calls/?assigned_analyst=nobody")
    assert response.status_code == 400
    assert "No analyst with user name" in response.content.decode()
    response = _web(scene, "carol").get("/calls/?partition=Other")
    assert response.status_code == 400 and "No partition named" in response.content.decode()


def test_saved_searches_on_the_calls_page(scene):
    client = _web(scene, "carol")
    response = client.post("/searches/save/", {"name": "Printers", "query": "q=printer&status=open"})
    assert response.status_code == 302
    page = client.get("/calls/").content.decode()
    assert "Printers" in page and "?q=printer&amp;status=open" in page
    client.post("/searches/delete/", {"name": "Printers"})
    assert "Delete saved search Printers" not in client.get("/calls/").content.decode()
