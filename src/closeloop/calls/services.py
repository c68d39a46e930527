"""Use cases for calls: log, assign, hold, resolve, take, forward, close, reject, re-route.

Each one locks the call, asks the closure core, writes the call and its history event in one
transaction, and returns the call. A refused action raises and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in
from closeloop.closure import (
    CLOSURE_STATUSES,
    Action,
    Actor,
    CallFacts,
    CallType,
    ChangedByOther,
    ChecklistItemFacts,
    CloseloopError,
    ClosureMethod,
    Directory,
    InvalidInput,
    NotFound,
    ReasonFacts,
    Right,
    Target,
    changes,
    guards,
    limits,
    parse_choice,
)
from closeloop.closure.contacts import check_call_contact
from closeloop.closure.editing import parse_level
from closeloop.closure.offers import why_not, why_not_lines
from closeloop.closure.priority import Impact, Urgency, priority_for
from closeloop.closure.routing import eligible_closers, is_eligible_closer, stranded_refs
from closeloop.contacts.models import Contact
from closeloop.contacts.services import contact_facts
from closeloop.partitions.catalogue import category_path, find_category, load_matrix
from closeloop.partitions.kept import active_checklist, closure_reasons
from closeloop.partitions.models import Category, ChecklistItem, ClosureReason, IpkGroup, Partition, RejectionCategory
from closeloop.partitions.services import UNSET, Unset, get_colleague, load_directory, load_settings
from closeloop.prepared import prepared

from .closure_sla import decision_met
from .history import EventEntry, record_events
from .models import Call, ClosureDecision, RefCounter
from .sampling import decide_sampling_for, sampling_details

__all__ = [
    "get_call",
    "save_change",
    "save_changes",
    "log_call",
    "assign_call",
    "hold_call",
    "resume_call",
    "resolve_call",
    "take_call",
    "forward_call",
    "close_call",
    "reject_resolution",
    "awaiting_closure",
    "reroute_stranded_calls",
    "actions_for",
    "not_offered_for",
    "not_offered_lines",
    "check_may_log",
    "close_input_problems",
    "closure_choices",
    "preview_resolve_route",
    "know_reason",
]


def get_call(ref: str, viewer: Analyst | None, *, shown: bool = True) -> Call:
    """A call by reference, if the viewer works in its partition (else NotFound: never leak existence).

    `shown=False`: a call about to be acted on, not shown: without the names of the analysts and groups it
    names (read when asked for)."""
    calls = Call.objects.visible_to(viewer)
    calls = calls.with_relations().with_duplicates_known() if shown else calls.select_related("partition")
    try:  # get(), not first(): a reference is unique, and ordering the joined row costs more than the query
        return calls.get(ref=ref.strip().upper())
    except Call.DoesNotExist:
        raise NotFound(f"No call {ref!r} in your partitions", field="ref") from None


_REF_PROBE = "\x00ref"  # never a call's reference: stands for it while the lock's SQL is built


def _locking() -> QuerySet[Call]:
    # the call locked, with what the action's handlers and answer read (its contact, whether calls were closed
    # as its duplicates); unordered: a reference is unique, and the calls' default order would only cost
    return Call.objects.select_for_update(of=("self",)).select_related(
        "partition", "contact").with_duplicates_known().filter(ref=_REF_PROBE).order_by()[:1]


def _lock(ref: str, viewer: Analyst | None, expected_version: int | None) -> Call:
    # one query, its SQL built once per process (`closeloop.prepared`): only the reference changes
    call = prepared("calls.lock", router.db_for_write(Call), _locking, ref=_REF_PROBE).first(ref=ref.strip().upper())
    # only the partition's members may see it; the directory is the one the action decides with
    if call is None or (viewer is not None and viewer.id not in load_directory(call.partition).analysts):
        raise NotFound(f"No call {ref!r} in your partitions", field="ref")
    if expected_version is not None and call.version != expected_version:
        raise ChangedByOther(f"{call.ref} was changed by someone else (version {call.version}, you had "
                             f"{expected_version}); reload it and try again", field="version")
    return call


def save_change(call: Call, actor: Analyst | None, change: changes.CallChange, at: datetime | None,
                **details: Any) -> Call:
    """Write what the core decided onto the call and record its history event, in the caller's transaction."""
    return save_changes(call, actor, [(change, details)], at)


