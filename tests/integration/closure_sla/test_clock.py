"""When the closure-stage clock runs, on a frozen clock, and where users see it: the call (page and API) and
Calls Outstanding (page and API), with breaches and near-breaches said in words."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from closeloop.calls import services as calls
from closeloop.calls.closure_sla import call_closure_sla
from closeloop.calls.models import Call
from closeloop.closure.sla import SlaState
from closeloop.partitions import closure_sla

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON)


@pytest.fixture
def sla_desk(desk):  # type: ignore[no-untyped-def]
    """Default works Monday to Friday 09:00-17:00 in London, Christmas Day off; P3 calls get 8h, P1 2h."""
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London")
    closure_sla.add_holiday(desk.default, "2026-12-25", "Christmas Day", desk.admin)
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed", targets={"p1": "2h", "p3": "8h"}, warn_percent=75)
    return desk


def frozen(monkeypatch, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment.astimezone(ZoneInfo("UTC")))


def resolved(desk, when: datetime, priority: int = 3, summary: str = "Printer jams") -> Call:  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk, priority=priority,
                          assigned_analyst=desk.rita, actor=desk.alice, at=when - timedelta(hours=1))
    return calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers", at=when)


def test_the_clock_starts_at_resolving_survives_take_and_restarts_after_a_rejection(sla_desk) -> None:
    desk = sla_desk
    call = resolved(desk, at("2026-12-24", "16:00"))  # Christmas Eve, a Thursday: 1h that day
    verdict = call_closure_sla(call, at("2026-12-24", "16:30"))
    assert verdict is not None and verdict.state is SlaState.RUNNING
    assert verdict.due_at == at("2026-12-28", "16:00")  # Christmas Day and the weekend never count
    assert verdict.remaining == timedelta(hours=7, minutes=30)
    call = calls.take_call(call.ref, desk.carol, at=at("2026-12-28", "10:00"))
    assert call_closure_sla(call, at("2026-12-28", "14:00")).state is SlaState.AT_RISK  # 6h of 8 used
    assert call_closure_sla(call, at("2026-12-28", "16:01")).state is SlaState.BREACHED
    call = calls.reject_resolution(call.ref, desk.carol, "Still jams", at=at("2026-12-28", "16:30"))
    assert call_closure_sla(call, at("2026-12-28", "16:31")) is None  # back with the resolver: no closure clock
    call = calls.resolve_call(call.ref, desk.rita, "Replaced the tray", at=at("2026-12-29", "09:00"))
    again = call_closure_sla(call, at("2026-12-29", "10:00"))
    assert again.state is SlaState.RUNNING and again.due_at == at("2026-12-29", "17:00")


def test_a_priority_without_a_target_and_a_partition_without_targets_have_no_closure_sla(sla_desk) -> None:
    call = resolved(sla_desk, at("2026-12-22", "10:00"), priority=2)
    assert call_closure_sla(call, at("2026-12-22", "11:00")) is None
    closure_sla.set_closure_sla(sla_desk.default, sla_desk.admin, "Dropped", targets={"p1": None, "p3": None})
    assert call_closure_sla(resolved(sla_desk, at("2026-12-22", "10:00")), at("2026-12-22", "11:00")) is None


def test_the_call_shows_its_closure_sla_on_its_page_and_in_the_api(sla_desk, as_, client_for, monkeypatch) -> None:
    call = resolved(sla_desk, at("2026-12-22", "09:00"))
    frozen(monkeypatch, at("2026-12-22", "15:30"))  # 6h30m used of 8h: about to breach
    shown = dict(as_("carol").get(f"/calls/{call.ref}").body["closure_sla"])
    due, warn = (datetime.fromisoformat(shown.pop(key)) for key in ("due_at", "warn_at"))
    assert (due, warn) == (at("2026-12-22", "17:00"), at("2026-12-22", "15:00"))
    assert shown == {"target": "8h", "target_seconds": 28800, "remaining_seconds": 5400, "remaining": "1h30m",
                     "state": "at_risk", "state_label": "About to breach"}
    page = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
    assert "About to breach: 1h30m of business time left of 8h" in page
    logged = calls.log_call(sla_desk.default, "incident", "Open call", log_group=sla_desk.service_desk,
                            actor=sla_desk.alice)
    assert as_("carol").get(f"/calls/{logged.ref}").body["closure_sla"] is None


def test_calls_outstanding_marks_breached_and_about_to_breach_calls_in_words(sla_desk, as_, client_for,
                                                                            monkeypatch) -> None:
    late = resolved(sla_desk, at("2026-12-21", "09:00"), summary="Late one")  # due Monday 17:00
    close = resolved(sla_desk, at("2026-12-22", "09:00"), summary="Close one")  # due Tuesday 17:00
    fine = resolved(sla_desk, at("2026-12-22", "14:00"), summary="Fine one")  # due Wednesday 14:00
    frozen(monkeypatch, at("2026-12-22", "16:00"))
    page = client_for("carol").get("/?queue=for_closure").content.decode()
    assert "Breached: 7h over" in page and "About to breach: 1h left" in page and "6h left" in page
    body = as_("carol").get("/outstanding?queue=for_closure").body
    states = {item["ref"]: (item["closure_sla"] or {}).get("state") for item in body["items"]}
    assert states == {late.ref: "breached", close.ref: "at_risk", fine.ref: "running"}


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_calls_outstanding_reads_the_partitions_sla_once_however_many_calls(sla_desk, client_for, as_) -> None:
    web, api = client_for("carol"), as_("carol").client
    api_headers = {"HTTP_AUTHORIZATION": f"Bearer {as_('carol').token}"}
    for n in range(2):
        resolved(sla_desk, at("2026-12-22", "10:00"), summary=f"Call {n}")
    _count(web, "/?queue=for_closure")
    few = (_count(web, "/?queue=for_closure"), _count(web, "/"))
    api.get("/api/v1/outstanding", **api_headers)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/v1/outstanding", **api_headers)
    few_api = len(ctx.captured_queries)
    for n in range(12):
        resolved(sla_desk, at("2026-12-22", "11:00"), summary=f"More {n}")
    assert (_count(web, "/?queue=for_closure"), _count(web, "/")) == few
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/v1/outstanding", **api_headers)
    assert len(ctx.captured_queries) == few_api
