"""Web view fixtures: a signed-in test client per analyst of the test desk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from closeloop.calls import services as calls
from closeloop.calls.models import Call


@pytest.fixture
def client_for(desk) -> Callable[[str], Client]:  # type: ignore[no-untyped-def]
    """A test client signed in as the named analyst of the desk."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(getattr(desk, username))
        return client

    return make


@pytest.fixture
def resolved_call(desk) -> Call:  # type: ignore[no-untyped-def]
    """An incident alice logged for Service Desk, rita resolved: Forward for Closure to Service Desk."""
    call = calls.log_call(desk.default, "incident", "VPN drops every hour", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    return calls.resolve_call(call.ref, desk.rita, "Updated the VPN client")