def save_changes(call: Call, actor: Analyst | None, made: Sequence[tuple[changes.CallChange, dict[str, Any]]],
                 at: datetime | None) -> Call:
    """Write what the core decided, change after change (each with its event's details), onto the call in one
    write, and record the history event of each, in the caller's transaction."""
    entries = []
    for change, details in made:
        call.take_facts(change.after)
        call.version += 1
        if change.action is not Action.REMIND:  # a reminder is not an action on the call: it stays idle
            call.last_action_at = at or timezone.now()
        entries.append(EventEntry(change.action, change.from_status, change.after.status, change.note,
                                  {**change.details, **details}))
    call.save_changed()
    call.recorded_events = record_events(call, actor, entries, at)
    return call


def _next_ref(call_type: CallType) -> str:
    return f"{call_type.prefix}-{RefCounter.take_next(call_type.prefix):06d}"


def _priority(value: int | str) -> int:
    """1 to 4, from a whole number or its digits; anything else (a bool, 2.5, "high") is refused."""
    level = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        level = int(value.strip())
    if level is None or not 1 <= level <= 4:
        raise InvalidInput(f"Priority must be 1, 2, 3 or 4 (got {value!r})", field="priority")
    return level


def _naming(directory: Directory, *analysts: Analyst | int | None) -> Directory:
    """The directory knowing the names of the analysts an action names, members of the partition or not (an
    analyst named by id is known by name only as a member)."""
    return directory.naming({a.id: a.username for a in analysts if isinstance(a, Analyst)})


def _analyst_id(analyst: Analyst | int | None) -> int | None:
    return analyst.id if isinstance(analyst, Analyst) else analyst


def _named(viewer: Analyst | None, directory: Directory, analyst: Analyst | int | str | None,
           field: str) -> Analyst | int | None:
    """An analyst the caller names, as a row, by id, or by user name. A member of the partition is found in its
    directory (no query); anyone else is looked up among the caller's colleagues, so that a refusal names them,
    and someone the caller does not work with is refused like a name nobody has."""
    if not isinstance(analyst, str):
        return analyst
    username = analyst.strip()
    for analyst_id, candidate in directory.analysts.items():
        if candidate.name == username:
            return analyst_id
    return get_colleague(viewer, username, field=field)


def _group_in(partition: Partition, group: IpkGroup | None, field: str) -> IpkGroup | None:
    if group is not None and group.partition_id != partition.id:
        raise InvalidInput(f"Group {group.name} is not in partition {partition.name}", field=field)
    return group


def _group_id(partition: Partition, directory: Directory, group: IpkGroup | int | str | None,
              field: str) -> int | None:
    """The id of a group the caller names, as a row, by its id or by its name, read from the partition's
    directory."""
    if group is None:
        return None
    if isinstance(group, IpkGroup):
        _group_in(partition, group, field)
        return int(group.id)
    if isinstance(group, int):
        if group not in directory.group_names:
            raise InvalidInput(f"No IPK group #{group} in partition {partition.name}", field=field)
        return group
    for group_id, name in directory.group_names.items():
        if name == group.strip():
            return group_id
    raise NotFound(f"No IPK group named {group.strip()!r} in partition {partition.name}", field=field)


def check_may_log(partition: Partition, analyst: Analyst | None) -> None:
    """Refuse (NotAllowed, naming the Log right) an analyst who may not log calls in the partition."""
    directory = load_directory(partition)
    guards.require_right(actor_in(analyst, partition.id, directory), Right.LOG, partition.name)


