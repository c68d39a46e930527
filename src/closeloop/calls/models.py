"""Calls, their history and their closure-stage decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Q

from closeloop.closure import CLOSURE_STATUSES, Action, CallFacts, CallType, Status
from closeloop.closure.priority import Impact, Urgency
from closeloop.closure.routing import facts_for_routing
from closeloop.closure.sampling import NO_POLICY, SamplingDecision
from closeloop.closure.unresolved import UnresolvedKind, unresolved_headline
from closeloop.partitions.models import Partition

__all__ = ["Call", "CallEvent", "ClosureDecision", "RefCounter", "CallQuerySet", "attach_names", "fact_columns",
           "FACT_SOURCES", "STATUS_OF", "CALL_TYPE_OF", "TIME_FACTS", "facts_from", "Attachment", "SavedSearch",
           "attach_categories", "visible_partition_ids"]

USER = settings.AUTH_USER_MODEL
# Answers the contact gives through the links of the resolved e-mail (recorded with no analyst as actor)
CONTACT_ACTIONS = frozenset({Action.USER_ACCEPT.value, Action.ACCEPT_AND_CLOSE.value, Action.USER_REFUSE.value})


# Everything a shown call names, besides its partition and closure reason (joined in the same query).
PEOPLE = ("logged_by", "assigned_analyst", "resolved_by", "closure_target_analyst", "closed_by")
GROUPS = ("log_group", "assigned_group", "closure_target_group")


def visible_partition_ids(analyst: Any) -> list[int]:
    """The ids of the partitions `analyst` may read (`Partition.objects.visible_to`)."""
    return list(Partition.objects.visible_to(analyst).order_by().values_list("id", flat=True))


class CallQuerySet(models.QuerySet["Call"]):
    """Every read of calls goes through `visible_to`, so no page or endpoint can forget partitions."""

    _with_relations = False

    def visible_to(self, analyst: Any, *, listed: Sequence[int] | None = None) -> CallQuerySet:
        """The calls in the partitions `analyst` may read (`Partition.objects.visible_to`, the one rule).

        `listed` (SQLite; PostgreSQL plans this by itself): those partitions' ids, read first with
        `visible_partition_ids`, for a text search. Through the join of memberships SQLite reads every call of
        those partitions and sorts a common word's matches (180-330 ms at 1M calls); given the ids as constants
        it weighs them, with or without statistics, against the other conditions, and walks the newest calls of
        the partitions, or a status's calls, whichever is cheapest (a subquery in their place was planned as
        the join on a desk without statistics)."""
        if analyst is None:  # the system operator sees every partition
            return self
        if listed is not None and connection.vendor == "sqlite":
            return self.filter(partition_id__in=list(listed))
        return self.filter(partition__memberships__analyst=analyst)

    def with_relations(self) -> CallQuerySet:
        """Calls with everything they show: partition, reason and contact joined, then the analysts and groups
        they name in one query each.

        Joining all ten relations in one query costs PostgreSQL 10-40 ms of planning (it weighs every
        join order of a dozen tables) for well under a millisecond of work; three plain queries don't.
        """
        qs = self.select_related("partition", "closure_reason", "contact", "duplicate_of")
        qs._with_relations = True
        return qs

    def with_duplicates_known(self) -> CallQuerySet:
        """Calls knowing whether any call was closed as their duplicate: their answer lists those only then."""
        return self.annotate(has_duplicates=models.Exists(Call.objects.filter(duplicate_of=models.OuterRef("pk"))))

    def facts_rows(self, *extra: str, times: bool = True) -> CallQuerySet:
        """The calls as `values()` rows of the columns the closure core reads (see `facts_from`), and `extra`
        columns: for reading thousands of calls without making a model instance of each.

        `times=False` leaves out the call's own times (TIME_FACTS), which no rule a preview replays reads:
        parsing them was a third of what reading a preview's calls cost."""
        columns = FACT_SOURCES if times else tuple(c for c in FACT_SOURCES if c not in TIME_FACTS)
        return self.values(*columns, *extra)  # type: ignore[return-value]

    def routing_facts(self) -> list[CallFacts]:
        """The calls as routing reads them (`facts_for_routing`), from rows of only those columns: for checking
        or previewing where thousands of calls go."""
        return [facts_for_routing(ref, STATUS_OF[status], *ids) for ref, status, *ids in
                self.values_list(*ROUTING_COLUMNS)]

    def _clone(self) -> CallQuerySet:
        clone: CallQuerySet = super()._clone()  # type: ignore[misc]
        clone._with_relations = self._with_relations
        return clone

    def _fetch_all(self) -> None:
        fetched = self._result_cache is None
        super()._fetch_all()  # type: ignore[misc]
        if fetched and self._with_relations and self._result_cache:
            attach_names([c for c in self._result_cache if isinstance(c, Call)])


