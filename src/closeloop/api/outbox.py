"""The outbox in the REST API: the e-mail notifications of your partitions (pending, sent, failed), one
message with what it said, and retrying a failed one. Needs IPK Setup, as the Outbox page does."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from closeloop.notifications import outbox

from .auth import caller
from .pagination import PageParams, page_of
from .schemas import Id, Page, Text, responses

__all__ = ["router"]

router = Router(tags=["outbox"])


class OutboxMessageOut(Schema):
    """One e-mail to one recipient and where its delivery stands."""

    id: int
    partition: str | None
    call: str | None = Field(..., description="The call's reference")
    kind: str = Field(..., description="What the message tells, e.g. call_assigned")
    recipient: str
    recipient_name: str
    subject: str
    state: Literal["pending", "sent", "failed"]
    attempts: int = Field(..., description="Delivery attempts so far")
    next_attempt_at: datetime = Field(..., description="Not tried again before this time (pending messages)")
    last_error: str = Field(..., description="The mail server's answer to the last failed attempt")
    created_at: datetime
    sent_at: datetime | None


class OutboxMessageDetailOut(OutboxMessageOut):
    body_text: str
    body_html: str


class _OutboxFilter(Schema):
    state: Literal["pending", "sent", "failed"] | None = Field(None, description="Only messages in this state")
    partition: Text | None = Field(None, description="Partition name (default: all of yours)")


@router.get("", response=responses(Page[OutboxMessageOut]), summary="The outbox, newest first")
def list_outbox(request: HttpRequest, filters: Query[_OutboxFilter], paging: Query[PageParams]) -> dict[str, Any]:
    rows = outbox.outbox_messages(caller(request), filters.state, filters.partition)
    return page_of(rows, paging, outbox.message_row)


@router.get("/{message_id}", response=responses(OutboxMessageDetailOut), summary="One message, with its text")
def read_message(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    return outbox.message_detail(outbox.get_message(message_id, caller(request)))


@router.post("/{message_id}/retry", response=responses(OutboxMessageOut),
             summary="Send a failed message again (409 unless it failed)")
def retry_message(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    return outbox.message_row(outbox.retry_message(message_id, caller(request)))
