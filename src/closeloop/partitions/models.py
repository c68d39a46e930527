"""Partitions and what each owns: IPK groups, closure settings (audited), reasons and checklist."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from closeloop.closure import CallType, ClosureMethod, ClosureRule, PartitionSettings
from closeloop.closure.sampling import SamplingPolicy

__all__ = [
    "PartitionQuerySet",
    "PartitionScopedQuerySet",
    "Partition",
    "IpkGroup",
    "ClosureSettings",
    "SettingsChange",
    "ClosureReason",
    "ClosureReasonType",
    "ChecklistItem",
    "RejectionCategory",
    "Category",
    "PriorityMatrix",
    "PartitionCalendar",
    "ClosureSlaTargets",
    "SamplingSettings",
    "DeskVersion",
]

CALL_TYPE_CHOICES = [(t.value, t.label) for t in CallType]


class PartitionQuerySet(models.QuerySet["Partition"]):
    """The one rule for which partitions someone may read: those they work in (a membership gives
    them an IPK role there). A General Access role does not widen it; the system operator sees all."""

    def visible_to(self, analyst: Any) -> PartitionQuerySet:
        if analyst is None:
            return self
        return self.filter(memberships__analyst=analyst)


class PartitionScopedQuerySet(models.QuerySet[Any]):
    """Rows that belong to one partition (groups, closure reasons, checklist items, rejection categories,
    audit rows): every list of them reads through `visible_to`, the partitions' one rule."""

    def visible_to(self, analyst: Any) -> PartitionScopedQuerySet:
        return self.filter(partition__in=Partition.objects.visible_to(analyst))


class Partition(models.Model):
    """A segment of the service desk with its own analysts, groups, calls and closure settings."""

    name = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartitionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IpkGroup(models.Model):
    """A group of analysts that calls are logged by, assigned to, or forwarded to for closure."""

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey(Partition, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="ipk_groups", blank=True)
    active = models.BooleanField(default=True)
    mailbox = models.EmailField(max_length=254, blank=True,
                                help_text="The group's own address: closure notifications go there "
                                          "instead of to each member")

    class Meta:
        ordering = ["partition__name", "name"]
        verbose_name = "IPK group"
        constraints = [models.UniqueConstraint(fields=["partition", "name"], name="group_name_unique_in_partition")]

    def __str__(self) -> str:
        return self.name


class ClosureSettings(models.Model):
    """A partition's closure settings; `version` grows with each audited save.

    A Closure Group validates resolved calls before they are closed: it is the last fallback of
    every closure rule, so method `rules` requires one.
    """

    partition = models.OneToOneField(Partition, on_delete=models.CASCADE, related_name="closure_settings")
    version = models.PositiveIntegerField(default=1)
    closure_method = models.CharField(max_length=20, choices=[(m.value, m.value) for m in ClosureMethod],
                                      default=ClosureMethod.COMMENTS.value)
    closure_rule = models.CharField(max_length=20, choices=[(r.value, r.value) for r in ClosureRule],
                                    default=ClosureRule.LOGGED_BY.value)
    closure_group = models.ForeignKey(IpkGroup, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    require_independent_closer = models.BooleanField(default=False)
    allow_designated_closer = models.BooleanField(default=False)
    closure_reason_required = models.BooleanField(default=True)
    contact_required = models.BooleanField(default=True, help_text="New calls must name their contact")
    acceptance_closes = models.BooleanField(
        default=False, help_text="The contact's acceptance closes the call at once, with the acceptance reason")
    acceptance_reason = models.ForeignKey("ClosureReason", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    resolver_may_close_unresolved = models.BooleanField(
        default=False, help_text="The resolver may close a call as Closed/Unresolved before resolving it")

    class Meta:
        verbose_name_plural = "closure settings"

    def __str__(self) -> str:
        return f"Closure settings of {self.partition} (v{self.version})"

    def as_value(self) -> PartitionSettings:
        return PartitionSettings(
            closure_method=ClosureMethod(self.closure_method),
            closure_rule=ClosureRule(self.closure_rule),
            closure_group_id=self.closure_group_id,
            require_independent_closer=self.require_independent_closer,
            allow_designated_closer=self.allow_designated_closer,
            closure_reason_required=self.closure_reason_required,
            contact_required=self.contact_required,
            acceptance_closes=self.acceptance_closes,
            acceptance_reason_id=self.acceptance_reason_id,
            resolver_may_close_unresolved=self.resolver_may_close_unresolved,
        )


class SettingsChange(models.Model):
    """The audit trail of a partition's configuration: who changed what, when, why, before and after."""

    class Subject(models.TextChoices):
        CLOSURE_SETTINGS = "closure_settings", "Closure settings"
        CLOSURE_REASONS = "closure_reasons", "Closure reasons"
        CHECKLIST = "checklist", "Closure checklist"
        REJECTION_CATEGORIES = "rejection_categories", "Rejection categories"
        GROUPS = "groups", "IPK groups"
        ANALYSTS = "analysts", "Analysts and roles"
        AUTO_CLOSE_RULES = "auto_close_rules", "Call Auto Close rules"
        CATEGORIES = "categories", "Call categories"
        PRIORITY_MATRIX = "priority_matrix", "Priority matrix"
        BUSINESS_CALENDAR = "business_calendar", "Business calendar"
        CLOSURE_SLA = "closure_sla", "Closure SLA targets"
        SAMPLING_POLICY = "sampling_policy", "Sampling policy"

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey(Partition, on_delete=models.CASCADE, related_name="settings_changes")
    subject = models.CharField(max_length=30, choices=Subject.choices)
    version = models.PositiveIntegerField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="Empty when the system operator changed it")
    changed_at = models.DateTimeField(auto_now_add=True)
    change_reason = models.TextField()
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["partition", "subject", "-changed_at"])]

    @property
    def diff(self) -> dict[str, tuple[object, object]]:
        keys = sorted(set(self.before) | set(self.after))
        return {k: (self.before.get(k), self.after.get(k)) for k in keys
                if self.before.get(k) != self.after.get(k)}

    @property
    def changed_by_name(self) -> str:
        return self.changed_by.username if self.changed_by else "system"


