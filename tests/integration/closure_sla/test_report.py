"""The Closure SLA report against a hand-built desk: met and breached per group, closer, priority and week."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from closeloop.calls import services as calls
from closeloop.calls.editing import edit_call
from closeloop.calls.models import Call, ClosureDecision
from closeloop.partitions import closure_sla
from closeloop.reports.models import ClosureSlaDay
from closeloop.reports.rollups import rebuild_rollups
from closeloop.reports.services import run_report

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON)


def resolved(desk, when: datetime, priority: int, closer_group=None):  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk, priority=priority,
                          assigned_analyst=desk.rita, actor=desk.alice, at=when - timedelta(hours=1))
    return calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers", at=when)


def test_verdicts_are_counted_met_or_breached_per_group_closer_priority_and_week(desk, settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London")
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed", targets={"p1": "2h", "p3": "8h"})
    # week of Monday 2 March 2026
    quick = resolved(desk, at("2026-03-02", "09:00"), 3)
    calls.take_call(quick.ref, desk.carol, at=at("2026-03-02", "10:00"))
    calls.close_call(quick.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-02", "16:00"))  # 7h: met
    slow = resolved(desk, at("2026-03-02", "09:00"), 1)
    calls.take_call(slow.ref, desk.carol, at=at("2026-03-02", "10:00"))
    calls.reject_resolution(slow.ref, desk.carol, "Not fixed", at=at("2026-03-02", "12:00"))  # 3h of 2h: breached
    # week of Monday 9 March: Friday 16:00 to Monday 10:30 is 2h30m of business time
    weekend = resolved(desk, at("2026-03-06", "16:00"), 3)
    calls.take_call(weekend.ref, desk.carol, at=at("2026-03-09", "09:00"))
    calls.close_call(weekend.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-09", "10:30"))  # met
    untimed = resolved(desk, at("2026-03-09", "09:00"), 2)  # P2 has no target: left out
    calls.take_call(untimed.ref, desk.carol, at=at("2026-03-09", "09:30"))
    calls.close_call(untimed.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-20", "10:00"))
    late = resolved(desk, at("2026-03-09", "09:00"), 3)
    calls.take_call(late.ref, desk.carol, at=at("2026-03-10", "09:00"))
    calls.close_call(late.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-10", "09:01"))  # 8h01m: breached

    report = run_report("closure-sla", "Default", desk.carol, "2026-03-02", "2026-03-15")
    rows = {(r["dimension"], r["name"]): (r["verdicts"], r["met"], r["breached"], r["met_share"])
            for r in report.rows}
    assert rows[("partition", "Default")] == (4, 2, 2, 50.0)
    assert rows[("closure group", "Service Desk")] == (3, 2, 1, 66.7)
    assert rows[("closure group", "(sent back to the resolver)")] == (1, 0, 1, 0.0)
    assert rows[("closer", "carol")] == (4, 2, 2, 50.0)
    assert rows[("priority", "P1 Critical")] == (1, 0, 1, 0.0)
    assert rows[("priority", "P3 Medium")] == (3, 2, 1, 66.7)
    assert ("priority", "P2 High") not in rows
    assert rows[("week", "2026-03-02")] == (2, 1, 1, 50.0) and rows[("week", "2026-03-09")] == (2, 1, 1, 50.0)
    breached = next(r for r in report.rows if r["dimension"] == "partition")["breached_refs"].split()
    assert breached == sorted([slow.ref, late.ref])
    assert report.chart.series == [("met", [1.0, 1.0]), ("breached", [1.0, 1.0])]
    assert "P1 2h, P3 8h" in report.description


def test_a_partition_without_targets_has_an_empty_closure_sla_report(desk) -> None:
    report = run_report("closure-sla", "Default", desk.carol)
    assert next(r for r in report.rows if r["dimension"] == "partition")["verdicts"] == 0
    assert "Targets: none set" in report.description


def test_a_verdict_keeps_the_targets_calendar_and_priority_of_its_day_when_they_change(desk, settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London")
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed", targets={"p1": "2h", "p3": "8h"})
    quick = resolved(desk, at("2026-03-02", "09:00"), 3)
    calls.close_call(quick.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-02", "16:00"))  # 7h of 8h: met
    slow = resolved(desk, at("2026-03-02", "09:00"), 1)
    calls.reject_resolution(slow.ref, desk.carol, "Not fixed", at=at("2026-03-02", "12:00"))  # 3h of 2h: breached
    # later: tighter P3, no P1 target, Monday mornings only, and the rejected call is now of another priority
    closure_sla.set_closure_sla(desk.default, desk.admin, "Tighter", targets={"p1": None, "p3": "6h"})
    closure_sla.set_calendar(desk.default, desk.admin, "Short Mondays", hours={"mon": "09:00-12:00"})
    edit_call(slow.ref, desk.alice, expected_version=None, urgency="3")
    assert Call.objects.get(pk=slow.pk).priority != 1
    late = resolved(desk, at("2026-03-03", "09:00"), 3)
    calls.close_call(late.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-03", "16:00"))  # 7h of 6h

    def figures():  # type: ignore[no-untyped-def]
        report = run_report("closure-sla", "Default", desk.carol, "2026-03-02", "2026-03-08")
        return {(r["dimension"], r["name"]): (r["verdicts"], r["met"], r["breached"], r["breached_refs"])
                for r in report.rows}, report.description

    rows, description = figures()
    assert rows[("partition", "Default")] == (3, 1, 2, f"{slow.ref} {late.ref}")
    assert rows[("priority", "P1 Critical")] == (1, 0, 1, slow.ref)  # judged, and shown, as it was that day
    assert rows[("priority", "P3 Medium")] == (2, 1, 1, late.ref)
    assert rows[("closure group", "(sent back to the resolver)")] == (1, 0, 1, slow.ref)
    assert "Targets: P3 6h" in description
    assert list(ClosureDecision.objects.order_by("id").values_list("priority", "closure_sla_met")) == [
        (3, True), (1, False), (3, False)]
    rebuild_rollups()  # a rebuild reads the verdicts the decisions recorded: it judges nothing again
    assert figures()[0] == rows


def test_a_decision_without_a_target_for_its_priority_records_no_verdict(desk) -> None:
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed", targets={"p1": "2h"})
    call = resolved(desk, at("2026-03-02", "09:00"), 3)
    calls.close_call(call.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-02", "10:00"))
    assert ClosureDecision.objects.get(call=call).closure_sla_met is None
    assert not ClosureSlaDay.objects.exists()
