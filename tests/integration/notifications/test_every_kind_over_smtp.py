"""Every kind of notification, caused by real call changes (the contact's answer through its link and the
Call Auto Close pass included), delivered by the worker's delivery to a real SMTP server: each kind arrives,
once, at the people it is meant for and nobody else."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from closeloop.autoclose import services as autoclose
from closeloop.calls import services as calls
from closeloop.calls.acceptance import answer_resolution
from closeloop.calls.links import acceptance_links
from closeloop.calls.notes import add_note
from closeloop.closure.notices import NoticeKind
from closeloop.contacts.services import add_contact
from closeloop.notifications.closure_sla import closure_sla_pass
from closeloop.notifications.delivery import deliver_due, message_id_of
from closeloop.notifications.models import OutboxMessage
from closeloop.partitions import closure_sla

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/London"))  # notices due before the test runs


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def _a_desk_day(desk) -> None:  # type: ignore[no-untyped-def]
    """One call worked through every step a person is told of; a second left alone until a rule closes it."""
    dana = add_contact(desk.default, "Dana Fisher", email="dana.fisher@example.org", actor=desk.alice)
    sam = add_contact(desk.default, "Sam Lee", email="sam.lee@example.org", actor=desk.alice)
    ref = calls.log_call(desk.default, "incident", "Outlook keeps asking for a password", contact=dana,
                         log_group=desk.service_desk, assigned_group=desk.service_desk, assigned_analyst=desk.rita,
                         actor=desk.alice).ref
    add_note(ref, desk.rita, "Please close Outlook before we call you", visible_to_contact=True)
    add_note(ref, desk.rita, "User is on the old profile", visible_to_contact=False)  # tells nobody
    calls.resolve_call(ref, desk.rita, "Cleared the cached credentials")  # to its log group, Service Desk
    calls.take_call(ref, desk.carol)
    calls.forward_call(ref, desk.carol, "Dave knows this user's set-up", to_analyst=desk.dave)
    calls.reject_resolution(ref, desk.dave, "The user says it still asks")
    resolved = calls.resolve_call(ref, desk.rita, "Repaired the Outlook profile")
    answer_resolution(_token(acceptance_links(resolved, timezone.now()).refuse), "refuse",
                      "It asked again this morning")
    calls.resolve_call(ref, desk.rita, "Rebuilt the profile and removed the stale token")
    calls.take_call(ref, desk.carol)
    calls.close_call(ref, desk.carol, "Profile rebuilt; works", reason="FIXED")

    idle = calls.log_call(desk.default, "incident", "Monitor flickers", contact=sam, log_group=desk.service_desk,
                          assigned_group=desk.service_desk, assigned_analyst=desk.rita, actor=desk.alice, at=T0)
    calls.resolve_call(idle.ref, desk.rita, "Replaced the cable", at=T0)  # Service Desk validates it
    autoclose.add_rule(desk.default, "Resolved calls pile up unvalidated", desk.admin, name="Resolved calls",
                       statuses=["forward_for_closure", "forward_to_you_for_close"], call_types=["incident"],
                       idle_days=10, reminders=["5:target,contact"], reason="FIXED")
    autoclose.auto_close_pass(T0 + 6 * DAY)  # the reminder
    autoclose.auto_close_pass(T0 + 11 * DAY)  # the close

    # a P3 call waits for its closure verdict past the partition's 8 business hours (09:00-17:00 in London)
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London")
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed with the business", targets={"p3": "8h"})
    late = calls.log_call(desk.default, "incident", "Scanner offline", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice, at=MONDAY.replace(hour=8))
    calls.resolve_call(late.ref, desk.rita, "Restarted the scanner", at=MONDAY)  # Service Desk validates it
    closure_sla_pass(MONDAY.replace(hour=15, minute=30))  # about to breach
    closure_sla_pass(MONDAY.replace(hour=9, minute=30) + DAY)  # breached


def test_every_notification_kind_reaches_its_recipients_once_over_smtp(desk, smtp):
    _a_desk_day(desk)
    report = deliver_due()
    assert report.ok and deliver_due().claimed == 0

    rows = list(OutboxMessage.objects.all())
    assert {row.kind for row in rows} == {kind.value for kind in NoticeKind}
    assert set(Counter(smtp.ids()).values()) == {1}, "a message arrived twice"
    assert len(smtp.received) == len(rows)
    by_id = {r.message_id: r for r in smtp.received}
    delivered: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        got = by_id[message_id_of(row)]
        assert got.rcpt_tos == [row.recipient] and got.message["Subject"] == row.subject
        delivered[row.kind].update(got.rcpt_tos)

    people = {a.username: a.email for a in (desk.rita, desk.carol, desk.dave)}
    assert delivered[NoticeKind.ASSIGNED] == {people["rita"]}
    # Service Desk's one eligible closer is carol: alice and rita lack Closure Comments
    assert delivered[NoticeKind.FORWARDED_TO_GROUP] == {people["carol"]}
    assert people["dave"] in delivered[NoticeKind.FORWARDED_TO_YOU]
    assert delivered[NoticeKind.RESOLUTION_REJECTED] == {people["rita"]}
    assert delivered[NoticeKind.RESOLUTION_REFUSED] == {people["rita"]}
    assert delivered[NoticeKind.REMINDER] == {people["carol"]}
    assert delivered[NoticeKind.AUTO_CLOSED] == {people["rita"]}
    assert delivered[NoticeKind.CALL_LOGGED] == {"dana.fisher@example.org", "sam.lee@example.org"}
    assert delivered[NoticeKind.CALL_RESOLVED] == {"dana.fisher@example.org", "sam.lee@example.org"}
    assert delivered[NoticeKind.CALL_CLOSED] == {"dana.fisher@example.org", "sam.lee@example.org"}
    assert delivered[NoticeKind.CONTACT_REMINDER] == {"sam.lee@example.org"}
    assert delivered[NoticeKind.NOTE_FOR_CONTACT] == {"dana.fisher@example.org"}
    assert delivered[NoticeKind.CLOSURE_SLA_AT_RISK] == {people["carol"]}
    assert delivered[NoticeKind.CLOSURE_SLA_BREACHED] == {people["carol"]}
    resolved_mail = next(r for r in smtp.received if r.rcpt_tos == ["dana.fisher@example.org"]
                         and "/answer/" in r.part("text/plain"))
    assert "/answer/" in resolved_mail.part("text/html")
