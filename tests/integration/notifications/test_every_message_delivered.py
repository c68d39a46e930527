"""A day at the desk played through the services, then the outbox delivered to a real SMTP server: every
message the day wrote arrives exactly once, to its recipient, with its subject and its Message-ID.

Whatever the notification handlers write for these changes is checked, every kind alike; beside them the
test writes one copy of each call event itself (kind `event_copy`), so the delivery is checked even where
no handler writes anything.
"""

from __future__ import annotations

from collections import Counter

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import CallEvent
from closeloop.notifications.delivery import deliver_due, message_id_of
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.outbox import enqueue

pytestmark = pytest.mark.django_db


def _play_a_day(desk) -> list[str]:  # type: ignore[no-untyped-def]
    """Log, assign, hold, resume, resolve, reject, resolve again, take, forward, close; and a second call."""
    first = calls.log_call(desk.default, "incident", "Outlook keeps asking for a password",
                           log_group=desk.service_desk, assigned_group=desk.service_desk,
                           assigned_analyst=desk.rita, actor=desk.alice)
    ref = first.ref
    calls.hold_call(ref, desk.rita, "Waiting for the user to be at their desk")
    calls.resume_call(ref, desk.rita, "The user is back")
    calls.resolve_call(ref, desk.rita, "Cleared the cached credentials")
    calls.take_call(ref, desk.carol)
    calls.reject_resolution(ref, desk.carol, "The user says it still asks")
    calls.resolve_call(ref, desk.rita, "Repaired the Outlook profile")
    calls.take_call(ref, desk.carol)
    calls.close_call(ref, desk.carol, "User confirmed it works", reason="FIXED")
    second = calls.log_call(desk.default, "incident", "VPN drops every hour", log_group=desk.service_desk,
                            actor=desk.alice)
    calls.assign_call(second.ref, desk.alice, group=desk.network, analyst=desk.bob)
    calls.resolve_call(second.ref, desk.bob, "Updated the VPN client")
    return [ref, second.ref]


def test_every_message_of_a_day_at_the_desk_is_delivered_exactly_once(desk, smtp):
    refs = _play_a_day(desk)
    events = CallEvent.objects.filter(call__ref__in=refs).select_related("call", "actor").order_by("id")
    for event in events:
        enqueue(kind="event_copy", recipient=f"{event.actor.username}@example.com", event=event, call=event.call,
                partition=desk.default, subject=f"{event.call.ref}: {event.action}",
                body_text=f"{event.call.ref} went from {event.from_status or '-'} to {event.to_status}.",
                body_html=f"<p>{event.call.ref}: <b>{event.to_status}</b></p>")
    rows = list(OutboxMessage.objects.all())
    assert len(rows) >= len(events) > 10

    report = deliver_due()
    assert report.ok and deliver_due().claimed == 0  # a second pass finds nothing left to send

    received = Counter(smtp.ids())
    assert set(received.values()) == {1}, "a message arrived twice"
    by_id = {r.message_id: r for r in smtp.received}
    for row in rows:
        got = by_id[message_id_of(row)]
        assert got.rcpt_tos == [row.recipient] and got.message["Subject"] == row.subject, row.kind
        assert got.part("text/plain").strip() == row.body_text.strip()
        if row.body_html:
            assert got.part("text/html").strip() == row.body_html.strip()
    assert len(smtp.received) == len(rows)
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {("sent", 1)}