def attach_names(calls: list[Call]) -> None:
    """Fill the analysts and groups a list of calls names, with one query for each kind."""
    for relations in (PEOPLE, GROUPS):
        fields = [Call._meta.get_field(name) for name in relations]
        ids = {getattr(call, f.attname) for call in calls for f in fields} - {None}
        rows = fields[0].related_model._default_manager.in_bulk(ids) if ids else {}  # type: ignore[union-attr]
        for call in calls:
            for f in fields:
                f.set_cached_value(call, rows.get(getattr(call, f.attname)))  # type: ignore[union-attr]
    attach_categories(calls)


def attach_categories(calls: list[Call]) -> None:
    """Fill each call's category with its parents (to show its path) from one query, none if no call has one."""
    if not any(call.category_id for call in calls):
        return
    link = Call._meta.get_field("category")
    parent = link.related_model._meta.get_field("parent")  # type: ignore[union-attr]
    # a partition's whole tree is small: read it all, and every parent is at hand
    partitions = {call.partition_id for call in calls if call.category_id}
    rows = {row.id: row for row in link.related_model._default_manager.filter(  # type: ignore[union-attr]
        partition_id__in=partitions)}
    for row in rows.values():
        parent.set_cached_value(row, rows.get(row.parent_id))  # type: ignore[union-attr]
    for call in calls:
        link.set_cached_value(call, rows.get(call.category_id))  # type: ignore[union-attr]