@transaction.atomic
def log_call(
    partition: Partition,
    call_type: str | CallType,
    summary: str,
    *,
    description: str = "",
    priority: int | str | Unset = UNSET,
    log_group: IpkGroup | int | str | None = None,
    assigned_group: IpkGroup | int | str | None = None,
    assigned_analyst: Analyst | int | str | None = None,
    actor: Analyst | None = None,
    at: datetime | None = None,
    contact: Contact | None = None,
    impact: int | str | None = None,
    urgency: int | str | None = None,
    category: Category | int | str | None = None,
) -> Call:
    """Log a new call reported by `contact` (an active contact of the partition; required for incidents,
    major incidents and service requests when the partition's settings say so); with an assignment it is
    Assigned at once.

    Its priority comes off the partition's impact × urgency matrix (medium × medium when not given); an
    explicit `priority` with neither impact nor urgency is still taken as it is (older API and CLI callers).
    """
    directory = load_directory(partition)
    who = actor_in(actor, partition.id, directory)
    guards.require_right(who, Right.LOG, partition.name)  # before the values: a reader is told they may not log
    kind = parse_choice(CallType, str(call_type), "type")
    summary, description = limits.SUMMARY.clean(summary), limits.DESCRIPTION.clean(description)
    sizes = (parse_level(Impact, impact or Impact.MEDIUM.value, "impact"),
             parse_level(Urgency, urgency or Urgency.MEDIUM.value, "urgency"))
    if priority is not UNSET and impact is None and urgency is None:
        level = _priority(priority)
    else:
        level = priority_for(*sizes, load_matrix(partition))
    filed = find_category(partition, category) if category not in (None, "") else None
    log_group_id = _group_id(partition, directory, log_group, "log_group")
    if contact is not None:  # as it is now, not as the caller read it: deactivated meanwhile is refused
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_call_contact(load_settings(partition), kind, partition.id, partition.name,
                       contact_facts(contact) if contact is not None else None)
    change = changes.log(_next_ref(kind), kind, who, directory, log_group_id, level)
    at = at or timezone.now()
    call = Call(partition=partition, ref=change.after.ref, call_type=kind.value, summary=summary,
                description=description, priority=level, impact=sizes[0], urgency=sizes[1], category=filed,
                logged_at=at, version=0, contact=contact)
    made = [(change, {"priority": level, **({"contact": contact.name} if contact else {}),
                      **({"category": category_path(filed)} if filed else {})})]
    if assigned_group is not None or assigned_analyst is not None:
        assigned_analyst = _named(actor, directory, assigned_analyst, "assigned_analyst")
        made.append((changes.assign(change.after, who, _naming(directory, assigned_analyst),
                                    _group_id(partition, directory, assigned_group, "group"),
                                    _analyst_id(assigned_analyst), on_logging=True), {}))
    save_changes(call, actor, made, at)  # the call written once; its history says logged, then assigned
    call.has_duplicates = False  # a call just logged has none closed as its duplicate (its answer asks)
    return call


@transaction.atomic
def assign_call(ref: str, actor: Analyst | None, *, group: IpkGroup | int | str | None = None,
                analyst: Analyst | int | str | None = None, expected_version: int | None = None,
                at: datetime | None = None) -> Call:
    """Assign to a group (its queue), an analyst, or an analyst within a group."""
    call = _lock(ref, actor, expected_version)
    directory = load_directory(call.partition)
    analyst = _named(actor, directory, analyst, "analyst")
    group_id = _group_id(call.partition, directory, group, "group")
    who = actor_in(actor, call.partition_id, directory)
    return save_change(call, actor, changes.assign(call.facts(), who, _naming(directory, analyst), group_id,
                                                   _analyst_id(analyst)), at)


def _on_hold_change(ref: str, actor: Analyst | None,
                    apply: Callable[[CallFacts, Actor, Directory, str], changes.CallChange], reason: str | None,
                    expected_version: int | None, at: datetime | None) -> Call:
    call = _lock(ref, actor, expected_version)
    directory = load_directory(call.partition)
    return save_change(call, actor, apply(call.facts(), actor_in(actor, call.partition_id, directory), directory,
                                    reason or ""), at)


