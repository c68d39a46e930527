"""No page or list endpoint runs more queries as the desk grows (no N+1), and each stays under a cap.

Each page is read with a few calls on the desk, then again after many more calls (with longer
histories) are added: the number of queries must not change. The caps catch a page that is
constant but wasteful.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import Call

pytestmark = pytest.mark.django_db

CHECKLIST_FREE = ()


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


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(ctx.captured_queries)


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
    ("carol", "/", 25),
    ("carol", "/?queue=for_closure", 25),
    ("carol", "/queue-counts/", 15),
    ("rita", "/?queue=mine", 25),
    ("carol", "/profile/", 15),
    ("alice", "/calls/new/", 20),
    ("carol", lambda: f"/calls/{_long_history_ref()}/", 40),
    ("admin", "/system/", 15),
    ("admin", "/system/settings/", 25),
    ("admin", "/system/groups/", 20),
    ("admin", "/system/analysts/", 20),
    ("admin", "/system/reasons/", 20),
    ("carol", "/reports/", 15),
    ("carol", "/calls/", 25),
    ("carol", "/calls/?q=printer&status=open&sort=-priority", 25),
    *[("carol", f"/reports/{name}/?partition=Default", 30) for name in
      ("backlog", "time-to-close", "rejection-rate", "closure-reasons", "recurring", "trends")],
]

API_LISTS: list[tuple[str, str | Callable[[], str], int]] = [
    ("carol", "/api/v1/calls", 15),
    ("carol", "/api/v1/calls?status=closed&type=incident&sort=priority", 15),
    ("carol", "/api/v1/outstanding", 15),
    ("carol", lambda: f"/api/v1/calls/{_long_history_ref()}", 30),
    ("carol", lambda: f"/api/v1/calls/{_long_history_ref()}/history", 10),
    ("carol", lambda: f"/api/v1/calls/{_long_history_ref()}/notes", 10),
    ("carol", "/api/v1/partitions", 10),
    ("admin", "/api/v1/partitions/Default/closure-settings/history", 10),
    ("carol", "/api/v1/partitions/Default/checklist", 10),
    ("carol", "/api/v1/partitions/Default/rejection-categories", 10),
    ("carol", "/api/v1/groups", 10),
    ("carol", "/api/v1/closure-reasons", 10),
    ("carol", "/api/v1/analysts", 10),
    ("carol", "/api/v1/reports", 10),
    *[("carol", f"/api/v1/reports/{name}?partition=Default", 30) for name in
      ("backlog", "time-to-close", "rejection-rate", "closure-reasons", "recurring", "trends")],
]


def _check(desk, make_client, who: str, target, cap: int, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = make_client(desk, who)
    _work(desk, 4)
    url = target() if callable(target) else target
    _queries(client, url)  # first read warms per-process caches (content types, sessions)
    few = _queries(client, url)
    _work(desk, 16)
    url = target() if callable(target) else target
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries with 4 calls, {many} with 20 (a query per row?)"
    with django_assert_max_num_queries(cap):
        client.get(url)


@pytest.mark.parametrize("who, target, cap", WEB_PAGES, ids=[str(p[1]) if isinstance(p[1], str) else "call page"
                                                             for p in WEB_PAGES])
def test_web_page_runs_the_same_few_queries_however_many_calls(desk, who, target, cap,
                                                               django_assert_max_num_queries):
    _check(desk, _web, who, target, cap, django_assert_max_num_queries)


@pytest.mark.parametrize("who, target, cap", API_LISTS, ids=[str(p[1]) if isinstance(p[1], str) else "call"
                                                             for p in API_LISTS])
def test_api_endpoint_runs_the_same_few_queries_however_many_calls(desk, who, target, cap,
                                                                   django_assert_max_num_queries):
    _check(desk, _api, who, target, cap, django_assert_max_num_queries)


def test_resolving_a_call_through_the_api_needs_at_most_thirteen_queries(desk):
    """Authenticate, lock and read the call, read the settings and the directory, write the call and its
    history, and answer with what the caller may do next: no reading the call around the action.

    Telling people costs three more, whoever is told: the notifications handler reads the call with its
    contact and the mailbox of the group it now waits for (one query), the analysts told with their
    addresses and whether they turned the kind off (one), and writes one outbox row per message (here one:
    carol, the only closer of Service Desk). The settings and directory it decides with are the request's.
    The answer lists the calls closed as duplicates of this one (one more). The call's search document is
    rewritten in the same transaction, in one statement (one more), and the resolve counted in the reports'
    daily roll-ups, in one statement (one more)."""
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    client = _api(desk, "rita")
    client.get("/api/v1/analysts/me")  # a token in use: its "last used" is already fresh
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"/api/v1/calls/{call.ref}/resolve", {"resolution": "Cleaned the rollers"},
                               content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["closure_target_group"], body["resolved_by"], body["assigned_analyst"]) == \
        ("forward_for_closure", "Service Desk", "rita", "rita")
    # the test's own transaction turns the service's into a savepoint: those two statements are not queries
    queries = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(queries) <= 13, f"{len(queries)} queries:\n" + "\n".join(queries)
