"""Delivering the outbox: claim the due messages, send them over one mail connection, record each outcome.

Claiming is safe with several workers at once, on PostgreSQL and on SQLite alike: in one transaction a worker
picks due, unclaimed messages (`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers pick
different rows; SQLite takes the database's write lock for the whole transaction, so workers take turns) and
stamps them with a lease (`claimed_until`). Nobody else picks a leased message until the lease runs out, so a
worker killed mid-batch delays its messages by one lease and loses none.

A message the mail server would not take is tried again after 1, 2, 4 ... minutes (at most
`OUTBOX_RETRY_MAX_SECONDS` apart); after `OUTBOX_MAX_ATTEMPTS` tries it is marked failed with its last error.
Each message keeps one `Message-ID` whatever the attempt, so a receiving server can drop the copy it would
get if a worker died between the server's "OK" and recording it (the one window no outbox can close).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

__all__ = ["DeliveryReport", "retry_delay", "lease_length", "as_email", "message_id_of", "deliver_due",
           "where_mail_goes", "deliver_demo_outbox"]

log = logging.getLogger(__name__)

# Longest error text kept on a row: the server's answer, not a whole traceback.
_ERROR_MAX = 2000


@dataclass
class DeliveryReport:
    """What one delivery pass did: how many messages were sent, will be tried again, or failed for good."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)

    @property
    def ok(self) -> bool:
        """True when every message claimed was delivered."""
        return not (self.retrying or self.failed)

    def __str__(self) -> str:
        if not self.claimed:
            return "outbox: nothing due"
        text = f"outbox: {len(self.sent)} sent"
        if self.retrying:
            text += f", {len(self.retrying)} to try again later"
        if self.failed:
            text += f", {len(self.failed)} failed after the last attempt"
        if self.errors:
            text += f" (last error: {self.errors[-1]})"
        return text


def retry_delay(attempts: int, first_seconds: int | None = None, max_seconds: int | None = None) -> timedelta:
    """How long to wait after the given number of failed attempts: doubling from the first delay, capped."""
    first = settings.OUTBOX_RETRY_FIRST_SECONDS if first_seconds is None else first_seconds
    cap = settings.OUTBOX_RETRY_MAX_SECONDS if max_seconds is None else max_seconds
    exponent = min(max(attempts, 1) - 1, 32)  # 2**32 minutes is past any cap; keeps the number small
    return timedelta(seconds=min(first * 2 ** exponent, cap))


def lease_length(batch_size: int) -> timedelta:
    """How long a claim holds: long enough to send a whole batch even if each message takes the full timeout."""
    return timedelta(seconds=(batch_size + 1) * (int(settings.EMAIL_TIMEOUT or 20) + 5))


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id_of(message: OutboxMessage) -> str:
    """The message's own Message-ID, the same on every attempt (and every worker)."""
    return f"<closeloop.outbox.{message.pk}.{int(message.created_at.timestamp())}@{_mail_domain()}>"


def as_email(message: OutboxMessage, connection: Any = None) -> EmailMultiAlternatives:
    """The e-mail of an outbox row: its text, its HTML as the alternative part, from DEFAULT_FROM_EMAIL."""
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body_text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((message.recipient_name, message.recipient)) if message.recipient_name
            else message.recipient],
        connection=connection,
        headers={"Message-ID": message_id_of(message),
                 # RFC 3834: an automatic message; out-of-office replies should not answer it
                 "Auto-Submitted": "auto-generated",
                 "X-Closeloop-Kind": message.kind,
                 **({"X-Closeloop-Call": message.call.ref} if message.call_id and message.call else {})})
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _due(now: datetime) -> Q:
    return (Q(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
            & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)))


