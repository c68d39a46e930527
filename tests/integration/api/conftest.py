"""API test helpers: a client per analyst of the test desk, each sending its own bearer token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import Call


@dataclass
class Reply:
    """An API response: its status and decoded JSON body."""

    status: int
    body: Any
    headers: Any

    @property
    def error(self) -> tuple[str, str | None]:
        return self.body["error"], self.body.get("field")


class ApiClient:
    """Calls the API as one analyst (or anonymously with no token)."""

    def __init__(self, analyst: Analyst | None) -> None:
        self.analyst = analyst
        self.client = Client()
        self.token = create_token(analyst, "tests")[1] if analyst is not None else None

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Reply:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if self.token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        data = json.dumps(body) if body is not None else None
        response = self.client.generic(method.upper(), url, data or "", content_type="application/json", **extra)
        if response.streaming:  # a download: reading it all closes the file it streams from
            content = b"".join(response.streaming_content)
            return Reply(response.status_code, content, response.headers)
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        decoded = json.loads(response.content) if is_json and response.content else response.content
        return Reply(response.status_code, decoded, response.headers)

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Reply:
        return self.request("POST", path, body if body is not None else {}, **headers)

    def put(self, path: str, body: Any = None, **headers: str) -> Reply:
        return self.request("PUT", path, body if body is not None else {}, **headers)


@pytest.fixture
def as_(desk):  # type: ignore[no-untyped-def]
    """`as_("carol")` is an ApiClient for carol; `as_(None)` sends no token."""
    made: dict[str | None, ApiClient] = {}

    def client(name: str | None) -> ApiClient:
        if name not in made:
            made[name] = ApiClient(getattr(desk, name) if name else None)
        return made[name]

    return client


@pytest.fixture(scope="session")
def live_desk(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real server (gunicorn, 4 workers) on its own database, prepared with the CLI; shared by the
    contract and concurrency tests, which set up whatever settings they rely on themselves."""
    from .live import live_server

    with live_server(tmp_path_factory.mktemp("live")) as desk:
        yield desk


@pytest.fixture
def scene(desk) -> dict[str, Call]:  # type: ignore[no-untyped-def]
    """One call in each stage, built through the services (all logged by alice under Service Desk)."""

    def new(summary: str) -> Call:
        return calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                              assigned_group=desk.service_desk, assigned_analyst=desk.rita, actor=desk.alice)

    assigned = new("Printer jams on tray 2")
    on_hold = calls.hold_call(new("New laptop for Sam").ref, desk.rita, "Waiting for stock")
    for_closure = calls.resolve_call(new("VPN drops").ref, desk.rita, "Updated the VPN client")
    to_carol = calls.take_call(calls.resolve_call(new("Outlook asks for password").ref, desk.rita,
                                                  "Cleared cached credentials").ref, desk.carol)
    return {"assigned": assigned, "on_hold": on_hold, "for_closure": for_closure, "to_carol": to_carol}


@pytest.fixture
def logged(desk) -> Call:  # type: ignore[no-untyped-def]
    """An incident alice logged under Service Desk, assigned to rita."""
    return calls.log_call(desk.default, "incident", "VPN drops every few minutes", log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=desk.rita, actor=desk.alice)


@pytest.fixture
def resolved(desk, logged) -> Call:  # type: ignore[no-untyped-def]
    """The same call resolved by rita: under the log_group rule it waits in Service Desk for closure."""
    return calls.resolve_call(logged.ref, desk.rita, "Updated the VPN client")
