"""Use cases for Call Auto Close: add, change and deactivate rules (audited), and the pass that applies them.

The pass finds calls idle long enough in a watched status and, for each one in its own transaction,
locks it, decides again what is due (so running it twice, or twice at once, reminds once and closes
once) and applies the reminder, auto-close or escalation through `calls.services.save_change`, the
system acting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.calls.closure_sla import decision_met
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.calls.services import save_change
from closeloop.closure import (
    CLOSURE_STATUSES,
    Action,
    CallType,
    CloseloopError,
    InvalidInput,
    NotFound,
    Status,
    limits,
    parse_choice,
)
from closeloop.closure.autoclose import (
    Audience,
    AutoCloseRuleFacts,
    DayCount,
    DueKind,
    Expiry,
    auto_close,
    check_rule,
    due,
    escalate,
    hold_for_validation,
    holds_for_validation,
    remind,
    rule_for,
)
from closeloop.closure.autoclose_preview import AutoClosePreview
from closeloop.closure.routing import group_has_eligible_closer
from closeloop.partitions.audit import audited_change
from closeloop.partitions.models import ClosureReason, IpkGroup, Partition, SettingsChange
from closeloop.partitions.services import UNSET, get_group, get_partition, load_directory, load_settings

from .models import AutoCloseRule
from .preview import preview_rule_change

__all__ = [
    "RuleSaved",
    "PassSummary",
    "list_rules",
    "get_rule",
    "parse_reminder",
    "add_rule",
    "set_rule",
    "deactivate_rule",
    "rule_matches_now",
    "audited_rules",
    "auto_close_pass",
    "describe_rule",
    "rule_summary",
]

log = logging.getLogger("closeloop.autoclose")

@dataclass(frozen=True)
class RuleSaved:
    """A rule after a change, how many calls it would match now (shown on saving) and, for a dry run, the
    preview of what the partition's rules would do after the change compared with now."""

    rule: AutoCloseRule
    matches: int
    preview: AutoClosePreview | None = None


@dataclass
class PassSummary:
    """What one auto-close pass did, for the worker's log."""

    reminded: int = 0
    closed: int = 0
    escalated: int = 0
    failed: int = 0
    refs: dict[str, list[str]] = field(default_factory=dict)

    def counted(self, what: str, ref: str) -> None:
        setattr(self, what, getattr(self, what) + 1)
        self.refs.setdefault(what, []).append(ref)

    def __str__(self) -> str:
        return (f"{self.reminded} reminded, {self.closed} closed, {self.escalated} escalated"
                + (f", {self.failed} failed" if self.failed else ""))


def list_rules(viewer: Analyst | None, partition_name: str | None = None) -> QuerySet[AutoCloseRule]:
    """The one list of Call Auto Close rules, by partition and position (web, API and CLI)."""
    qs = AutoCloseRule.objects.visible_to(viewer)
    if partition_name:
        qs = qs.filter(partition=get_partition(partition_name, viewer))
    return qs.select_related("partition", "closure_reason", "escalation_group").prefetch_related(
        "closure_reason__type_links").in_order()


def get_rule(partition: Partition, name: str) -> AutoCloseRule:
    rule = list_rules(None).filter(partition=partition, name=(name or "").strip()).first()
    if rule is None:
        raise NotFound(f"No Call Auto Close rule named {name!r} in partition {partition.name}", field="rule")
    return rule


def parse_reminder(text: str) -> dict[str, Any]:
    """A reminder written as DAYS:WHO[,WHO] ("5:target,contact") as {"after_days", "to"}."""
    days, _, who = text.partition(":")
    if not days.strip().isdigit():
        raise InvalidInput(f"Write a reminder as DAYS:WHO, e.g. 5:target,contact (got {text!r})", field="reminders")
    return {"after_days": int(days), "to": [w for w in who.replace("+", ",").split(",") if w.strip()] or ["target"]}


