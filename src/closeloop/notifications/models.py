"""The outbox: every e-mail Closeloop sends, written in the transaction of the change that causes it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from closeloop.closure.notices import NoticeKind
from closeloop.partitions.models import Partition

__all__ = ["OutboxQuerySet", "OutboxMessage", "NotificationPreference", "ClosureSlaNotice"]


class OutboxQuerySet(models.QuerySet["OutboxMessage"]):
    """Every read of the outbox goes through `visible_to`: an analyst sees the messages of the partitions they
    work in (the partitions' one rule); the system operator sees all, including messages of no partition."""

    def visible_to(self, analyst: Any) -> OutboxQuerySet:
        if analyst is None:
            return self
        return self.filter(partition__in=Partition.objects.visible_to(analyst))


class OutboxMessage(models.Model):
    """One e-mail to one recipient, rendered when it was queued, and where its delivery stands.

    Written in the same transaction as the call change it tells of, so a change that is rolled back sends
    nothing; the worker delivers it, retrying with back-off, and marks it sent or (after the last try) failed.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    partition = models.ForeignKey("partitions.Partition", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    call = models.ForeignKey("calls.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.ForeignKey("calls.CallEvent", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="The call event that caused the message")
    kind = models.CharField(max_length=40)
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="The analyst it is for (empty for contacts and "
                                                            "group mailboxes)")
    recipient = models.EmailField(max_length=254)
    recipient_name = models.CharField(max_length=150, blank=True)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="Not delivered before this time (back-off after a failure)")
    claimed_until = models.DateTimeField(null=True, blank=True,
                                         help_text="A worker is delivering it until then; another may after")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
                   models.Index(fields=["partition", "state", "-created_at"], name="outbox_partition_state")]
        constraints = [
            # the same event never tells the same person the same thing twice
            models.UniqueConstraint(fields=["event", "kind", "recipient"], name="outbox_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.subject}"

    @property
    def kind_label(self) -> str:
        """What the message tells, in users' words ("Call resolved")."""
        try:
            return NoticeKind(self.kind).label
        except ValueError:  # a message written by an operator's tool, not a notice
            return self.kind.replace("_", " ").capitalize()


class NotificationPreference(models.Model):
    """Whether an analyst wants one kind of notification; without a row they get it."""

    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preferences")
    kind = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["analyst", "kind"], name="preference_once_per_kind")]


class ClosureSlaNotice(models.Model):
    """That a call was told about to breach, or breached, its closure-stage SLA in one closure stage (the
    stage is known by when its clock started): each is sent once per stage, however many worker passes run."""

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+")
    stage_started_at = models.DateTimeField(help_text="When the call entered the closure stage (resolved)")
    kind = models.CharField(max_length=40)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "stage_started_at", "kind"],
                                               name="closure_sla_notice_once_per_stage")]
