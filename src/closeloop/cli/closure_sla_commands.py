"""Handlers for `closeloop calendar ...` and `closeloop closure-sla ...` (changes need IPK Setup)."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from closeloop.closure import InvalidInput
from closeloop.partitions import closure_sla
from closeloop.partitions.models import Partition
from closeloop.partitions.services import UNSET, get_partition, partition_for

from .commands import CommandTree, Output

__all__ = ["register"]

Actor = Any


def _partition(args: Namespace, actor: Actor) -> Partition:
    return get_partition(args.partition, actor) if args.partition else partition_for(None, actor)


def _pairs(items: list[str] | None, what: str, field: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"Write {what} as KEY=VALUE (got {item!r})", field=field)
        pairs[key.strip()] = value.strip()
    return pairs


def _calendar_output(data: dict[str, Any], dry_run: bool = False) -> Output:
    lines = [f"Business calendar of {data['partition']} (time zone {data['timezone']})"
             + (" — dry run, nothing saved" if dry_run else "") + ":"]
    lines += [f"  {day}: {hours}" for day, hours in data["hours"].items()]
    lines.append("  holidays: " + (", ".join(f"{h['date']} {h['name']}".strip() for h in data["holidays"])
                                   or "none"))
    return Output("\n".join(lines), {**data, "dry_run": dry_run})


def calendar_show(args: Namespace, actor: Actor) -> Output:
    return _calendar_output(closure_sla.calendar_as_dict(_partition(args, actor)))


def calendar_set(args: Namespace, actor: Actor) -> Output:
    hours = _pairs(args.hours, "hours", "hours")
    if args.timezone is None and not hours:
        raise InvalidInput("Give --timezone and/or --hours DAY=HH:MM-HH:MM", field="hours")
    data = closure_sla.set_calendar(_partition(args, actor), actor, args.change_reason,
                                    timezone=args.timezone if args.timezone is not None else UNSET,
                                    hours=hours or UNSET, dry_run=args.dry_run)
    return _calendar_output(data, args.dry_run)


def holiday_add(args: Namespace, actor: Actor) -> Output:
    return _calendar_output(closure_sla.add_holiday(_partition(args, actor), args.date, args.name, actor,
                                                    args.change_reason))


def holiday_remove(args: Namespace, actor: Actor) -> Output:
    return _calendar_output(closure_sla.remove_holiday(_partition(args, actor), args.date, actor,
                                                       args.change_reason))


def _sla_output(data: dict[str, Any], dry_run: bool = False) -> Output:
    head = f"Closure-stage SLA of {data['partition']}" + (" — dry run, nothing saved" if dry_run else "")
    if not data["active"]:
        head += ": no targets (no closure SLA)"
    lines = [head + ":"] + [f"  {p.upper()}: {t or 'no target'} (business time)"
                            for p, t in data["targets"].items()]
    lines.append(f"  about to breach at {data['warn_percent']}% of the target")
    return Output("\n".join(lines), {**data, "dry_run": dry_run})


def sla_show(args: Namespace, actor: Actor) -> Output:
    return _sla_output(closure_sla.closure_sla_as_dict(_partition(args, actor)))


def sla_set(args: Namespace, actor: Actor) -> Output:
    targets = _pairs(args.target, "a target", "targets")
    if not targets and args.warn_percent is None:
        raise InvalidInput("Give targets (p1=4h p2=8h ...) and/or --warn-percent", field="targets")
    data = closure_sla.set_closure_sla(_partition(args, actor), actor, args.change_reason,
                                       targets=targets or UNSET,
                                       warn_percent=args.warn_percent if args.warn_percent is not None else UNSET,
                                       dry_run=args.dry_run)
    return _sla_output(data, args.dry_run)


def register(tree: CommandTree) -> None:
    """A partition's business calendar and closure-stage SLA targets."""
    cal = tree.family("calendar", "a partition's business calendar (hours per weekday, holidays, time zone)")
    p = tree.leaf(cal, "show", calendar_show, "show the calendar")
    p.add_argument("--partition")
    p = tree.leaf(cal, "set", calendar_set, "change the time zone and/or weekdays' hours (IPK Setup)")
    p.add_argument("--partition")
    p.add_argument("--timezone", help="an IANA name, e.g. Europe/London")
    p.add_argument("--hours", nargs="+", metavar="DAY=HOURS", help="e.g. sat=10:00-14:00 fri=closed")
    p.add_argument("--change-reason", required=True)
    p.add_argument("--dry-run", action="store_true", help="check and show, save nothing")
    holiday = cal.add_parser("holiday", help="add or remove a holiday", parents=[tree.common]).add_subparsers(
        title="sub-commands", metavar="ACTION", parser_class=tree.parser_class)
    p = tree.leaf(holiday, "add", holiday_add, "add a holiday (IPK Setup)")
    p.add_argument("date", help="YYYY-MM-DD")
    p.add_argument("--name", default="")
    p.add_argument("--partition")
    p.add_argument("--change-reason")
    p = tree.leaf(holiday, "remove", holiday_remove, "remove a holiday (IPK Setup)")
    p.add_argument("date", help="YYYY-MM-DD")
    p.add_argument("--partition")
    p.add_argument("--change-reason")
    sla = tree.family("closure-sla", "a partition's closure-stage SLA targets per priority (business time)")
    p = tree.leaf(sla, "show", sla_show, "show the targets")
    p.add_argument("--partition")
    p = tree.leaf(sla, "set", sla_set, "set targets and/or the warning point (IPK Setup)")
    p.add_argument("target", nargs="*", metavar="PRIORITY=TIME", help="e.g. p1=4h p2=8h p3=16h p4=40h; p4=- removes")
    p.add_argument("--warn-percent", help="about to breach once this share of the target is used (1-99)")
    p.add_argument("--partition")
    p.add_argument("--change-reason", required=True)
    p.add_argument("--dry-run", action="store_true", help="check and show, save nothing")
