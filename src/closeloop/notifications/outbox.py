"""The outbox: writing a message (`enqueue`), the one list of it (`outbox_messages`), and an operator's retry.

A message is written in the transaction of the change it tells of, and delivered later by the worker
(`delivery.deliver_due`). Reading the outbox and retrying a message need the IPK Setup right: the outbox holds
what the desk tells contacts and analysts about calls, and retrying is running the desk, not its security.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import require_admin
from closeloop.closure import AdminRight, InvalidInput, InvalidTransition, NotFound, parse_choice
from closeloop.partitions.services import get_partition

from .models import OutboxMessage

__all__ = ["OUTBOX_RIGHT", "enqueue", "enqueue_for_event", "outbox_messages", "get_message", "retry_message",
           "message_row", "message_detail"]

log = logging.getLogger(__name__)

# The right that reads the outbox and retries its messages, on every surface (web, API, CLI).
OUTBOX_RIGHT = AdminRight.IPK_SETUP

_SUBJECT_MAX = OutboxMessage._meta.get_field("subject").max_length or 250
_NAME_MAX = OutboxMessage._meta.get_field("recipient_name").max_length or 150


def _one_line(text: str, limit: int) -> str:
    # A header holds one line (a newline in it would let text forge headers), and must fit its column.
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def enqueue(*, kind: str, recipient: str, subject: str, body_text: str, body_html: str = "",
            recipient_name: str = "", partition: Any = None, call: Any = None, event: Any = None,
            analyst: Any = None, now: datetime | None = None) -> OutboxMessage:
    """Write one e-mail to one recipient into the outbox, to be delivered by the worker.

    Call it inside the transaction of the change the message tells of (a notification handler of
    `CallChanged` runs there): if the change is rolled back, so is the message. It is idempotent on
    (event, kind, recipient): writing the same message for the same event again returns the row already
    there and writes nothing. Messages without an event are never merged.

    - `kind`: what the message tells (e.g. "call_assigned"), shown on the Outbox page;
    - `recipient`, `recipient_name`: the address and the name to show with it; skip people with no
      address before calling (a blank one is refused); an address the mail server refuses ends `failed`
      on the Outbox page, where an operator sees it;
    - `subject` (made one line, cut to fit), `body_text`, `body_html` (optional alternative part);
    - `partition`, `call`, `event`, `analyst`: what it is about and for (who may read it on the Outbox page
      follows `partition`; `analyst` is empty for contacts and group mailboxes).

    The row starts pending, due at once (`now`, default the current time).
    """
    row = _message(kind=kind, recipient=recipient, subject=subject, body_text=body_text, body_html=body_html,
                   recipient_name=recipient_name, partition=partition, call=call, event=event, analyst=analyst,
                   now=now)
    if event is None:
        row.save(force_insert=True)
        return row
    # Insert first (one query on every call change that notifies), in a savepoint so the caller's transaction
    # survives the unique constraint when this event already wrote this message; then read the one there.
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            return row
    except IntegrityError:
        return OutboxMessage.objects.get(event=event, kind=kind, recipient=row.recipient)


def _message(*, kind: str, recipient: str, subject: str, body_text: str, body_html: str = "",
             recipient_name: str = "", partition: Any = None, call: Any = None, event: Any = None,
             analyst: Any = None, now: datetime | None = None) -> OutboxMessage:
    address = recipient.strip()
    if not address:
        raise InvalidInput("A message needs a recipient address", field="recipient")
    at = now or timezone.now()
    return OutboxMessage(kind=kind, recipient=address, event=event, partition=partition, call=call,
                         analyst_id=getattr(analyst, "pk", analyst),  # the analyst, or their id
                         recipient_name=_one_line(recipient_name, _NAME_MAX), subject=_one_line(subject, _SUBJECT_MAX),
                         body_text=body_text, body_html=body_html, state=OutboxMessage.State.PENDING,
                         next_attempt_at=at, created_at=at)


def enqueue_for_event(messages: list[dict[str, Any]]) -> None:
    """Write every message one call event causes (each `enqueue`'s keyword arguments, `event` given) in one
    statement, in the caller's transaction; a message this event already wrote is left as it is."""
    rows = [_message(**message) for message in messages]
    if rows:
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)


def outbox_messages(viewer: Analyst | None, state: str | None = None,
                    partition_name: str | None = None) -> QuerySet[OutboxMessage]:
    """The outbox, newest first: every message of the partitions the viewer works in, optionally of one
    delivery state (pending, sent, failed) or one partition. Needs IPK Setup."""
    require_admin(viewer, OUTBOX_RIGHT)
    qs = OutboxMessage.objects.visible_to(viewer)
    if state:
        qs = qs.filter(state=parse_choice(OutboxMessage.State, state, "state").value)
    if partition_name:
        qs = qs.filter(partition=get_partition(partition_name, viewer))
    return qs.select_related("partition", "call").order_by("-created_at", "-id")


def get_message(message_id: int, viewer: Analyst | None) -> OutboxMessage:
    """One message of the outbox, if the viewer may read it (IPK Setup, a partition they work in)."""
    message = outbox_messages(viewer).filter(pk=message_id).first()
    if message is None:
        raise NotFound(f"No outbox message {message_id} in your partitions", field="id")
    return message


def retry_message(message_id: int, actor: Analyst | None, now: datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the outbox, due at once, with a fresh series of attempts.

    Only a failed message can be retried: a pending one is still being tried, a sent one was delivered.
    Its last error stays shown until the next attempt.
    """
    with transaction.atomic():
        message = get_message(message_id, actor)
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.state != OutboxMessage.State.FAILED:
            raise InvalidTransition(f"Only a failed message can be retried; message {message.pk} is "
                                    f"{message.get_state_display().lower()}", field="id")
        message.state = OutboxMessage.State.PENDING
        message.attempts = 0
        message.next_attempt_at = now or timezone.now()
        message.claimed_until = None
        message.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_until"])
    log.warning("Outbox message %s to %s put back for delivery by %s", message.pk, message.recipient,
                actor.username if actor else "the system operator")
    return message


def message_row(message: OutboxMessage) -> dict[str, Any]:
    """A message as the lists show it (the API, `closeloop outbox list`)."""
    return {"id": message.pk, "partition": message.partition.name if message.partition else None,
            "call": message.call.ref if message.call else None, "kind": message.kind,
            "recipient": message.recipient, "recipient_name": message.recipient_name, "subject": message.subject,
            "state": message.state, "attempts": message.attempts, "next_attempt_at": message.next_attempt_at,
            "last_error": message.last_error, "created_at": message.created_at, "sent_at": message.sent_at}


def message_detail(message: OutboxMessage) -> dict[str, Any]:
    """A message with what it says (the API, `closeloop outbox show`)."""
    return {**message_row(message), "body_text": message.body_text, "body_html": message.body_html}
