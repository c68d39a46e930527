"""Handlers for `closeloop autoclose list/add/set/deactivate/activate/run`: Call Auto Close rules and one pass."""

from __future__ import annotations

import argparse
from argparse import Namespace
from datetime import datetime
from typing import Any

from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.autoclose import services as autoclose
from closeloop.closure import InvalidInput, NotAllowed
from closeloop.partitions import services as partitions

from .commands import CommandTree, Output

Actor = Analyst | None

# option name -> the service's field name; an option left out keeps the rule's value
_FIELDS = ("name", "statuses", "call_types", "priorities", "idle_days", "business_days", "reminders", "expiry",
           "reason", "comments", "escalation_group", "raise_priority", "priority_to", "position")


def _values(args: Namespace) -> dict[str, Any]:
    values = {key: getattr(args, key) for key in _FIELDS if getattr(args, key, None) is not None}
    if getattr(args, "no_reminders", False):
        values["reminders"] = []
    return values


def _saved(verb: str, saved: autoclose.RuleSaved, dry_run: bool = False) -> Output:
    """The rule as saved; for a dry run, as it would be, and the preview of what the rules would do."""
    rule = saved.rule
    head = (f"Rule {rule.name} {verb} in {rule.partition.name}{' (dry run, not saved)' if dry_run else ''}: "
            f"{autoclose.rule_summary(rule)}. It matches {saved.matches} call(s) now.")
    preview = saved.preview
    return Output("\n".join([head, *(preview.lines() if preview else [])]),
                  {**autoclose.describe_rule(rule), "matches_now": saved.matches, "dry_run": dry_run,
                   "preview": preview.as_dict() if preview else None})


def rule_list(args: Namespace, actor: Actor) -> Output:
    data = [{**autoclose.describe_rule(r), "matches_now": autoclose.rule_matches_now(r)}
            for r in autoclose.list_rules(actor, args.partition)]
    lines = [f"{d['partition']} #{d['position']} {d['name']}{'' if d['active'] else ' [inactive]'}: {d['summary']} "
             f"({d['matches_now']} call(s) now)" for d in data]
    return Output("\n".join(lines) or "No Call Auto Close rules.", data)


def rule_add(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    saved = autoclose.add_rule(partition, args.change_reason, actor, dry_run=args.dry_run, **_values(args))
    return _saved("would be added" if args.dry_run else "added", saved, args.dry_run)


def rule_set(args: Namespace, actor: Actor) -> Output:
    rule = autoclose.get_rule(partitions.get_partition(args.partition, actor), args.rule)
    values = _values(args)
    if args.rename:
        values["name"] = args.rename
    if args.active is not None:
        values["active"] = args.active
    saved = autoclose.set_rule(rule, args.change_reason, actor, dry_run=args.dry_run, **values)
    return _saved("would be changed" if args.dry_run else "changed", saved, args.dry_run)


def rule_deactivate(args: Namespace, actor: Actor) -> Output:
    rule = autoclose.get_rule(partitions.get_partition(args.partition, actor), args.rule)
    saved = autoclose.deactivate_rule(rule, args.change_reason, actor, dry_run=args.dry_run)
    return _saved("would be deactivated" if args.dry_run else "deactivated", saved, args.dry_run)


def rule_activate(args: Namespace, actor: Actor) -> Output:
    rule = autoclose.get_rule(partitions.get_partition(args.partition, actor), args.rule)
    saved = autoclose.set_rule(rule, args.change_reason, actor, dry_run=args.dry_run, active=True)
    return _saved("would be activated" if args.dry_run else "activated", saved, args.dry_run)


def run_pass(args: Namespace, actor: Actor) -> Output:
    if actor is not None:
        raise NotAllowed("The auto-close pass runs as the system operator: leave out --as")
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise InvalidInput(f"--now must be a date and time as YYYY-MM-DDTHH:MM (got {args.now!r})",
                               field="now") from None
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
    summary = autoclose.auto_close_pass(now)
    return Output(f"Call Auto Close: {summary}.", {"reminded": summary.reminded, "closed": summary.closed,
                                                   "escalated": summary.escalated, "failed": summary.failed,
                                                   "calls": summary.refs})


def _rule_options(p: argparse.ArgumentParser, adding: bool) -> None:
    if adding:
        p.add_argument("--name", required=True)
        p.add_argument("--status", dest="statuses", action="append", required=True, metavar="STATUS",
                       help="forward_for_closure, forward_to_you_for_close or on_hold (repeat for several)")
        p.add_argument("--idle-days", dest="idle_days", type=int, required=True)
    else:
        p.add_argument("--rename", metavar="NAME")
        p.add_argument("--status", dest="statuses", action="append", metavar="STATUS")
        p.add_argument("--idle-days", dest="idle_days", type=int)
        p.add_argument("--active", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--type", dest="call_types", action="append", metavar="TYPE", help="call type (default: all)")
    p.add_argument("--priority", dest="priorities", action="append", type=int, metavar="N",
                   help="priority 1-4 (default: all)")
    p.add_argument("--business-days", dest="business_days", action=argparse.BooleanOptionalAction, default=None,
                   help="count Monday to Friday only")
    p.add_argument("--remind", dest="reminders", action="append", metavar="DAYS:WHO",
                   help="a reminder after DAYS idle days to target and/or contact, e.g. 5:target,contact "
                        "(up to three)")
    p.add_argument("--no-reminders", action="store_true", help="send no reminders")
    p.add_argument("--expiry", choices=["close", "escalate"])
    p.add_argument("--reason", metavar="CODE", help="closure reason of the calls the rule closes")
    p.add_argument("--comments", help="added to the closure comments")
    p.add_argument("--escalation-group", dest="escalation_group", metavar="GROUP")
    p.add_argument("--raise-priority", dest="raise_priority", type=int, metavar="N")
    p.add_argument("--priority-to", dest="priority_to", type=int, metavar="N")
    p.add_argument("--position", type=int, help="place in the order (0 is tried first)")
    p.add_argument("--change-reason", required=True)
    _dry_run_option(p)


def _dry_run_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true",
                   help="check the change and preview what the rules would do after it, without saving")


def register(tree: CommandTree) -> None:
    """Call Auto Close commands."""
    ac = tree.family("autoclose", "Call Auto Close rules and the auto-close pass")
    p = tree.leaf(ac, "list", rule_list, "list Call Auto Close rules with the calls each matches now")
    p.add_argument("partition", nargs="?")
    p = tree.leaf(ac, "add", rule_add, "add a Call Auto Close rule (needs --change-reason)")
    p.add_argument("partition")
    _rule_options(p, adding=True)
    p = tree.leaf(ac, "set", rule_set, "change a Call Auto Close rule (needs --change-reason)")
    p.add_argument("partition")
    p.add_argument("rule", help="the rule's name")
    _rule_options(p, adding=False)
    for verb, handler in (("deactivate", rule_deactivate), ("activate", rule_activate)):
        p = tree.leaf(ac, verb, handler, f"{verb} a Call Auto Close rule (needs --change-reason)")
        p.add_argument("partition")
        p.add_argument("rule")
        p.add_argument("--change-reason", required=True)
        _dry_run_option(p)
    p = tree.leaf(ac, "run", run_pass, "run one auto-close pass now: reminders, closes and escalations due")
    p.add_argument("--now", help="act as if it were this time (YYYY-MM-DDTHH:MM), for testing")
