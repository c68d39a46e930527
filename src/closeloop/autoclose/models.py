"""Call Auto Close rules: per partition, which idle calls they watch, their reminders and expiry action."""

from __future__ import annotations

from typing import Any

from django.db import models

from closeloop.closure import CallType, ReasonFacts, Status
from closeloop.closure.autoclose import Audience, AutoCloseRuleFacts, DayCount, Expiry, Reminder

__all__ = ["AutoCloseRule", "AutoCloseRuleQuerySet"]


class AutoCloseRuleQuerySet(models.QuerySet["AutoCloseRule"]):
    """Rules are read through `visible_to`, the partitions' one visibility rule."""

    def visible_to(self, analyst: Any) -> AutoCloseRuleQuerySet:
        if analyst is None:
            return self
        return self.filter(partition__memberships__analyst=analyst)

    def in_order(self) -> AutoCloseRuleQuerySet:
        """The order rules are tried in: the first active match applies."""
        return self.order_by("partition__name", "position", "id")


class AutoCloseRule(models.Model):
    """A Call Auto Close rule: calls left without a decision (Forward for Closure, Forward to You for Close,
    On Hold) get reminders, then are closed with the rule's closure reason or escalated to its group.

    When several active rules of a partition match a call, the first by position applies.
    """

    objects = AutoCloseRuleQuerySet.as_manager()
    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE, related_name="auto_close_rules")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Rules are tried in this order; the first "
                                                                "active match applies")
    statuses = models.JSONField(default=list, help_text="Watched statuses (values of Status)")
    call_types = models.JSONField(default=list, blank=True, help_text="Empty: every call type")
    priorities = models.JSONField(default=list, blank=True, help_text="Empty: every priority")
    idle_days = models.PositiveSmallIntegerField()
    business_days = models.BooleanField(default=False, help_text="Count Monday to Friday only")
    reminders = models.JSONField(default=list, blank=True,
                                 help_text='Up to three: [{"after_days": 5, "to": ["target", "contact"]}]')
    expiry = models.CharField(max_length=10, choices=[(e.value, e.value) for e in Expiry], default=Expiry.CLOSE.value)
    closure_reason = models.ForeignKey("partitions.ClosureReason", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    comments = models.TextField(blank=True, help_text="Added to the closure comments of calls the rule closes")
    escalation_group = models.ForeignKey("partitions.IpkGroup", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    raise_priority = models.PositiveSmallIntegerField(default=0)
    priority_to = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partition__name", "position", "id"]
        verbose_name = "Call Auto Close rule"
        constraints = [models.UniqueConstraint(fields=["partition", "name"], name="autoclose_rule_name_unique")]

    @property
    def call_type_labels(self) -> list[str]:
        """The call types it watches, in users' words ("Service Request")."""
        return [CallType(t).label for t in self.call_types]

    def __str__(self) -> str:
        return self.name

    @property
    def day_count(self) -> DayCount:
        return DayCount.BUSINESS if self.business_days else DayCount.CALENDAR

    def as_value(self) -> AutoCloseRuleFacts:
        """The rule as the closure core sees it."""
        reason = self.closure_reason
        return AutoCloseRuleFacts(
            name=self.name,
            statuses=frozenset(Status(s) for s in self.statuses),
            idle_days=self.idle_days,
            expiry=Expiry(self.expiry),
            call_types=frozenset(CallType(t) for t in self.call_types),
            priorities=frozenset(int(p) for p in self.priorities),
            days=self.day_count,
            reminders=tuple(Reminder(int(r["after_days"]), frozenset(Audience(a) for a in r["to"]))
                            for r in self.reminders),
            reason=(ReasonFacts(reason.code, reason.active, frozenset(CallType(t) for t in reason.call_types),
                                reason.id, reason.unresolved) if reason is not None else None),
            comments=self.comments,
            escalation_group_id=self.escalation_group_id,
            raise_priority=self.raise_priority,
            priority_to=self.priority_to,
            active=self.active,
            position=self.position,
            rule_id=self.id,
        )