@transaction.atomic
def hold_call(ref: str, actor: Analyst | None, reason: str = "", expected_version: int | None = None,
              at: datetime | None = None) -> Call:
    """Put a call on hold (waiting for the user or a supplier)."""
    return _on_hold_change(ref, actor, changes.hold, reason, expected_version, at)


@transaction.atomic
def resume_call(ref: str, actor: Analyst | None, reason: str = "", expected_version: int | None = None,
                at: datetime | None = None) -> Call:
    """Take a call off hold."""
    return _on_hold_change(ref, actor, changes.resume, reason, expected_version, at)


def _reason_facts(call: Call, code: str | None) -> tuple[ClosureReason | None, ReasonFacts | None]:
    if not code:
        return None, None
    reason = closure_reasons(call.partition_id).get(code.strip())
    if reason is None:
        raise InvalidInput(f"No closure reason {code!r} in partition {call.partition.name}", field="reason")
    types = frozenset(CallType(t) for t in reason.call_types)
    return reason, ReasonFacts(reason.code, reason.active, types, reason.id, reason.unresolved)


def _checklist(call: Call) -> list[ChecklistItem]:
    return active_checklist(call.partition_id)


def _item_facts(items: Iterable[ChecklistItem]) -> list[ChecklistItemFacts]:
    return [ChecklistItemFacts(i.id, i.text, i.required, i.answered_by_contact) for i in items]


def _answers(items: Iterable[ChecklistItem], ticked: set[int]) -> list[dict[str, Any]]:
    return [{"item_id": i.id, "text": i.text, "required": i.required, "ticked": i.id in ticked} for i in items]


