"""The outbox: the one place a message to send is written, in the transaction of the change that causes it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import OutboxMessage

__all__ = ["enqueue"]


def enqueue(*, partition: Any, call: Any, event: Any, kind: str, analyst: Any, recipient: str, recipient_name: str,
            subject: str, body_text: str, body_html: str) -> None:
    """Queue one message for delivery; a message this event already queued for this kind and recipient is kept
    as it is (the same event never tells the same person the same thing twice)."""
    now = timezone.now()
    OutboxMessage.objects.bulk_create([OutboxMessage(
        partition=partition, call=call, event=event, kind=str(kind), analyst=analyst, recipient=recipient,
        recipient_name=recipient_name, subject=subject, body_text=body_text, body_html=body_html,
        state=OutboxMessage.State.PENDING, next_attempt_at=now, created_at=now)], ignore_conflicts=True)