def _claim(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker alone, oldest due first."""
    lease = now + lease_length(limit)
    with transaction.atomic():
        ids = list(OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
                   .select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The same condition again: on PostgreSQL a row another worker claimed and committed meanwhile
        # no longer matches, so a worker never stamps a message it did not pick.
        OutboxMessage.objects.filter(_due(now), id__in=ids).update(claimed_until=lease)
        return list(OutboxMessage.objects.filter(id__in=ids, claimed_until=lease).select_related("call")
                    .order_by("next_attempt_at", "id"))


def _sent(message: OutboxMessage, at: datetime) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.SENT, sent_at=at, attempts=F("attempts") + 1, claimed_until=None, last_error="")


def _not_sent(message: OutboxMessage, error: str, at: datetime, report: DeliveryReport, final: bool = False) -> None:
    attempts = message.attempts + 1
    error = error[:_ERROR_MAX]
    if final or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxMessage.State.FAILED, attempts=attempts, claimed_until=None, last_error=error)
        report.failed.append(message.pk)
        log.warning("Outbox message %s to %s failed after %s attempt(s): %s", message.pk, message.recipient,
                    attempts, error)
    else:
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, next_attempt_at=at + retry_delay(attempts), claimed_until=None, last_error=error)
        report.retrying.append(message.pk)
    report.errors.append(error)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError) and not hasattr(exc, "smtp_code"):
        where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}" if settings.EMAIL_HOST else "the mail directory"
        return f"could not reach {where}: {text}"
    return text


def _valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _send_batch(messages: Sequence[OutboxMessage], report: DeliveryReport, clock: Callable[[], datetime]) -> None:
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception as exc:  # noqa: BLE001 - any failure to connect leaves the whole batch for later
        at = clock()
        for message in messages:
            _not_sent(message, _describe(exc), at, report)
        return
    try:
        for message in messages:
            if not _valid_address(message.recipient):
                _not_sent(message, f"{message.recipient!r} is not a valid e-mail address", clock(), report,
                          final=True)
                continue
            try:
                as_email(message, connection).send()
            except Exception as exc:  # noqa: BLE001 - the server's refusal is recorded on the row
                _not_sent(message, _describe(exc), clock(), report)
                # The connection may be broken after an error: start the next message on a fresh one.
                connection.close()
                connection.open()
            else:
                _sent(message, clock())
                report.sent.append(message.pk)
    except Exception as exc:  # noqa: BLE001 - reconnecting failed: the rest of the batch waits for later
        at = clock()
        done = set(report.sent) | set(report.retrying) | set(report.failed)
        for message in messages:
            if message.pk not in done:
                _not_sent(message, _describe(exc), at, report)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a dead connection may fail; nothing is lost
            pass


def deliver_due(now: datetime | None = None, limit: int | None = None,
                keep_going: Callable[[], bool] = lambda: True) -> DeliveryReport:
    """Send every message that is due, in batches of `limit` (one mail connection each), and record each outcome.

    Safe to run in several workers at once: each message is claimed by one of them only. Between batches it
    stops when `keep_going()` turns false (a worker asked to shut down finishes its batch first).
    """
    limit = limit or settings.OUTBOX_BATCH_SIZE
    report = DeliveryReport()

    def clock() -> datetime:  # a given `now` stands for the whole pass (tests move the clock this way)
        return now or timezone.now()

    while True:
        batch = _claim(clock(), limit)
        if batch:
            _send_batch(batch, report, clock)
        # every claimed message has left the due set (sent, failed, or due again only later), so this ends
        if len(batch) < limit or not keep_going():
            return report


def where_mail_goes() -> str:
    """Where delivered messages go, in an operator's words (the Outbox page and `closeloop tick` say it)."""
    backend = settings.EMAIL_BACKEND
    if backend.endswith("smtp.EmailBackend"):
        security = " with STARTTLS" if settings.EMAIL_USE_TLS else " over TLS" if settings.EMAIL_USE_SSL else ""
        return f"the SMTP server {settings.EMAIL_HOST}:{settings.EMAIL_PORT}{security}"
    if backend.endswith("filebased.EmailBackend"):
        return (f"files in {settings.EMAIL_FILE_PATH} (no SMTP server is configured: set CLOSELOOP_SMTP_HOST "
                "to send them)")
    if backend.endswith("locmem.EmailBackend"):
        return "the test outbox in memory (nothing leaves this process)"
    return f"the mail backend {backend}"


def deliver_demo_outbox() -> DeliveryReport:
    """The demo desk's outbox delivered once, so it shows sent messages; with no SMTP server configured (as for
    `make run`) they are written to the mail directory."""
    return deliver_due()
