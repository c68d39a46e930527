"""Delivering the outbox to a real SMTP server: what arrives, retries with back-off while the server is down,
failing for good, an operator's retry, and a worker killed in the middle of a batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from closeloop.calls import services as calls
from closeloop.calls.models import CallEvent
from closeloop.closure import InvalidInput, InvalidTransition, NotAllowed
from closeloop.notifications import delivery
from closeloop.notifications.delivery import deliver_due, retry_delay
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.outbox import enqueue, retry_message

pytestmark = pytest.mark.django_db

State = OutboxMessage.State


@pytest.fixture
def call(desk):  # type: ignore[no-untyped-def]
    """A call whose logging tells nobody (no contact, no assignee), so the outbox holds only what a test writes."""
    logged = calls.log_call(desk.default, "incident", "Printer on floor 2 jams", log_group=desk.service_desk,
                            actor=desk.alice)
    assert not OutboxMessage.objects.exists()
    return logged


def _message(desk, call, recipient: str = "rita@example.com", n: int = 0, now=None):  # type: ignore[no-untyped-def]
    return enqueue(kind="call_assigned", recipient=recipient, recipient_name="Rita Resolver",
                   subject=f"{call.ref} assigned to you ({n})", body_text=f"Call {call.ref}: please have a look.",
                   body_html=f"<p>Call <a href='https://desk.test/calls/{call.ref}/'>{call.ref}</a></p>",
                   partition=desk.default, call=call, analyst=desk.rita, now=now)


def _state(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


def test_a_message_arrives_with_its_recipient_subject_text_and_html_parts(desk, call, smtp):
    message = _message(desk, call)
    report = deliver_due()
    assert report.sent == [message.pk] and report.ok
    [got] = smtp.received
    assert got.rcpt_tos == ["rita@example.com"] and got.mail_from == "desk@closeloop.test"
    assert got.message["To"] == "Rita Resolver <rita@example.com>"
    assert got.message["From"] == "Closeloop Desk <desk@closeloop.test>"
    assert got.message["Subject"] == f"{call.ref} assigned to you (0)"
    assert got.message["Auto-Submitted"] == "auto-generated" and got.message["X-Closeloop-Call"] == call.ref
    assert got.part("text/plain").strip() == f"Call {call.ref}: please have a look."
    assert f">{call.ref}</a>" in got.part("text/html")
    assert got.message_id == delivery.message_id_of(message)
    row = _state(message)
    assert (row.state, row.attempts, row.last_error, row.claimed_until) == (State.SENT, 1, "", None)
    assert row.sent_at is not None


def test_a_message_is_sent_once_however_often_the_outbox_is_delivered(desk, call, smtp):
    _message(desk, call)
    deliver_due()
    assert deliver_due().claimed == 0
    assert len(smtp.received) == 1


def test_smtp_down_for_an_hour_loses_nothing_and_sends_nothing_twice(desk, call, smtp):
    t0 = timezone.now()
    messages = [_message(desk, call, f"user{i}@example.com", i, now=t0) for i in range(3)]
    smtp.stop()
    tried_at = []
    for minute in range(61):  # a worker looking every minute for an hour while the server is down
        now = t0 + timedelta(minutes=minute)
        if deliver_due(now=now).claimed:
            tried_at.append(minute)
    assert tried_at == [0, 1, 3, 7, 15, 31]  # back-off: 1, 2, 4, 8, 16 minutes between attempts
    for row in map(_state, messages):
        assert (row.state, row.attempts) == (State.PENDING, 6)
        assert row.next_attempt_at == t0 + timedelta(minutes=31) + retry_delay(6)
        assert "could not reach 127.0.0.1" in row.last_error
    smtp.start()
    assert deliver_due(now=t0 + timedelta(minutes=62)).claimed == 0  # not yet due
    report = deliver_due(now=t0 + timedelta(minutes=63))
    assert sorted(report.sent) == sorted(m.pk for m in messages)
    deliver_due(now=t0 + timedelta(hours=5))
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [f"user{i}@example.com" for i in range(3)]
    assert len(set(smtp.ids())) == 3
    assert all((r.state, r.attempts, r.last_error) == (State.SENT, 7, "") for r in map(_state, messages))


def test_back_off_doubles_from_the_first_delay_up_to_its_cap():
    delays = [retry_delay(n, 60, 3600).total_seconds() for n in range(1, 12)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600, 3600]
    assert retry_delay(10_000, 60, 3600) == timedelta(hours=1)


def test_a_message_that_keeps_failing_ends_failed_with_its_last_error(desk, call, smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp.refuse.add("gone@example.com")
    kept = _message(desk, call, "gone@example.com")
    fine = _message(desk, call, "rita@example.com")
    now = timezone.now()
    first = deliver_due(now=now)
    assert first.sent == [fine.pk] and first.retrying == [kept.pk]
    assert deliver_due(now=now + timedelta(minutes=1)).retrying == [kept.pk]
    last = deliver_due(now=now + timedelta(minutes=3))
    assert last.failed == [kept.pk] and not last.ok
    row = _state(kept)
    assert (row.state, row.attempts, row.sent_at) == (State.FAILED, 3, None)
    assert "550" in row.last_error and "gone@example.com" in row.last_error
    assert deliver_due(now=now + timedelta(days=1)).claimed == 0  # failed messages wait for an operator
    assert [r.rcpt_tos for r in smtp.received] == [["rita@example.com"]]


def test_an_operator_retries_a_failed_message_and_it_is_delivered(desk, call, smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    smtp.refuse.add("full@example.com")
    message = _message(desk, call, "full@example.com")
    deliver_due()
    assert _state(message).state == State.FAILED
    smtp.refuse.clear()  # the recipient's mailbox has been fixed
    retried = retry_message(message.pk, desk.admin)
    assert (retried.state, retried.attempts) == (State.PENDING, 0)
    assert "550" in retried.last_error  # still shown until the next attempt
    assert deliver_due().sent == [message.pk]
    assert (_state(message).state, _state(message).last_error) == (State.SENT, "")
    assert [r.rcpt_tos for r in smtp.received] == [["full@example.com"]]


def test_only_a_failed_message_can_be_retried(desk, call, smtp):
    message = _message(desk, call)
    with pytest.raises(InvalidTransition, match="pending"):
        retry_message(message.pk, desk.admin)
    deliver_due()
    with pytest.raises(InvalidTransition, match="sent"):
        retry_message(message.pk, desk.admin)


def test_retrying_needs_ipk_setup(desk, call, smtp):
    message = _message(desk, call)
    with pytest.raises(NotAllowed, match="IPK Setup"):
        retry_message(message.pk, desk.carol)


def test_a_message_claimed_by_a_worker_that_died_is_sent_once_its_lease_runs_out(desk, call, smtp, settings):
    message = _message(desk, call)
    now = timezone.now()
    assert [m.pk for m in delivery._claim(now, 10)] == [message.pk]  # a worker claims it, then is killed
    assert deliver_due(now=now + timedelta(seconds=30)).claimed == 0  # another worker leaves it alone
    later = now + delivery.lease_length(10) + timedelta(seconds=1)
    assert deliver_due(now=later).sent == [message.pk]
    assert len(smtp.received) == 1


def test_an_address_that_is_not_an_address_fails_at_once_without_blocking_the_others(desk, call, smtp):
    bad = _message(desk, call, "not an address")
    good = _message(desk, call, "rita@example.com")
    report = deliver_due()
    assert report.failed == [bad.pk] and report.sent == [good.pk]
    assert "not a valid e-mail address" in _state(bad).last_error


def test_enqueue_writes_one_message_per_event_kind_and_recipient(desk, call):
    event = CallEvent.objects.filter(call=call).first()
    first = enqueue(kind="call_logged", recipient="user@example.com", subject="Logged\nBcc: x@evil.test",
                    body_text="We have your call.", partition=desk.default, call=call, event=event)
    again = enqueue(kind="call_logged", recipient="user@example.com", subject="Logged", body_text="again",
                    partition=desk.default, call=call, event=event)
    other = enqueue(kind="call_logged", recipient="boss@example.com", subject="Logged", body_text="x",
                    partition=desk.default, call=call, event=event)
    assert first.pk == again.pk != other.pk
    assert first.subject == "Logged Bcc: x@evil.test"  # one header line: no header can be forged
    assert OutboxMessage.objects.count() == 2
    assert (first.state, first.attempts, first.next_attempt_at) == (State.PENDING, 0, first.created_at)


def test_a_rolled_back_change_leaves_no_message(desk, call):
    with pytest.raises(RuntimeError), transaction.atomic():
        _message(desk, call)
        raise RuntimeError("the change was refused")
    assert not OutboxMessage.objects.exists()


def test_a_blank_recipient_is_refused_naming_the_field(desk, call):
    with pytest.raises(InvalidInput) as refused:
        enqueue(kind="call_logged", recipient="  ", subject="s", body_text="b")
    assert refused.value.field == "recipient"


def test_with_no_smtp_server_messages_are_written_to_the_mail_directory(desk, call, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    message = _message(desk, call)
    assert deliver_due().sent == [message.pk]
    [written] = (tmp_path / "mail").iterdir()
    text = written.read_text()
    assert f"Subject: {call.ref} assigned to you (0)" in text and "To: Rita Resolver <rita@example.com>" in text
    assert delivery.message_id_of(message) in text
    assert str(tmp_path / "mail") in delivery.where_mail_goes()