class ClosureReason(models.Model):
    """Why a call was closed ("Fixed", "Workaround given"); linked to the call types it applies to."""

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey(Partition, on_delete=models.CASCADE, related_name="closure_reasons")
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    unresolved = models.BooleanField(
        default=False, help_text="For Closed/Unresolved (cancelled, duplicate, no response), not for resolutions")

    class Meta:
        ordering = ["partition__name", "code"]
        constraints = [models.UniqueConstraint(fields=["partition", "code"], name="reason_code_unique_in_partition")]

    def __str__(self) -> str:
        return f"{self.code} - {self.label}"

    @property
    def call_types(self) -> list[str]:
        return [link.call_type for link in self.type_links.all()]


class ClosureReasonType(models.Model):
    """Links a closure reason to one call type it may be used for."""

    reason = models.ForeignKey(ClosureReason, on_delete=models.CASCADE, related_name="type_links")
    call_type = models.CharField(max_length=20, choices=CALL_TYPE_CHOICES)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reason", "call_type"], name="reason_type_once")]


class ChecklistItem(models.Model):
    """One check a closer makes before closing ("Resolution describes root cause")."""

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey(Partition, on_delete=models.CASCADE, related_name="checklist_items")
    text = models.CharField(max_length=200)
    required = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    answered_by_contact = models.BooleanField(
        default=False, help_text="Ticked for the closer when the contact accepted the resolution (\"User "
                                 "confirmed the fix\")")

    class Meta:
        ordering = ["partition_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class RejectionCategory(models.Model):
    """Why a resolution was sent back (incomplete documentation, not fixed, ...), for the reports."""

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey(Partition, on_delete=models.CASCADE, related_name="rejection_categories")
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["partition_id", "code"]
        verbose_name_plural = "rejection categories"
        constraints = [models.UniqueConstraint(fields=["partition", "code"], name="rejection_code_unique_in_partition")]

    def __str__(self) -> str:
        return self.label


class Category(models.Model):
    """A call category of a partition ("Hardware › Laptop › Battery"): a tree analysts file calls under, so
    closure groups can study trends per category."""

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey(Partition, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["partition__name", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["partition", "parent", "name"], name="category_name_unique_in_parent"),
            # the top level has no parent, and NULLs are distinct in a unique constraint
            models.UniqueConstraint(fields=["partition", "name"], condition=models.Q(parent__isnull=True),
                                    name="category_top_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PriorityMatrix(models.Model):
    """A partition's impact × urgency → priority matrix (P1–P4). A partition without a row uses the
    default matrix of `closure.priority`. Changes are audited like closure settings."""

    partition = models.OneToOneField(Partition, on_delete=models.CASCADE, related_name="priority_matrix")
    # {"impact,urgency": priority}, e.g. {"1,1": 1, "1,2": 2, ...}; every cell present
    cells = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "priority matrices"

    def as_matrix(self) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for key, value in self.cells.items():
            impact, urgency = key.split(",")
            out[(int(impact), int(urgency))] = int(value)
        return out


class PartitionCalendar(models.Model):
    """A partition's business calendar: its time zone, working hours per weekday and holidays. The
    closure-stage SLA counts business time on it. A partition without a row works Monday to Friday,
    09:00 to 17:00 in the install's time zone, with no holidays. Changes are audited."""

    partition = models.OneToOneField(Partition, on_delete=models.CASCADE, related_name="calendar")
    timezone = models.CharField(max_length=64, help_text="An IANA time zone name, e.g. Europe/London")
    # {"mon": "09:00-17:00", ..., "sun": "closed"}; every weekday present
    hours = models.JSONField(default=dict)
    # [{"date": "2026-12-25", "name": "Christmas Day"}], by date
    holidays = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Business calendar of {self.partition} (v{self.version})"


class ClosureSlaTargets(models.Model):
    """A partition's closure-stage targets: the business minutes a resolved call of each priority may wait
    for its closure verdict (empty: no target for that priority), and the share of the target after which
    it is about to breach. A partition without a row has no closure SLA. Changes are audited."""

    partition = models.OneToOneField(Partition, on_delete=models.CASCADE, related_name="closure_sla")
    p1_minutes = models.PositiveIntegerField(null=True, blank=True)
    p2_minutes = models.PositiveIntegerField(null=True, blank=True)
    p3_minutes = models.PositiveIntegerField(null=True, blank=True)
    p4_minutes = models.PositiveIntegerField(null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(default=75)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "closure SLA targets"

    def __str__(self) -> str:
        return f"Closure SLA targets of {self.partition} (v{self.version})"

    def minutes(self) -> dict[int, int]:
        """{priority: business minutes} for the priorities with a target."""
        values = {1: self.p1_minutes, 2: self.p2_minutes, 3: self.p3_minutes, 4: self.p4_minutes}
        return {p: m for p, m in values.items() if m}


class SamplingSettings(models.Model):
    """A partition's sampling policy: which resolved calls its closure target must validate (those matching a
    condition, and a random share of the rest); the others close on the contact's acceptance or at the
    expiry of a Call Auto Close rule. A partition without a row, or with the policy disabled, validates every
    call as its closure settings say. Changes are audited like closure settings."""

    partition = models.OneToOneField(Partition, on_delete=models.CASCADE, related_name="sampling_settings")
    version = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=False)
    min_priority = models.PositiveSmallIntegerField(null=True, blank=True,
                                                    help_text="Sample every call at this priority or above (1-4)")
    call_types = models.JSONField(default=list, blank=True, help_text="Call types always sampled")
    rejected_or_refused_before = models.BooleanField(default=False)
    resolver_rejection_rate_above = models.FloatField(null=True, blank=True,
                                                      help_text="Percent of the resolver's verdicts in 30 days")
    resolver_first_n = models.PositiveIntegerField(default=0)
    random_percent = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sampling settings"

    def __str__(self) -> str:
        return f"Sampling policy of {self.partition} (v{self.version})"

    def as_value(self) -> SamplingPolicy:
        return SamplingPolicy(
            enabled=self.enabled, min_priority=self.min_priority,
            call_types=frozenset(CallType(t) for t in self.call_types),
            rejected_or_refused_before=self.rejected_or_refused_before,
            resolver_rejection_rate_above=self.resolver_rejection_rate_above,
            resolver_first_n=self.resolver_first_n, random_percent=self.random_percent)


class DeskVersion(models.Model):
    """One row whose number changes with every change to the partitions' people, roles, groups and closure
    settings. Each app node keeps the directory and settings it read for as long as the number stays the same
    (`partitions.snapshot`), and reads the number with the signed-in analyst: no query of its own."""

    version = models.BigIntegerField(default=0)
