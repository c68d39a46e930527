"""No page or list endpoint runs more queries as the desk grows (no N+1), and each page, list and action stays
within the query budget (at most 8 queries a page, 6 an action).

Each page is read with a few calls on the desk, then again after many more calls (with longer
histories) are added: the number of queries must not change. The caps catch a page that is
constant but wasteful. Each action (log, resolve, take, close, reject, forward, assign, edit, note, hold,
resume, close as unresolved) is done through the web form and the API, signed in, as on a working desk.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.partitions import services as partitions
from closeloop.reports.rollups import catch_up

pytestmark = pytest.mark.django_db

CHECKLIST_FREE = ()

# The budget: a page or list endpoint runs at most PAGE queries, an action at most ACTION, counted for a
# signed-in request with its session or token lookup; docs/benchmarks.md ("Query budget and request cost") says
# what each spends them on.
PAGE = 8
ACTION = 6


def _work(desk, count: int) -> None:  # type: ignore[no-untyped-def]
    """Calls in every stage: waiting with rita, for closure in Service Desk, rejected once, closed."""
    for n in range(count):
        call = calls.log_call(desk.default, "incident", f"Printer {n} jams", log_group=desk.service_desk,
                              assigned_analyst=desk.rita, actor=desk.alice)
        if n % 4 == 0:
            continue
        calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
        if n % 4 == 1:
            continue
        calls.take_call(call.ref, desk.carol)
        calls.reject_resolution(call.ref, desk.carol, "Still jams")
        calls.resolve_call(call.ref, desk.rita, "Replaced the tray")
        if n % 4 == 2:
            continue
        calls.take_call(call.ref, desk.carol)
        calls.close_call(call.ref, desk.carol, "Checked with the user", reason="FIXED")


def statements(captured: list[dict[str, str]]) -> list[str]:
    """The statements a request runs as production would count them: the test's own transaction turns each
    outermost `atomic` into a savepoint, which in production is the transaction itself (BEGIN and COMMIT are
    not counted); a savepoint inside it is counted, as it costs a round trip there too."""
    counted, depth = [], 0
    for query in captured:
        sql = query["sql"]
        if sql.startswith("SAVEPOINT"):
            depth += 1
            if depth == 1:
                continue
        elif sql.startswith(("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            depth -= 1
            if depth == 0:
                continue
        elif sql in ("BEGIN", "COMMIT") or sql.startswith("BEGIN "):
            continue
        counted.append(sql)
    return counted


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(statements(ctx.captured_queries))


def _web(desk, username: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(getattr(desk, username))
    return client


def _api(desk, username: str) -> Client:  # type: ignore[no-untyped-def]
    return Client(headers={"Authorization": f"Bearer {create_token(getattr(desk, username), 'counts')[1]}"})


def _long_history_ref() -> str:
    return Call.objects.filter(times_rejected__gt=0, status="closed").order_by("id").values_list("ref", flat=True)[0]


# (who, url or a function of the desk giving it, cap)
WEB_PAGES: list[tuple[str, str | Callable[[], str], int]] = [
    ("carol", "/", PAGE),
    ("carol", "/?queue=for_closure", PAGE),
    ("carol", "/queue-counts/", PAGE),
    ("rita", "/?queue=mine", PAGE),
    ("carol", "/profile/", PAGE),
    ("alice", "/calls/new/", PAGE),
    ("carol", lambda: f"/calls/{_long_history_ref()}/", PAGE),
    ("admin", "/system/", PAGE),
    ("admin", "/system/settings/", PAGE),
    ("admin", "/system/groups/", PAGE),
    ("admin", "/system/analysts/", PAGE),
    ("admin", "/system/reasons/", PAGE),
    ("carol", "/reports/", PAGE),
    ("carol", "/calls/", PAGE),
    ("carol", "/calls/?q=printer&status=open&sort=-priority", PAGE),
    *[("carol", f"/reports/{name}/?partition=Default", PAGE) for name in
      ("backlog", "closure-reasons", "recurring", "trends", "time-to-close", "rejection-rate")],
]

API_LISTS: list[tuple[str, str | Callable[[], str], int]] = [
    ("carol", "/api/v1/calls", PAGE),
    ("carol", "/api/v1/calls?status=closed&type=incident&sort=priority", PAGE),
    ("carol", "/api/v1/outstanding", PAGE),
    ("carol", lambda: f"/api/v1/calls/{_long_history_ref()}", PAGE),
    ("carol", lambda: f"/api/v1/calls/{_long_history_ref()}/history", PAGE),
    ("carol", lambda: f"/api/v1/calls/{_long_history_ref()}/notes", PAGE),
    ("carol", "/api/v1/partitions", PAGE),
    ("admin", "/api/v1/partitions/Default/closure-settings/history", PAGE),
    ("carol", "/api/v1/partitions/Default/checklist", PAGE),
    ("carol", "/api/v1/partitions/Default/rejection-categories", PAGE),
    ("carol", "/api/v1/groups", PAGE),
    ("carol", "/api/v1/closure-reasons", PAGE),
    ("carol", "/api/v1/analysts", PAGE),
    ("carol", "/api/v1/reports", PAGE),
    *[("carol", f"/api/v1/reports/{name}?partition=Default", PAGE) for name in
      ("backlog", "rejection-rate", "closure-reasons", "recurring", "trends", "time-to-close")],
]


def _check(desk, make_client, who: str, target, cap: int) -> None:  # type: ignore[no-untyped-def]
    client = make_client(desk, who)
    _work(desk, 4)
    url = target() if callable(target) else target
    _queries(client, url)  # first read warms per-process caches (content types, the partitions' directories)
    few = _queries(client, url)
    _work(desk, 16)
    catch_up()  # the worker's pass counts the changes in the report roll-ups (a report folds any left first)
    url = target() if callable(target) else target
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries with 4 calls, {many} with 20 (a query per row?)"
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    counted = statements(ctx.captured_queries)
    if "q=" in url and connection.vendor == "postgresql":
        # a text search on PostgreSQL first asks for the searcher's partitions, the estimate of their matches
        # and, when those may be few, the matches themselves (calls/search.py)
        cap += 3
    assert len(counted) <= cap, f"{url}: {len(counted)} queries, at most {cap}:\n" + "\n".join(
        q[:300] for q in counted)


@pytest.mark.parametrize("who, target, cap", WEB_PAGES, ids=[str(p[1]) if isinstance(p[1], str) else "call page"
                                                             for p in WEB_PAGES])
def test_web_page_runs_the_same_few_queries_however_many_calls(desk, who, target, cap):
    _check(desk, _web, who, target, cap)


@pytest.mark.parametrize("who, target, cap", API_LISTS, ids=[str(p[1]) if isinstance(p[1], str) else "call"
                                                             for p in API_LISTS])
def test_api_endpoint_runs_the_same_few_queries_however_many_calls(desk, who, target, cap):
    _check(desk, _api, who, target, cap)


def _stage(desk, stage: str) -> Call | None:  # type: ignore[no-untyped-def]
    """A call ready for the action measured (None for logging one)."""
    if stage == "log":
        return None
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    if stage == "resume":
        calls.hold_call(call.ref, desk.rita, "Waiting for the user")
    elif stage in ("take", "closing"):
        calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
        if stage == "closing":
            calls.take_call(call.ref, desk.carol)
    return Call.objects.get(pk=call.pk)


# action: (who, the call's stage, the web form's address and fields, the API's method, address and body)
ACTIONS = {
    "log": ("alice", "log", lambda d, c: ("/calls/new/", {
        "call_type": "incident", "summary": "Printer jams", "description": "", "impact": "2", "urgency": "2",
        "log_group": d.service_desk.id, "assigned_analyst": d.rita.id}),
        lambda d, c: ("post", "/api/v1/calls", {"partition": "Default", "type": "incident", "summary": "Printer jams",
                                                "log_group": "Service Desk", "assigned_analyst": "rita"})),
    "resolve": ("rita", "open", lambda d, c: (f"/calls/{c.ref}/resolve/", {
        "resolve-resolution": "Cleaned the rollers", "resolve-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/resolve", {"resolution": "Cleaned the rollers"})),
    "take": ("carol", "take", lambda d, c: (f"/calls/{c.ref}/take/", {"take-expected_version": c.version}),
             lambda d, c: ("post", f"/api/v1/calls/{c.ref}/take", {})),
    "close": ("carol", "closing", lambda d, c: (f"/calls/{c.ref}/close/", {
        "close-comments": "Checked with the user", "close-reason": "FIXED", "close-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/close", {"comments": "Checked with the user",
                                                               "reason": "FIXED"})),
    "reject": ("carol", "closing", lambda d, c: (f"/calls/{c.ref}/reject/", {
        "reject-reason": "Still jams", "reject-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/reject", {"reason": "Still jams"})),
    "forward": ("carol", "closing", lambda d, c: (f"/calls/{c.ref}/forward/", {
        "forward-target": f"a:{d.dave.id}", "forward-reason": "On leave", "forward-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/forward", {"reason": "On leave", "to_analyst": "dave"})),
    "assign": ("alice", "open", lambda d, c: (f"/calls/{c.ref}/assign/", {
        "assign-group": d.service_desk.id, "assign-analyst": d.alice.id, "assign-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/assign", {"group": "Service Desk", "analyst": "alice"})),
    "edit": ("rita", "open", lambda d, c: (f"/calls/{c.ref}/edit/", {
        "summary": "Printer jams badly", "description": "", "call_type": "incident", "impact": "2", "urgency": "2",
        "log_group": d.service_desk.id, "expected_version": c.version}),
        lambda d, c: ("patch", f"/api/v1/calls/{c.ref}", {"summary": "Printer jams badly"})),
    "note": ("rita", "open", lambda d, c: (f"/calls/{c.ref}/notes/", {"note-text": "Called the user"}),
             lambda d, c: ("post", f"/api/v1/calls/{c.ref}/notes", {"text": "Called the user"})),
    "hold": ("rita", "open", lambda d, c: (f"/calls/{c.ref}/hold/", {
        "hold-reason": "Waiting for the user", "hold-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/hold", {"reason": "Waiting for the user"})),
    "resume": ("rita", "resume", lambda d, c: (f"/calls/{c.ref}/resume/", {
        "resume-reason": "User is back", "resume-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/resume", {"reason": "User is back"})),
    "close-unresolved": ("carol", "open", lambda d, c: (f"/calls/{c.ref}/close-unresolved/", {
        "unresolved-kind": "cancelled", "unresolved-reason": "CANCELLED", "unresolved-comments": "Logged twice",
        "unresolved-expected_version": c.version}),
        lambda d, c: ("post", f"/api/v1/calls/{c.ref}/close-unresolved", {
            "kind": "cancelled", "reason": "CANCELLED", "comments": "Logged twice"})),
}

def _act(client: Client, channel: str, desk, action: str, call: Call | None):  # type: ignore[no-untyped-def]
    who, stage, web, api = ACTIONS[action]
    if channel == "web":
        url, data = web(desk, call)
        return client.post(url, data)
    method, url, body = api(desk, call)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_runs_at_most_six_queries(desk, channel, action):
    """Each action through the web form or the API, signed in (the session or token lookup counted): the same
    action done once before, as on a working desk, so what each app node keeps is already kept."""
    partitions.add_closure_reason(desk.default, "CANCELLED", "Cancelled", ["incident"], unresolved=True)
    who, stage = ACTIONS[action][:2]
    client = (_web if channel == "web" else _api)(desk, who)
    first = _act(client, channel, desk, action, _stage(desk, stage))
    assert first.status_code in (200, 201, 302), first.content[:500]
    call = _stage(desk, stage)
    with CaptureQueriesContext(connection) as ctx:
        response = _act(client, channel, desk, action, call)
    assert response.status_code in (200, 201, 302), response.content[:500]
    if channel == "web":
        assert response.status_code == 302, "a web action done redirects to the call"
    counted = statements(ctx.captured_queries)
    assert len(counted) <= ACTION, f"{channel} {action}: {len(counted)} queries, at most {ACTION}:\n" + "\n".join(
        q[:300] for q in counted)


def test_the_report_rollups_catch_up_in_the_same_few_statements_however_many_changes(desk):
    """A catch-up folds a batch of changes with one statement per roll-up, whatever the batch holds; with
    nothing to fold it is one read."""
    def folding() -> int:
        with CaptureQueriesContext(connection) as ctx:
            catch_up()
        return len(statements(ctx.captured_queries))

    _work(desk, 4)
    few = folding()
    _work(desk, 16)
    assert folding() == few <= 12
    assert folding() == 1
