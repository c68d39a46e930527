"""Bulk action fixtures: several calls of the test desk waiting for closure, built through the services."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call


def awaiting_closure(desk, summary: str, resolver=None) -> Call:  # type: ignore[no-untyped-def]
    """An incident alice logged for Service Desk, resolved (by rita unless said): Forward for Closure to Service
    Desk under the test desk's log group rule."""
    call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=resolver or desk.rita, actor=desk.alice)
    return calls.resolve_call(call.ref, resolver or desk.rita, f"Fixed: {summary}")


def quokka_day(desk) -> tuple[list[Call], Call]:  # type: ignore[no-untyped-def]
    """A closer's day: two quokka kiosk calls waiting in Service Desk for closure, and a third rita still works
    on (the API and CLI versions of the browser test's flow start from it)."""
    waiting = [awaiting_closure(desk, f"Quokka kiosk {n} shows a blank screen") for n in (1, 2)]
    still_open = calls.log_call(desk.default, "incident", "Quokka kiosk 3 shows a blank screen",
                                log_group=desk.service_desk, assigned_analyst=desk.rita, actor=desk.alice)
    return waiting, still_open


@pytest.fixture
def waiting(desk) -> list[Call]:  # type: ignore[no-untyped-def]
    """Three calls waiting in Service Desk for closure, resolved by rita."""
    return [awaiting_closure(desk, s) for s in ("VPN drops", "Printer jams", "Outlook asks for password")]


@pytest.fixture
def still_assigned(desk) -> Call:  # type: ignore[no-untyped-def]
    """A call rita is still working on: not awaiting closure."""
    return calls.log_call(desk.default, "incident", "Laptop will not boot", log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=desk.rita, actor=desk.alice)


@pytest.fixture
def other_partition_call(desk) -> Call:  # type: ignore[no-untyped-def]
    """A call of partition Other, which no analyst of Default can see."""
    call = calls.log_call(desk.other, "incident", "Other desk's printer", assigned_group=desk.other_group,
                          assigned_analyst=desk.olga, actor=desk.olga)
    return call
