"""Daily roll-ups the reports read instead of a year of calls, history events and closure decisions.

Each table holds, per partition and per day (in the desk's time zone), how many calls or decisions fall
under each combination of what a report splits them by. A report over a period adds up the days of the
period: its cost depends on the days and the desk's groups and people, not on how many calls there were.

They are kept in step by the reports area's `CallChanged` handler (`rollups.count_call_event`), in the
transaction that changes the call, so a rolled-back change leaves them as they were; bulk loads and
restores rebuild them (`rollups.rebuild_rollups`, `closeloop report-rollups rebuild`).

People, groups, reasons and categories are stored by id, 0 meaning none (a unique key treats NULLs as all
different on both engines, so the upsert that adds to a row could not find a row with a NULL in its key).
Reports look the names up when they read, so renaming a group renames it in every past day too.
"""

from __future__ import annotations

from django.db import models

from closeloop.calls.models import Call, ClosureDecision

__all__ = ["CallFlowDay", "CallFlowKey", "DecisionDay", "ClosedCallDay", "ClosureSlaDay", "NONE"]

NONE = 0  # no group, analyst, reason or category


class CallFlowDay(models.Model):
    """Trends: calls logged, resolved, closed and auto-closed on one day, by the type and the group the calls
    have now (a call reassigned to another group takes its whole history to that group, as the report says)."""

    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE, related_name="+",
                                  db_index=False)  # the key, (partition, day, ...), serves every read
    day = models.DateField()
    call_type = models.CharField(max_length=20, choices=Call.TYPE_CHOICES)
    group_key = models.IntegerField(help_text="The assigned group's id, 0 for none")
    logged = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    auto_closed = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partition", "day", "call_type", "group_key"],
                                               name="callflowday_key")]


class CallFlowKey(models.Model):
    """Where a call's history is counted in `CallFlowDay` now: its type and assigned group as last counted.
    When an edit, an assignment or an escalation changes them, the call's counts move to the new ones."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, primary_key=True, related_name="+")
    call_type = models.CharField(max_length=20, choices=Call.TYPE_CHOICES)
    group_key = models.IntegerField(help_text="The assigned group's id, 0 for none")


class DecisionDay(models.Model):
    """Rejection rate: closure-stage decisions of one day, by outcome, whether the resolution was checked for
    the first time, resolver, resolver group, call type, rejection category and whether the resolution judged
    was sampled for validation."""

    class Sampling(models.TextChoices):
        SAMPLED = "sampled", "sampled (validated by the closure target)"
        UNSAMPLED = "unsampled", "not sampled (closed on the contact's word)"
        NO_POLICY = "no_policy", "resolved under no sampling policy"

    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE, related_name="+",
                                  db_index=False)  # the key, (partition, day, ...), serves every read
    day = models.DateField()
    outcome = models.CharField(max_length=30, choices=ClosureDecision.Outcome.choices)
    first_decision = models.BooleanField(help_text="No closer or contact had sent this resolution back before")
    resolver_key = models.IntegerField(help_text="The resolver's id, 0 for none")
    resolver_group_key = models.IntegerField(help_text="The resolver group's id, 0 for none")
    call_type = models.CharField(max_length=20, choices=Call.TYPE_CHOICES)
    category_key = models.IntegerField(help_text="The rejection category's id, 0 for none")
    sampling = models.CharField(max_length=12, choices=Sampling.choices, default=Sampling.NO_POLICY,
                                help_text="Whether the resolution it judged was sampled (ClosureDecision.sampled)")
    decisions = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["partition", "day", "outcome", "first_decision", "resolver_key", "resolver_group_key", "call_type",
                    "category_key", "sampling"], name="decisionday_key")]


class ClosedCallDay(models.Model):
    """Time to close, closure reasons and auto-closed shares: calls closed on one day (Closed or
    Closed/Unresolved), by type, reason, closure group, closer, resolver, whether a Call Auto Close rule closed
    them, and how long they waited to be closed after their resolve (a bucket of `waits.WAIT_BUCKETS`)."""

    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE, related_name="+",
                                  db_index=False)  # the key, (partition, day, ...), serves every read
    day = models.DateField()
    status = models.CharField(max_length=30)
    call_type = models.CharField(max_length=20, choices=Call.TYPE_CHOICES)
    reason_key = models.IntegerField(help_text="The closure reason's id, 0 for none")
    closure_group_key = models.IntegerField(help_text="The group the call waited for, 0 for none")
    closer_key = models.IntegerField(help_text="Who closed it, 0 for the system")
    resolver_key = models.IntegerField(help_text="Who resolved it, 0 for nobody")
    auto_closed = models.BooleanField()
    wait_bucket = models.IntegerField(help_text="The bucket of its time from resolve to close; -1 when not timed "
                                                "(Closed/Unresolved, or never resolved)")
    calls = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["partition", "day", "status", "call_type", "reason_key", "closure_group_key", "closer_key",
                    "resolver_key", "auto_closed", "wait_bucket"], name="closedcallday_key")]


class ClosureSlaDay(models.Model):
    """Closure SLA: closure-stage verdicts of one day met or breached, as each decision recorded it when it was
    made (`ClosureDecision.closure_sla_met`), by the group a closed call waited for, who decided, the call's
    priority then and the outcome. Decisions without a verdict (no target for their priority) are not counted."""

    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE, related_name="+",
                                  db_index=False)  # the key, (partition, day, ...), serves every read
    day = models.DateField()
    closure_group_key = models.IntegerField(help_text="For a close, the group the call waited for; 0 for none, "
                                                      "and for a rejection or a refusal")
    closer_key = models.IntegerField(help_text="Who decided, 0 for nobody (the contact, Call Auto Close, the "
                                               "system: the outcome tells which)")
    priority = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=30, choices=ClosureDecision.Outcome.choices)
    met = models.BooleanField()
    verdicts = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["partition", "day", "closure_group_key", "closer_key", "priority", "outcome", "met"],
            name="closuresladay_key")]