def _as_kept(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class Call(models.Model):
    """An incident, problem, major incident, known error or service request, from logging to close."""

    TYPE_CHOICES = [(t.value, t.label) for t in CallType]
    STATUS_CHOICES = [(s.value, s.label) for s in Status]
    # the history events the last action on this instance recorded (set by `services.save_changes`), so an
    # answer that tells what the action did need not read them back
    recorded_events: Sequence[CallEvent] = ()

    partition = models.ForeignKey("partitions.Partition", on_delete=models.PROTECT, related_name="calls")
    ref = models.CharField(max_length=20, unique=True)
    call_type = models.CharField(max_length=20, choices=TYPE_CHOICES)
    summary = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(default=3)
    # priority is read off the partition's impact × urgency matrix when both are given
    impact = models.PositiveSmallIntegerField(default=Impact.MEDIUM.value,
                                              choices=[(i.value, i.name.title()) for i in Impact])
    urgency = models.PositiveSmallIntegerField(default=Urgency.MEDIUM.value,
                                               choices=[(u.value, u.name.title()) for u in Urgency])
    category = models.ForeignKey("partitions.Category", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="calls")
    status = models.CharField(max_length=30, choices=STATUS_CHOICES, default=Status.LOGGED.value)

    logged_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField()
    log_group = models.ForeignKey("partitions.IpkGroup", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    assigned_group = models.ForeignKey("partitions.IpkGroup", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    assigned_analyst = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    closure_target_analyst = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="+")
    closure_target_group = models.ForeignKey("partitions.IpkGroup", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    forwarded_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the call last entered a closure status")
    closure_reason = models.ForeignKey("partitions.ClosureReason", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    closure_comments = models.TextField(blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    times_rejected = models.PositiveIntegerField(default=0)
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="calls", help_text="The end user who reported the call")
    user_confirmed_at = models.DateTimeField(null=True, blank=True,
                                             help_text="When the contact accepted the resolution")
    times_refused = models.PositiveIntegerField(default=0, help_text="Resolutions the contact refused")
    # SET_NULL as for `problem`: Django cannot delete a set of calls holding a PROTECTed link to each other
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates", help_text="Closed/Unresolved as a duplicate of")
    unresolved_kind = models.CharField(max_length=20, blank=True, default="",
                                       choices=[(k.value, k.label) for k in UnresolvedKind],
                                       help_text="Why a Closed/Unresolved call was closed without a resolution")
    last_action_at = models.DateTimeField(null=True, blank=True,
                                          help_text="The last action on the call (reminders excepted): "
                                                    "Call Auto Close rules count idle time from it")
    problem = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="linked_calls", help_text="The Problem raised for this call")
    # the sampling decision of its last resolution; the defaults mean "under no policy" (validated as the
    # closure settings say), as for every call resolved before sampling existed
    sampled = models.BooleanField(default=True, help_text="Its closure target must validate it")
    sampling_draw = models.FloatField(null=True, blank=True,
                                      help_text="The random draw recorded at resolve time (empty: no policy)")
    sampling_reasons = models.JSONField(default=list, blank=True, help_text="Why it was or was not sampled")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-logged_at"]
        indexes = [
            # Calls Outstanding counts each queue through its own index, reading index entries only: the
            # analyst's own calls in one partition, a group's unassigned calls, and the calls waiting in the queue
            # of the group that logged them (those two partial: only calls nobody is assigned to)
            models.Index(fields=["assigned_analyst", "status", "partition"], name="call_assignee_queue"),
            models.Index(fields=["assigned_group", "status"], name="call_group_queue",
                         condition=Q(assigned_analyst__isnull=True, assigned_group__isnull=False)),
            models.Index(fields=["log_group", "status"], name="call_unassigned_queue",
                         condition=Q(assigned_analyst__isnull=True, assigned_group__isnull=True)),
            # logged_at last, so a group's list filtered by status comes out of the index already in order
            models.Index(fields=["assigned_group", "status", "logged_at"], name="call_group_status_logged"),
            models.Index(fields=["closure_target_analyst", "status"], name="call_closer_status"),
            models.Index(fields=["closure_target_group", "status"], name="call_closergroup_status"),
            models.Index(fields=["partition", "status", "logged_at"], name="call_partition_status"),
            models.Index(fields=["partition", "logged_at"], name="call_partition_logged"),
            models.Index(fields=["partition", "closed_at"], name="call_partition_closed"),
            # the auto-close pass: calls in a watched status, idle the longest first
            models.Index(fields=["status", "last_action_at"], name="call_status_idle"),
            # the calls list's default order, newest first, across partitions: a search or filter walks this
            # index and stops at the page's last call instead of sorting every call the analyst may see
            models.Index(fields=["-logged_at", "-id"], name="call_logged_newest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4), name="call_priority_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.summary}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Call:
        call = super().from_db(db, field_names, values)
        # the row as read (lists copied: they can be changed in place), so an action writes back only what it
        # changed; a row read in part is written whole
        call._as_read = {name: _as_kept(value) for name, value in zip(field_names, values, strict=True)} \
            if len(values) == len(cls._meta.concrete_fields) else None
        return call

    def changed_fields(self) -> list[str] | None:
        """The fields set to another value since the row was read, with `updated_at` (each write sets it), or
        None for a call not read whole from the database (a new call: written whole)."""
        as_read = getattr(self, "_as_read", None)
        if as_read is None or self._state.adding:
            return None
        return [f.attname for f in self._meta.concrete_fields
                if f.attname == "updated_at" or (not f.primary_key and getattr(self, f.attname) != as_read[f.attname])]

    def save_changed(self) -> None:
        """Write the fields changed since the row was read: an action's UPDATE names a handful of columns instead
        of every one (a third of the cost of building the statement)."""
        changed = self.changed_fields()
        self.save(update_fields=changed)  # None: every field
        if changed is not None:
            self._as_read.update({name: _as_kept(getattr(self, name)) for name in changed})

    @property
    def in_closure_stage(self) -> bool:
        """Resolved and waiting for its validator: the second part of the close."""
        return Status(self.status) in CLOSURE_STATUSES

    @property
    def status_headline(self) -> str:
        """The status as users read it; a Closed/Unresolved call says why ("... — Duplicate of INC-000012")."""
        if self.status != Status.CLOSED_UNRESOLVED.value:
            return Status(self.status).label
        original = self.duplicate_of.ref if self.duplicate_of_id is not None and self.duplicate_of else None
        return unresolved_headline(UnresolvedKind(self.unresolved_kind) if self.unresolved_kind else None, original)

    def sampling(self) -> SamplingDecision:
        """The sampling decision recorded when it was last resolved."""
        return SamplingDecision(self.sampled, tuple(self.sampling_reasons or (NO_POLICY,)), self.sampling_draw)

    @property
    def sampled_under_policy(self) -> bool | None:
        """Sampled or not under a policy; None when it was resolved under none (for its closure decisions)."""
        return self.sampled if self.sampling_draw is not None else None

    def record_sampling(self, decision: SamplingDecision) -> None:
        """Keep a new sampling decision on the row (not saved yet)."""
        self.sampled, self.sampling_draw, self.sampling_reasons = decision.sampled, decision.draw, list(
            decision.reasons)

    def facts(self) -> CallFacts:
        """The call as the closure core sees it."""
        return facts_from({column: getattr(self, column) for column in FACT_SOURCES})

    def take_facts(self, facts: CallFacts) -> None:
        """Write what the closure core decided back onto the row (not saved yet)."""
        for column, value in fact_columns(facts).items():
            setattr(self, column, value)


# The columns the closure core reads, as `values()` names them (the attribute names of a Call)
FACT_SOURCES = ("ref", "call_type", "status", "logged_by_id", "log_group_id", "resolved_by_id",
                "closure_target_analyst_id", "closure_target_group_id", "assigned_group_id", "assigned_analyst_id",
                "resolution", "resolved_at", "forwarded_at", "closure_comments", "closure_reason_id", "closed_by_id",
                "closed_at", "times_rejected", "problem_id", "priority", "user_confirmed_at", "times_refused",
                "duplicate_of_id", "unresolved_kind")
# The call's own times among them: no rule a preview replays (routing, Call Auto Close) reads them
TIME_FACTS = ("resolved_at", "forwarded_at", "closed_at", "user_confirmed_at")


# Of a call, what routing reads (its reference and ROUTING_INPUT), in `facts_for_routing`'s order
ROUTING_COLUMNS = ("ref", "status", "closure_target_analyst_id", "closure_target_group_id", "logged_by_id",
                   "log_group_id", "resolved_by_id")

# Enum lookups by value, a tenth of `Status(value)`'s cost (a preview makes tens of thousands)
STATUS_OF: dict[str, Status] = {status.value: status for status in Status}
CALL_TYPE_OF: dict[str, CallType] = {call_type.value: call_type for call_type in CallType}


def facts_from(row: Mapping[str, Any]) -> CallFacts:
    """The call as the closure core sees it, from its FACT_SOURCES columns: a Call or a `values()` row (the
    previews read thousands of calls as rows, without making model instances). A row read without the call's
    times (`facts_rows(times=False)`) gives facts whose times are None."""
    kind = row["unresolved_kind"]
    return CallFacts.made(
        ref=row["ref"], call_type=CALL_TYPE_OF[row["call_type"]], status=STATUS_OF[row["status"]],
        logged_by_id=row["logged_by_id"], log_group_id=row["log_group_id"], resolved_by_id=row["resolved_by_id"],
        target_analyst_id=row["closure_target_analyst_id"], target_group_id=row["closure_target_group_id"],
        assigned_group_id=row["assigned_group_id"], assigned_analyst_id=row["assigned_analyst_id"],
        resolution=row["resolution"], resolved_at=row.get("resolved_at"), forwarded_at=row.get("forwarded_at"),
        closure_comments=row["closure_comments"], closure_reason_id=row["closure_reason_id"],
        closed_by_id=row["closed_by_id"], closed_at=row.get("closed_at"), times_rejected=row["times_rejected"],
        problem_id=row["problem_id"], priority=row["priority"], user_confirmed_at=row.get("user_confirmed_at"),
        times_refused=row["times_refused"], duplicate_of_id=row["duplicate_of_id"],
        unresolved_kind=UnresolvedKind(kind) if kind else None)


def fact_columns(facts: CallFacts) -> dict[str, Any]:
    """The call's columns that the closure core changes, from its facts (rows and bulk loads alike)."""
    return {
        "status": facts.status.value,
        "logged_by_id": facts.logged_by_id,
        "log_group_id": facts.log_group_id,
        "assigned_group_id": facts.assigned_group_id,
        "assigned_analyst_id": facts.assigned_analyst_id,
        "resolution": facts.resolution,
        "resolved_by_id": facts.resolved_by_id,
        "resolved_at": facts.resolved_at,
        "closure_target_analyst_id": facts.target_analyst_id,
        "closure_target_group_id": facts.target_group_id,
        "forwarded_at": facts.forwarded_at,
        "closure_reason_id": facts.closure_reason_id,
        "closure_comments": facts.closure_comments,
        "closed_by_id": facts.closed_by_id,
        "closed_at": facts.closed_at,
        "times_rejected": facts.times_rejected,
        "problem_id": facts.problem_id,
        "priority": facts.priority,
        "user_confirmed_at": facts.user_confirmed_at,
        "times_refused": facts.times_refused,
        "duplicate_of_id": facts.duplicate_of_id,
        "unresolved_kind": facts.unresolved_kind.value if facts.unresolved_kind is not None else "",
    }


class CallEvent(models.Model):
    """One entry of a call's history: who did what, when, from which status to which, and details."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text="Empty when the system operator acted")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # a work-log note (or an action's note) the contact may read; every other note is internal
    visible_to_contact = models.BooleanField(default=False)
    # whether the reports' daily roll-ups count this event yet: `reports.rollups.catch_up` folds the others in,
    # in the worker and before a report reads them, so an action writes no roll-up row itself
    rolled_up = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"]),
                   # the events the roll-ups do not count yet: a few, found without reading the others
                   models.Index(fields=["id"], name="callevent_not_rolled_up", condition=Q(rolled_up=False)),
                   # the reminders a call got since its last action (Call Auto Close and its preview): a few
                   # rows, where the index of all events makes each call read its whole history
                   models.Index(fields=["call", "at"], name="callevent_reminders", condition=Q(action="remind"))]

    @property
    def actor_name(self) -> str:
        """Who acted: the analyst, the contact (named when the call has one) for their answers, or the system."""
        if self.actor_id is None and self.action in CONTACT_ACTIONS:
            name = (self.details or {}).get("contact")
            return f"the contact, {name}" if name else "the contact"
        return self.actor.username if self.actor else "system"


class ClosureDecision(models.Model):
    """A closure-stage verdict (closed, rejected by a closer, or refused by the contact), with the checklist
    answers: raw material for reports. A close on the contact's acceptance is a closure decided by nobody
    (the system, on the contact's word)."""

    class Outcome(models.TextChoices):
        CLOSED_FIRST_TIME = "closed_first_time", "Closed first time"
        CLOSED_AFTER_REJECTION = "closed_after_rejection", "Closed after rejection"
        REJECTED = "rejected", "Rejected"
        REFUSED_BY_USER = "refused_by_user", "Refused by the contact"
        # closed by a Call Auto Close rule at expiry: nobody validated the resolution
        AUTO_CLOSED = "auto_closed", "Auto-closed"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="closure_decisions")
    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    rejections_before = models.PositiveIntegerField(default=0)
    resolver = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)  # (resolver, decided_at) below serves it
    resolver_group = models.ForeignKey("partitions.IpkGroup", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    call_type = models.CharField(max_length=20, choices=Call.TYPE_CHOICES)
    resolved_at = models.DateTimeField(null=True, blank=True)
    rejection_category = models.ForeignKey("partitions.RejectionCategory", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    checklist_answers = models.JSONField(default=list, blank=True,
                                         help_text="[{item_id, text, required, ticked}] at decision time")
    sampled = models.BooleanField(null=True, blank=True,
                                  help_text="Whether the resolution judged was sampled (empty: no sampling policy)")
    priority = models.PositiveSmallIntegerField(help_text="The call's priority when it was decided")
    # judged when the decision is made, on the partition's targets and calendar of that moment
    closure_sla_met = models.BooleanField(
        null=True, blank=True, help_text="The decision came within the closure SLA target of its priority (met), "
                                         "or after it (breached); empty: no target for its priority then")
    # whether the reports' daily roll-ups count this decision yet (see CallEvent.rolled_up)
    rolled_up = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["partition", "decided_at"]),
                   models.Index(fields=["id"], name="decision_not_rolled_up", condition=Q(rolled_up=False)),
                   # a resolver's verdicts of the last 30 days, and their first closed calls (sampling)
                   models.Index(fields=["resolver", "decided_at"], name="decision_resolver_time"),
                   # the Closure SLA report's first breached calls of each row, oldest first: of a period
                   # or a week, and of one closer (a closer's own index: theirs may be a few among many)
                   models.Index(fields=["partition", "decided_at"], name="decision_breached_time",
                                condition=Q(closure_sla_met=False)),
                   models.Index(fields=["partition", "decided_by", "decided_at"], name="decision_breached_closer",
                                condition=Q(closure_sla_met=False))]


class RefCounter(models.Model):
    """The last number used for each reference prefix (INC, PRB...), so references never repeat."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    @classmethod
    def take_next(cls, prefix: str) -> int:
        """The next number for `prefix`, counted in one statement (an upsert that locks the counter's row until
        the transaction ends, so two calls logged at once never get the same number)."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (prefix, last) VALUES (%s, 1) ON CONFLICT (prefix) "
                           f"DO UPDATE SET last = {table}.last + 1 RETURNING last", [prefix])
            return int(cursor.fetchone()[0])


def _attachment_path(instance: Attachment, filename: str) -> str:
    # the stored name is not the user's: two uploads of "screenshot.png" never collide or overwrite
    from uuid import uuid4
    return f"attachments/{instance.call_id}/{uuid4().hex}"


class Attachment(models.Model):
    """A file on a call, or on one of its notes (a screenshot, a log), kept through Django's storage API.
    Only analysts who can see the call can download it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(CallEvent, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="attachments", help_text="The note the file was added with")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(max_length=200, help_text="The file's name as uploaded")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class SavedSearch(models.Model):
    """A calls-list search an analyst saved under a name ("my team's waiting closures")."""

    analyst = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=80)
    # the list's query string (filters, sort, page size), as the calls list reads it
    query = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["analyst", "name"], name="saved_search_name_unique")]

    def __str__(self) -> str:
        return self.name