def _whole(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise InvalidInput(f"{field_name.replace('_', ' ').capitalize()} must be a whole number (got {value!r})",
                           field=field_name)
    return int(value)


def _reminders(values: Iterable[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    parsed = []
    for value in values:
        item = parse_reminder(value) if isinstance(value, str) else value
        audience = sorted({parse_choice(Audience, str(a), "reminders").value for a in item.get("to") or []})
        parsed.append({"after_days": _whole(item.get("after_days"), "reminders"), "to": audience})
    return parsed


def _reason(partition: Partition, reason: ClosureReason | str | None) -> ClosureReason | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        return None
    if isinstance(reason, str):
        found = ClosureReason.objects.filter(partition=partition, code=reason.strip()).first()
        if found is None:
            raise InvalidInput(f"No closure reason {reason.strip()!r} in partition {partition.name}", field="reason")
        return found
    if reason.partition_id != partition.id:
        raise InvalidInput(f"Closure reason {reason.code} is not in partition {partition.name}", field="reason")
    return reason


def _group(partition: Partition, group: IpkGroup | str | None) -> IpkGroup | None:
    if group is None or (isinstance(group, str) and not group.strip()):
        return None
    if isinstance(group, str):
        try:
            return get_group(partition, group.strip(), field="escalation_group")
        except NotFound as exc:
            raise InvalidInput(exc.message, field="escalation_group") from None
    if group.partition_id != partition.id:
        raise InvalidInput(f"Group {group.name} is not in partition {partition.name}", field="escalation_group")
    return group


def _apply_fields(row: AutoCloseRule, values: Mapping[str, Any]) -> None:
    """Parse what the caller gave (names, codes, strings from forms and the command line) onto the row."""
    partition = row.partition
    parsers: dict[str, Any] = {
        "name": lambda v: limits.AUTO_CLOSE_RULE_NAME.clean(v),
        "statuses": lambda v: sorted({parse_choice(Status, str(s), "statuses").value for s in v}),
        "call_types": lambda v: sorted({parse_choice(CallType, str(t), "call_types").value for t in v}),
        "priorities": lambda v: sorted({_whole(p, "priorities") for p in v}),
        "idle_days": lambda v: _whole(v, "idle_days"),
        "business_days": bool,
        "reminders": _reminders,
        "expiry": lambda v: parse_choice(Expiry, str(v), "expiry").value,
        "reason": lambda v: _reason(partition, v),
        "comments": lambda v: limits.AUTO_CLOSE_COMMENTS.clean(v),
        "escalation_group": lambda v: _group(partition, v),
        "raise_priority": lambda v: _whole(v or 0, "raise_priority"),
        "priority_to": lambda v: None if v in (None, "") else _whole(v, "priority_to"),
        "active": bool,
        "position": lambda v: _whole(v, "position"),
    }
    for key, value in values.items():
        if value is UNSET:
            continue
        if key not in parsers:
            raise InvalidInput(f"Unknown rule field {key!r}", field=key)
        setattr(row, "closure_reason" if key == "reason" else key, parsers[key](value))


def _check(row: AutoCloseRule) -> None:
    """The core's checks, and those that need the partition: reason kind, the escalation group's closers."""
    if AutoCloseRule.objects.filter(partition=row.partition, name=row.name).exclude(pk=row.pk).exists():
        raise InvalidInput(f"Partition {row.partition.name} already has a Call Auto Close rule named {row.name!r}",
                           field="name")
    facts = row.as_value()
    check_rule(facts)
    reason = row.closure_reason
    if facts.expiry is Expiry.CLOSE and reason is not None:
        on_hold = Status.ON_HOLD in facts.statuses
        if on_hold and not reason.unresolved:
            raise InvalidInput(f"Calls on hold were never resolved: close them with a reason for Closed/Unresolved "
                               f"(not {reason.code})", field="reason")
        if not on_hold and reason.unresolved:
            raise InvalidInput(f"Closure reason {reason.code} is for Closed/Unresolved: resolved calls are closed "
                               "with a reason for resolutions", field="reason")
    group = row.escalation_group
    if facts.expiry is Expiry.ESCALATE and group is not None:
        directory = load_directory(row.partition)
        if group.id not in directory.groups:
            raise InvalidInput(f"Group {group.name} is not an active group of partition {row.partition.name}",
                               field="escalation_group")
        if facts.statuses & CLOSURE_STATUSES and not group_has_eligible_closer(
                group.id, directory, load_settings(row.partition)):
            raise InvalidInput(f"Group {group.name} has no eligible closer (an active member with the Closure "
                               "Comments right): resolved calls escalated there could never be closed",
                               field="escalation_group")


def _audited(rule: AutoCloseRule) -> dict[str, Any]:
    return {
        "active": rule.active, "position": rule.position, "statuses": list(rule.statuses),
        "types": list(rule.call_types), "priorities": list(rule.priorities), "idle_days": rule.idle_days,
        "days": rule.day_count.value,
        "reminders": [f"after {r['after_days']} days to {' and '.join(r['to'])}" for r in rule.reminders],
        "expiry": rule.expiry, "reason": rule.closure_reason.code if rule.closure_reason else None,
        "comments": rule.comments, "escalation_group": rule.escalation_group.name if rule.escalation_group else None,
        "raise_priority": rule.raise_priority, "priority_to": rule.priority_to,
    }


def audited_rules(partition: Partition) -> dict[str, Any]:
    """The partition's rules as the settings history records them, keyed by rule name."""
    return {rule.name: _audited(rule) for rule in list_rules(None).filter(partition=partition)}


def _active_rules_of(partition: Partition) -> list[AutoCloseRuleFacts]:
    return [row.as_value() for row in list_rules(None).filter(partition=partition, active=True)]


def _save(row: AutoCloseRule, change_reason: str | None, actor: Analyst | None, values: Mapping[str, Any],
          dry_run: bool, now: datetime | None) -> RuleSaved:
    preview = None
    with audited_change(row.partition, SettingsChange.Subject.AUTO_CLOSE_RULES, actor, change_reason,
                        lambda: audited_rules(row.partition), dry_run=dry_run):
        before = _active_rules_of(row.partition) if dry_run else []
        _apply_fields(row, values)
        _check(row)
        if row.pk is None and values.get("position") not in (None, UNSET):
            # a new rule placed among the others: those from its place on move down one
            AutoCloseRule.objects.filter(partition=row.partition, position__gte=row.position).update(
                position=F("position") + 1)
        row.save()
        matches = rule_matches_now(row)
        if dry_run:  # the rules read as they would be after the change, until the dry run rolls it back
            preview = preview_rule_change(row.partition, before, _active_rules_of(row.partition), now)
    return RuleSaved(row, matches, preview)


@transaction.atomic
def add_rule(partition: Partition, change_reason: str | None, actor: Analyst | None = None, *,
             dry_run: bool = False, now: datetime | None = None, **values: Any) -> RuleSaved:
    """Add a rule at the end of the partition's order (unless `position` is given); audited. A dry run saves
    nothing and answers the preview (as at `now`, default the present)."""
    last = AutoCloseRule.objects.filter(partition=partition).order_by("-position").first()
    row = AutoCloseRule(partition=partition, position=last.position + 1 if last else 0)
    values.setdefault("name", "")
    values.setdefault("idle_days", None)
    return _save(row, change_reason, actor, values, dry_run, now)


@transaction.atomic
def set_rule(rule: AutoCloseRule, change_reason: str | None, actor: Analyst | None = None, *,
             dry_run: bool = False, now: datetime | None = None, **values: Any) -> RuleSaved:
    """Change a rule's fields (those given); audited. Calls already reminded keep their idle time. A dry run
    saves nothing and answers the preview (as at `now`, default the present)."""
    row = AutoCloseRule.objects.select_for_update().select_related("partition").get(pk=rule.pk)
    return _save(row, change_reason, actor, values, dry_run, now)


def deactivate_rule(rule: AutoCloseRule, change_reason: str | None, actor: Analyst | None = None, *,
                    dry_run: bool = False, now: datetime | None = None) -> RuleSaved:
    """Stop a rule (it stays listed, and can be activated again); audited."""
    return set_rule(rule, change_reason, actor, active=False, dry_run=dry_run, now=now)


def rule_matches_now(rule: AutoCloseRule) -> int:
    """How many of the partition's calls the rule watches right now (status, call type, priority)."""
    calls = Call.objects.filter(partition=rule.partition_id, status__in=rule.statuses)
    if rule.call_types:
        calls = calls.filter(call_type__in=rule.call_types)
    if rule.priorities:
        calls = calls.filter(priority__in=rule.priorities)
    return calls.count()


# --- the pass ---------------------------------------------------------------------------------------

def _active_rules() -> dict[int, list[AutoCloseRuleFacts]]:
    rules: dict[int, list[AutoCloseRuleFacts]] = {}
    for row in list_rules(None).filter(active=True):
        rules.setdefault(row.partition_id, []).append(row.as_value())
    return rules


def _earliest_days(rules: Sequence[AutoCloseRuleFacts]) -> int:
    """The fewest days before any rule has something to do (business days last at least as long)."""
    return min(min([r.idle_days, *(m.after_days for m in r.reminders)]) for r in rules)


def auto_close_pass(now: datetime | None = None) -> PassSummary:
    """One pass over every partition's active rules: reminders, auto-closes and escalations now due."""
    now = now or timezone.now()
    summary = PassSummary()
    for partition_id, rules in _active_rules().items():
        statuses = sorted({s.value for r in rules for s in r.statuses})
        idle_before = now - timedelta(days=_earliest_days(rules))
        candidates = Call.objects.filter(status__in=statuses, last_action_at__lte=idle_before,
                                         partition=partition_id).order_by("last_action_at")
        for call_id, ref in candidates.values_list("id", "ref"):
            try:
                done = _act_on(call_id, rules, now)
            except CloseloopError as exc:
                log.warning("Call Auto Close could not act on %s: %s", ref, exc.message)
                summary.counted("failed", ref)
                continue
            if done:
                log.info("Call Auto Close: %s %s", ref, done)
                summary.counted(done, ref)
    return summary


@transaction.atomic
def _act_on(call_id: int, rules: Sequence[AutoCloseRuleFacts], now: datetime) -> str | None:
    """Lock one call, decide again what is due, apply it; the kind of change made, or None."""
    call = Call.objects.select_for_update(skip_locked=True, of=("self",)).select_related("partition").filter(
        pk=call_id).first()
    if call is None or call.last_action_at is None:
        return None  # another pass holds it (it decides for it), or it has no idle time yet
    facts = call.facts()
    rule = rule_for(facts, rules)
    if rule is None:
        return None
    sent = CallEvent.objects.filter(call=call, action=Action.REMIND.value, at__gt=call.last_action_at).count()
    decision = due(rule, timezone.localtime(call.last_action_at), sent, now)
    if decision.kind is DueKind.REMIND:
        assert decision.number is not None
        save_change(call, None, remind(facts, rule, decision.number, decision.expires_at), now)
        return "reminded"
    if decision.kind is DueKind.NOTHING:
        return None
    if holds_for_validation(facts, rule, sampling := call.sampling()):
        if sent > len(rule.reminders):
            return None  # its closure target was already told at this expiry: it keeps waiting for them
        save_change(call, None, hold_for_validation(facts, rule, sampling, decision.expires_at), now)
        return "reminded"
    if rule.expiry is Expiry.ESCALATE:
        change = escalate(facts, rule, load_settings(call.partition), load_directory(call.partition), now)
        save_change(call, None, change, now)
        return "escalated"
    change = auto_close(facts, rule, now)
    if facts.status in CLOSURE_STATUSES:  # a verdict on a resolution; a call closed off hold had none
        ClosureDecision.objects.create(
            call=call, partition_id=call.partition_id, decided_by=None, decided_at=now,
            outcome=ClosureDecision.Outcome.AUTO_CLOSED, rejections_before=call.times_rejected,
            resolver_id=call.resolved_by_id, resolver_group=call.assigned_group, call_type=call.call_type,
            resolved_at=call.resolved_at, reason=change.note, sampled=call.sampled_under_policy,
            priority=call.priority, closure_sla_met=decision_met(call, now))
    save_change(call, None, change, now)
    return "closed"


def describe_rule(rule: AutoCloseRule) -> dict[str, Any]:
    """A rule as the API, the command line and the page show it, in users' words where they read it."""
    return {
        "partition": rule.partition.name, "name": rule.name, "active": rule.active, "position": rule.position,
        "statuses": list(rule.statuses), "status_labels": [Status(s).label for s in rule.statuses],
        "call_types": list(rule.call_types), "priorities": list(rule.priorities), "idle_days": rule.idle_days,
        "days": rule.day_count.value, "reminders": list(rule.reminders), "expiry": rule.expiry,
        "reason": rule.closure_reason.code if rule.closure_reason else None, "comments": rule.comments,
        "escalation_group": rule.escalation_group.name if rule.escalation_group else None,
        "raise_priority": rule.raise_priority, "priority_to": rule.priority_to,
        "summary": rule_summary(rule),
    }


def rule_summary(rule: AutoCloseRule) -> str:
    """One sentence: 'Forward for Closure idle 10 calendar days: remind after 5 (target, contact); close (FIXED)'."""
    watched = ", ".join(Status(s).label for s in rule.statuses)
    reminders = "; ".join(
        f"remind after {r['after_days']} ({', '.join(a.label for a in Audience if a.value in r['to'])})"
        for r in rule.reminders)
    if rule.expiry == Expiry.CLOSE.value:
        action = f"close ({rule.closure_reason.code if rule.closure_reason else 'no reason'})"
    else:
        group = rule.escalation_group.name if rule.escalation_group else "?"
        priority = (f", priority to {rule.priority_to}" if rule.priority_to else
                    f", priority up {rule.raise_priority}" if rule.raise_priority else "")
        action = f"escalate to {group}{priority}"
    idle = f"{rule.idle_days} {DayCount(rule.day_count).label}"
    return f"{watched} idle {idle}: " + "; ".join(filter(None, [reminders, action]))

