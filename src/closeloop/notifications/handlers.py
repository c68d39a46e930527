"""The notifications area's handler of call events: each event's notices, rendered and queued in the outbox.

It runs inside the transaction that records the event (`calls.history.record_event`), so a refused or
rolled-back change writes no message. Analysts without an e-mail address, who are deactivated, or who turned
the kind off, and contacts without an address, are simply not written to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from closeloop.accounts.models import Analyst
from closeloop.calls.history import call_being_published
from closeloop.calls.links import acceptance_links, call_url
from closeloop.calls.models import Call, CallEvent
from closeloop.closure import CLOSURE_STATUSES, Action, CallType, Directory, Status
from closeloop.closure.events import CallChanged, subscribe
from closeloop.closure.notices import Notice, NoticeKind, ToAnalyst, ToContact, ToMailbox, notices_for
from closeloop.partitions.kept import group_mailboxes
from closeloop.partitions.services import load_directory, load_settings
from closeloop.partitions.snapshot import remembered

from .messages import render_message
from .models import NotificationPreference
from .outbox import enqueue_for_event

__all__ = ["write_notices", "subscribe_handlers"]

_RESOLVING = {Action.RESOLVE_TO_ANALYST.value, Action.RESOLVE_TO_GROUP.value, Action.RESOLVE_AND_CLOSE.value}


def write_notices(event: CallChanged) -> None:
    """Queue the messages one call event causes: it reads the analysts told, then writes every message in one
    statement. The call is the action's own (else read with its contact); group mailboxes, the directory and
    the settings are the partition's as this node keeps them."""
    call = call_being_published(event.call_id) or Call.objects.select_related("partition", "contact").get(
        pk=event.call_id)
    directory = load_directory(call.partition)
    group_id = call.closure_target_group_id  # the only group an event can tell: where the call now waits
    mailbox = group_mailboxes(call.partition_id).get(group_id) if group_id is not None else None
    mailboxes = {group_id: mailbox} if group_id is not None and mailbox else {}
    notices = notices_for(event, call.facts(), load_settings(call.partition), directory, mailboxes.keys())
    if not notices:
        return
    analysts = _reachable_analysts(notices)
    context = _context(event, call, directory, notices)
    source = CallEvent(pk=event.event_id, call=call)
    messages = []
    for notice in notices:
        recipient = _recipient(notice, call, analysts, mailboxes, directory)
        if recipient is None:
            continue
        address, name, analyst = recipient
        message = render_message(notice.kind, {**context, "recipient_name": name,
                                               "call_url": call_url(call) if notice.kind.for_analysts else None})
        messages.append(dict(partition=call.partition, call=call, event=source, kind=notice.kind.value,
                             analyst=analyst, recipient=address, recipient_name=name[:150], subject=message.subject,
                             body_text=message.body_text, body_html=message.body_html))
    enqueue_for_event(messages)  # every message of the event in one statement


@dataclass(frozen=True)
class _Reachable:
    """An analyst a notice can reach: their address and name, and the kinds they turned off."""

    email: str
    name: str
    turned_off: frozenset[str]


def _mail_book() -> dict[int, _Reachable]:
    """Every active analyst with an address. Kept while the desk stays the same (analysts and their notification
    preferences change its version), so telling analysts of an event costs no query."""
    def read() -> dict[int, _Reachable]:
        off: dict[int, set[str]] = {}
        for analyst_id, kind in NotificationPreference.objects.filter(enabled=False).values_list("analyst_id", "kind"):
            off.setdefault(analyst_id, set()).add(kind)
        analysts = Analyst.objects.filter(is_active=True).exclude(email="").only(
            "id", "username", "first_name", "last_name", "email").order_by()
        return {a.id: _Reachable(a.email, a.display_name, frozenset(off.get(a.id, ()))) for a in analysts}

    return remembered(("mail-book",), read, shared=True)


def _reachable_analysts(notices: list[Notice]) -> dict[tuple[int, NoticeKind], tuple[int, _Reachable]]:
    """The analysts to tell, by (analyst, kind): active, with an address, and not having turned the kind off."""
    wanted = {(n.audience.analyst_id, n.kind) for n in notices if isinstance(n.audience, ToAnalyst)}
    if not wanted:
        return {}
    book = _mail_book()
    return {(a, kind): (a, book[a]) for a, kind in wanted if a in book and kind.value not in book[a].turned_off}


def _recipient(notice: Notice, call: Call, analysts: dict[tuple[int, NoticeKind], tuple[int, _Reachable]],
               mailboxes: dict[int, str], directory: Directory) -> tuple[str, str, int | None] | None:
    """Where a notice goes: (address, name, the analyst's id or None for a mailbox or the contact)."""
    audience = notice.audience
    if isinstance(audience, ToAnalyst):
        found = analysts.get((audience.analyst_id, notice.kind))
        return (found[1].email, found[1].name, found[0]) if found is not None else None
    if isinstance(audience, ToMailbox):
        return mailboxes[audience.group_id], directory.group_name(audience.group_id), None
    assert isinstance(audience, ToContact)
    contact = call.contact
    return (contact.email, contact.name, None) if contact is not None and contact.email else None


def _when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _context(event: CallChanged, call: Call, directory: Directory, notices: list[Notice]) -> dict[str, Any]:
    """What every message of the event may say, in users' words (the call's status as the event left it: logging
    a call with its assignment writes the call, assigned, before its "logged" event is told)."""
    details = event.details
    asks_the_user = call.resolved_at is not None and Status(call.status) in CLOSURE_STATUSES and any(
        n.kind in (NoticeKind.CALL_RESOLVED, NoticeKind.CONTACT_REMINDER) for n in notices)
    links = acceptance_links(call, timezone.now()) if asks_the_user else None
    return {
        "ref": call.ref, "summary": call.summary, "type": CallType(call.call_type).label,
        "status": Status(event.to_status).label, "priority": call.priority, "partition": call.partition.name,
        "resolution": call.resolution, "closure_comments": call.closure_comments,
        "actor": directory.analyst_name(event.actor_id) if event.actor_id is not None else None,
        # a forward's reason, a rejection's reason, the user's words (a resolution's note is routing detail)
        "note": "" if event.action in _RESOLVING else event.note, "at": event.at,
        "group_name": directory.group_name(call.closure_target_group_id)
        if call.closure_target_group_id is not None else None,
        "contact_name": call.contact.name if call.contact is not None else None,
        "links": links,
        "rule": details.get("rule"), "reminder_number": details.get("number"), "due_at": _when(details.get("due_at")),
        "category": details.get("category"),
    }


def subscribe_handlers() -> None:
    subscribe(CallChanged, write_notices)