@transaction.atomic
def resolve_call(
    ref: str,
    actor: Analyst | None,
    resolution: str,
    *,
    closer: Analyst | int | str | None = None,
    closer_group: IpkGroup | int | str | None = None,
    reason: str | None = None,
    comments: str | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Call:
    """Resolve a call: it goes to its validator (two-part), or is closed at once (method immediate)."""
    call = _lock(ref, actor, expected_version)
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    group_id = _group_id(call.partition, directory, closer_group, "closer_group")
    closer = _named(actor, directory, closer, "closer")
    target = Target(_analyst_id(closer), group_id) if closer or group_id else None
    reason_facts = _reason_facts(call, reason)[1] if settings.closure_method is ClosureMethod.IMMEDIATE else None
    change = changes.resolve(call.facts(), actor_in(actor, call.partition_id, directory), settings,
                             _naming(directory, closer), resolution, at or timezone.now(), target=target,
                             comments=comments, reason=reason_facts)
    sampling = None
    if change.after.status in CLOSURE_STATUSES:  # decided again on each resolution, shown on the call page
        call.record_sampling(decision := decide_sampling_for(call, change.after, at or timezone.now()))
        sampling = sampling_details(decision) if decision.under_policy else None
    return save_change(call, actor, change, change.after.resolved_at, sampling=sampling)


@transaction.atomic
def take_call(ref: str, actor: Analyst | None, expected_version: int | None = None,
              at: datetime | None = None, *, note: str | None = None) -> Call:
    """A member of the target group takes a call Forward for Closure: it becomes Forward to You for Close.

    The analyst's note, if any, is the event's note (kept in the work log); without one the event has none.
    """
    text = limits.TAKE_NOTE.clean(note)
    call = _lock(ref, actor, expected_version)
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    change = changes.take(call.facts(), actor_in(actor, call.partition_id, directory), settings, directory,
                          at or timezone.now())
    change = replace(change, note=text)  # "taken by <actor>" says no more than the event's actor and action
    return save_change(call, actor, change, change.after.forwarded_at)


@transaction.atomic
def forward_call(ref: str, actor: Analyst | None, reason: str, *, to_analyst: Analyst | int | str | None = None,
                 to_group: IpkGroup | int | str | None = None, expected_version: int | None = None,
                 at: datetime | None = None) -> Call:
    """Re-forward a call in the closure stage to another eligible analyst or group, with a reason."""
    call = _lock(ref, actor, expected_version)
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    to_analyst = _named(actor, directory, to_analyst, "to_analyst")
    target = Target(_analyst_id(to_analyst), _group_id(call.partition, directory, to_group, "to_group"))
    change = changes.forward(call.facts(), actor_in(actor, call.partition_id, directory), settings,
                             _naming(directory, to_analyst), target, reason, at or timezone.now())
    return save_change(call, actor, change, change.after.forwarded_at)


def _closed_outcome(call: Call) -> str:
    """Closed first time, or after a closer rejected or the contact refused an earlier resolution."""
    sent_back = call.times_rejected or call.times_refused
    return ClosureDecision.Outcome.CLOSED_AFTER_REJECTION if sent_back else ClosureDecision.Outcome.CLOSED_FIRST_TIME


def _decision(call: Call, actor: Analyst | None, outcome: str, at: datetime, **fields: Any) -> ClosureDecision:
    resolver_group = call.assigned_group
    # every earlier sending back counts, by closers and contacts alike: the first-time validation rate
    return ClosureDecision.objects.create(
        call=call, partition_id=call.partition_id, decided_by=actor, decided_at=at, outcome=outcome,
        rejections_before=call.times_rejected + call.times_refused, resolver_id=call.resolved_by_id,
        resolver_group=resolver_group, call_type=call.call_type, resolved_at=call.resolved_at,
        sampled=call.sampled_under_policy, priority=call.priority, closure_sla_met=decision_met(call, at), **fields)


@transaction.atomic
def close_call(ref: str, actor: Analyst | None, comments: str, *, reason: str | None = None,
               ticked: Iterable[int] = (), expected_version: int | None = None,
               at: datetime | None = None) -> Call:
    """Validate and close a resolved call: closure comments, a linked reason, the checklist ticked."""
    call = _lock(ref, actor, expected_version)
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    reason_facts = _reason_facts(call, reason)[1]
    items, ticked_ids = _checklist(call), set(ticked)
    change = changes.close(call.facts(), actor_in(actor, call.partition_id, directory), settings, directory,
                           comments, reason_facts, at or timezone.now(), _item_facts(items), ticked_ids)
    answered = ticked_ids | guards.ticked_by_contact(change.after, _item_facts(items))
    _decision(call, actor, _closed_outcome(call), change.after.closed_at,
              checklist_answers=_answers(items, answered))
    save_change(call, actor, change, change.after.closed_at)
    know_reason(call)
    return call


def know_reason(call: Call) -> None:
    """Give the closed call its reason row as read for the decision: its answer names it without a query."""
    reason = next((r for r in closure_reasons(call.partition_id).values() if r.id == call.closure_reason_id), None)
    if reason is not None:
        Call.closure_reason.field.set_cached_value(call, reason)


def close_input_problems(call: Call, *, reason: str | None, ticked: Iterable[int] = ()) -> list[CloseloopError]:
    """Every problem with a close's reason and checklist at once (for a form to show together); `close_call`
    still decides, with the same guards."""
    settings, facts = load_settings(call.partition), call.facts()
    problems: list[CloseloopError] = []
    try:
        guards.check_reason(facts, settings, _reason_facts(call, reason)[1])
    except CloseloopError as exc:
        problems.append(exc)
    try:
        guards.check_checklist(facts, _item_facts(_checklist(call)), ticked)
    except CloseloopError as exc:
        problems.append(exc)
    return problems


@transaction.atomic
def reject_resolution(ref: str, actor: Analyst | None, reason: str, *, category: str | None = None,
                      ticked: Iterable[int] = (), expected_version: int | None = None,
                      at: datetime | None = None) -> Call:
    """Send a resolution back: the call is Assigned to its resolver again and the rejection counted."""
    call = _lock(ref, actor, expected_version)
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    change = changes.reject(call.facts(), actor_in(actor, call.partition_id, directory), settings, directory,
                            reason, category and category.strip())
    category_row = None
    if category:
        category_row = RejectionCategory.objects.filter(partition=call.partition_id, code=category.strip(),
                                                        active=True).first()
        if category_row is None:
            raise InvalidInput(f"No rejection category {category!r} in partition {call.partition.name}",
                               field="category")
    now = at or timezone.now()
    items, ticked_ids = _checklist(call), set(ticked)
    _decision(call, actor, ClosureDecision.Outcome.REJECTED, now, rejection_category=category_row,
              reason=change.note, checklist_answers=_answers(items, ticked_ids))
    return save_change(call, actor, change, now)


def awaiting_closure(partition: Partition) -> list[CallFacts]:
    """The partition's calls awaiting closure, as facts for the guards on directory and settings changes."""
    waiting = Call.objects.filter(partition=partition, status__in=[s.value for s in CLOSURE_STATUSES])
    return waiting.routing_facts()  # all the guards read of them


def reroute_stranded_calls(partition: Partition, because: str, waiting: Sequence[CallFacts] | None = None) -> int:
    """Move calls whose closure target can no longer close them along the fallback chain.

    Runs inside the caller's transaction; the history of each call says why it moved. The waiting calls are
    read as rows (`awaiting_closure`, or given as read by the caller in the same transaction); only those to
    move are locked, and each is decided again on its locked row.
    """
    settings, directory = load_settings(partition), load_directory(partition)
    stranded = stranded_refs(awaiting_closure(partition) if waiting is None else waiting, settings, directory)
    waiting_rows = Call.objects.filter(partition=partition, status__in=[s.value for s in CLOSURE_STATUSES])
    moved = 0
    for call in waiting_rows.select_for_update(of=("self",)).filter(ref__in=stranded).order_by("id"):
        now = timezone.now()
        change = changes.reroute(call.facts(), settings, directory, because, now)
        if change is not None:
            save_change(call, None, change, now)
            moved += 1
    return moved


def actions_for(call: Call, viewer: Analyst | None) -> frozenset[Action]:
    """What the viewer may do to this call right now (the call page shows only these)."""
    directory = load_directory(call.partition)
    who: Actor = actor_in(viewer, call.partition_id, directory)
    return guards.permitted_actions(call.facts(), who, load_settings(call.partition), directory)


def not_offered_for(call: Call, viewer: Analyst | None) -> dict[Action, str]:
    """Why the call page does not offer each main action the viewer cannot take now (one line each)."""
    directory = load_directory(call.partition)
    return why_not(call.facts(), actor_in(viewer, call.partition_id, directory), load_settings(call.partition),
                   directory)


def not_offered_lines(call: Call, viewer: Analyst | None) -> list[str]:
    """The call page's "Not offered" list: `not_offered_for`, actions refused for the same reason on one line."""
    directory = load_directory(call.partition)
    return why_not_lines(call.facts(), actor_in(viewer, call.partition_id, directory), load_settings(call.partition),
                         directory)


def closure_choices(call: Call, resolver: Analyst | int | None) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Analysts and groups, as (id, name), that could validate this call if `resolver` resolved it (for forms),
    by name; read from the partition's directory."""
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    resolver_id = _analyst_id(resolver)
    analysts = [(a, c.name) for a, c in directory.analysts.items() if is_eligible_closer(c, settings, resolver_id)]
    groups = [(g, directory.group_name(g)) for g in directory.groups
              if eligible_closers(g, directory, settings, resolver_id)]
    return sorted(analysts, key=_by_name), sorted(groups, key=_by_name)


def _by_name(choice: tuple[int, str]) -> tuple[str, str]:
    return choice[1].casefold(), choice[1]


def preview_resolve_route(call: Call, resolver: Analyst | None) -> changes.CallChange | None:
    """What resolving would do to the call with no closer named (None if nobody could validate it)."""
    settings, directory = load_settings(call.partition), load_directory(call.partition)
    try:
        return changes.resolve(call.facts(), actor_in(resolver, call.partition_id, directory), settings, directory,
                               "(preview)", timezone.now())
    except CloseloopError:
        return None
