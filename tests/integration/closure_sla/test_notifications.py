"""Near-breach and breach notices of the closure SLA, sent by the worker's pass through the outbox, once per
call per closure stage, on a frozen clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from closeloop.calls import services as calls
from closeloop.cli.main import main
from closeloop.closure.notices import NoticeKind
from closeloop.notifications.closure_sla import _tell, closure_sla_pass
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.preferences import set_notification_preferences
from closeloop.partitions import closure_sla
from closeloop.partitions import services as partitions

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
AT_RISK, BREACHED = "closure_sla_at_risk", "closure_sla_breached"


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON)


@pytest.fixture
def waiting(desk):  # type: ignore[no-untyped-def]
    """A P3 incident resolved Monday 7 December 2026 at 09:00, Forward for Closure to Service Desk (carol closes
    for it); the target is 8h of business time, 09:00-17:00 in London, about to breach at 75%."""
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London")
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed", targets={"p3": "8h"}, warn_percent=75)
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice, at=at("2026-12-07", "08:00"))
    return calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers", at=at("2026-12-07", "09:00"))


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(OutboxMessage.objects.filter(kind=kind).values_list("recipient", "subject"))


def test_the_closer_is_told_once_when_the_call_is_about_to_breach_and_once_when_it_breaches(desk, waiting) -> None:
    assert str(closure_sla_pass(at("2026-12-07", "14:00"))) == "0 about to breach, 0 breached"
    summary = closure_sla_pass(at("2026-12-07", "15:30"))  # 6h30m of 8h used
    assert summary.at_risk == [waiting.ref]
    assert told(AT_RISK) == [("carol@desk.example", f"[{waiting.ref}] About to breach the closure SLA: Printer jams")]
    message = OutboxMessage.objects.get(kind=AT_RISK)
    assert "1h30m left" in message.body_text and "7 December 2026, 17:00" in message.body_text
    closure_sla_pass(at("2026-12-07", "16:00"))
    assert len(told(AT_RISK)) == 1  # once per stage, however many passes
    calls.take_call(waiting.ref, desk.carol, at=at("2026-12-07", "16:30"))  # taking it does not restart the clock
    assert closure_sla_pass(at("2026-12-08", "09:30")).breached == [waiting.ref]
    closure_sla_pass(at("2026-12-08", "10:00"))
    assert told(BREACHED) == [("carol@desk.example", f"[{waiting.ref}] Closure SLA breached: Printer jams")]
    assert len(told(AT_RISK)) == 1


def test_a_call_found_already_late_is_told_of_the_breach_only(desk, waiting) -> None:
    closure_sla_pass(at("2026-12-09", "09:00"))
    assert len(told(BREACHED)) == 1 and told(AT_RISK) == []


def test_resolving_again_after_a_rejection_starts_a_new_stage_with_its_own_notices(desk, waiting) -> None:
    closure_sla_pass(at("2026-12-07", "17:30"))
    calls.take_call(waiting.ref, desk.carol, at=at("2026-12-07", "17:40"))
    calls.reject_resolution(waiting.ref, desk.carol, "Still jams", at=at("2026-12-07", "17:45"))
    assert closure_sla_pass(at("2026-12-08", "10:00")).breached == []  # back with the resolver: no clock
    calls.resolve_call(waiting.ref, desk.rita, "Replaced the tray", at=at("2026-12-08", "09:00"))
    closure_sla_pass(at("2026-12-08", "17:30"))
    assert len(told(BREACHED)) == 2


def test_a_group_with_a_mailbox_is_told_there_and_a_closer_may_turn_the_notice_off(desk, waiting) -> None:
    set_notification_preferences(desk.carol, {AT_RISK: False}, desk.carol)
    closure_sla_pass(at("2026-12-07", "15:30"))
    assert told(AT_RISK) == []  # carol turned it off; nobody else closes for Service Desk
    partitions.set_group_mailbox(desk.service_desk, "service.desk@desk.example")
    closure_sla_pass(at("2026-12-08", "09:30"))
    assert [r for r, _ in told(BREACHED)] == ["service.desk@desk.example"]


def test_two_passes_deciding_the_same_notice_send_it_once(desk, waiting) -> None:
    now = at("2026-12-08", "09:30")
    verdict = closure_sla.load_closure_sla(desk.default).verdict(3, waiting.resolved_at, now)
    assert _tell(waiting.id, NoticeKind.CLOSURE_SLA_BREACHED, waiting.resolved_at, verdict, now) is True
    # the second pass decided from what it read before the first committed: the unique row refuses it
    assert _tell(waiting.id, NoticeKind.CLOSURE_SLA_BREACHED, waiting.resolved_at, verdict, now) is False
    assert len(told(BREACHED)) == 1


def test_tick_runs_the_closure_sla_pass(desk, waiting, capsys, monkeypatch) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: at("2026-12-08", "09:30").astimezone(ZoneInfo("UTC")))
    main(["tick"])
    assert "closure-sla: 0 about to breach, 1 breached" in capsys.readouterr().out
    assert len(told(BREACHED)) == 1
