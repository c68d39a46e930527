"""A partition's business calendar and closure-stage SLA targets: read them, change them (audited).

Both are configuration, changed by analysts with the IPK Setup right with a change reason, like the
closure settings (`audit.audited_change`): the settings history shows who changed what, when and why.
Defaults, until a partition changes them: Monday to Friday 09:00-17:00 in the install's time zone
(`TIME_ZONE`), no holidays, and no closure-stage targets (no closure SLA).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import QuerySet

from closeloop.accounts.models import Analyst
from closeloop.closure import InvalidInput
from closeloop.closure.calendar import (
    DEFAULT_HOURS,
    WEEKDAYS,
    BusinessCalendar,
    format_business_duration,
    hours_by_weekday,
    parse_business_duration,
    parse_holiday,
    parse_hours,
)
from closeloop.closure.sla import DEFAULT_WARN_PERCENT, PRIORITIES, ClosureSlaPolicy

from .audit import audited_change
from .models import ClosureSlaTargets, Partition, PartitionCalendar, SettingsChange
from .services import UNSET, Unset
from .snapshot import remembered

__all__ = [
    "load_calendar",
    "load_closure_sla",
    "load_closure_sla_policies",
    "policy_from_rows",
    "calendar_as_dict",
    "closure_sla_as_dict",
    "set_calendar",
    "add_holiday",
    "remove_holiday",
    "set_closure_sla",
]

HOLIDAY_NAME_MAX = 80


def _default_row(partition: Partition) -> PartitionCalendar:
    return PartitionCalendar(partition=partition, timezone=settings.TIME_ZONE, hours=hours_by_weekday(DEFAULT_HOURS),
                             holidays=[], version=0)


def _calendar_value(row: PartitionCalendar) -> BusinessCalendar:
    hours = tuple(parse_hours(row.hours.get(day), day) for day in WEEKDAYS)
    holidays = frozenset(parse_holiday(h["date"]) for h in row.holidays)
    return BusinessCalendar(row.timezone, hours, holidays)


def _calendar_row(partition: Partition) -> PartitionCalendar:
    return PartitionCalendar.objects.filter(partition=partition).first() or _default_row(partition)


def load_calendar(partition: Partition) -> BusinessCalendar:
    """The partition's business calendar (the default one until it is changed)."""
    return _calendar_value(_calendar_row(partition))


def _policy(calendar: BusinessCalendar, row: ClosureSlaTargets | None) -> ClosureSlaPolicy:
    if row is None:
        return ClosureSlaPolicy(calendar)
    minutes = {p: getattr(row, f"p{p}_minutes") for p in PRIORITIES}
    return ClosureSlaPolicy(calendar, {p: timedelta(minutes=m) for p, m in minutes.items() if m}, row.warn_percent)


def policy_from_rows(targets: Any, calendar: Any | None) -> ClosureSlaPolicy:
    """A partition's closure SLA from its `ClosureSlaTargets` row and its `PartitionCalendar` row (None: the
    default calendar). Only the rows' fields are read, so a migration's historical rows do as well."""
    value = _calendar_value(calendar) if calendar is not None else BusinessCalendar(settings.TIME_ZONE)
    return _policy(value, targets)


def load_closure_sla(partition: Partition) -> ClosureSlaPolicy:
    """The partition's closure-stage SLA: calendar, targets per priority and warning point (one query)."""
    return load_closure_sla_policies([partition.id]).get(partition.id, ClosureSlaPolicy())


def _joined_calendar(row: ClosureSlaTargets) -> PartitionCalendar:
    try:
        return row.partition.calendar
    except ObjectDoesNotExist:  # none of its own yet: the default calendar
        return _default_row(row.partition)


def _every_policy() -> dict[int, ClosureSlaPolicy]:
    rows = ClosureSlaTargets.objects.select_related("partition__calendar")
    return {row.partition_id: _policy(_calendar_value(_joined_calendar(row)), row) for row in rows if row.minutes()}


def load_closure_sla_policies(partitions: Iterable[int] | QuerySet[Partition]) -> dict[int, ClosureSlaPolicy]:
    """The closure-stage SLA of the partitions (ids, or a query of them) that have targets. Every partition's
    is read in one query and kept with the desk's settings (`remembered`, shared while the desk version
    holds), so a page of calls costs no query for it. A partition left out has no closure SLA; for a query
    of partitions every partition's is returned (the caller looks up the partitions of its calls)."""
    policies = remembered(("closure_sla",), _every_policy, shared=True)
    if isinstance(partitions, QuerySet):
        return dict(policies)
    wanted = set(partitions)
    return {pid: policy for pid, policy in policies.items() if pid in wanted}


def calendar_as_dict(partition: Partition) -> dict[str, Any]:
    """The calendar as the API, the command line and the page show it."""
    row = _calendar_row(partition)
    return {"partition": partition.name, "version": row.version, "timezone": row.timezone,
            "hours": {day: row.hours.get(day, "closed") for day in WEEKDAYS},
            "holidays": sorted(row.holidays, key=lambda h: h["date"])}


def closure_sla_as_dict(partition: Partition) -> dict[str, Any]:
    """The targets as the API, the command line and the page show them ("4h"; null: no target)."""
    row = ClosureSlaTargets.objects.filter(partition=partition).first()
    minutes = row.minutes() if row is not None else {}
    return {"partition": partition.name, "version": row.version if row is not None else 0,
            "active": bool(minutes),
            "targets": {f"p{p}": format_business_duration(timedelta(minutes=minutes[p])) if p in minutes else None
                        for p in PRIORITIES},
            "target_minutes": {f"p{p}": minutes.get(p) for p in PRIORITIES},
            "warn_percent": row.warn_percent if row is not None else DEFAULT_WARN_PERCENT}


def _audited_calendar(partition: Partition) -> dict[str, Any]:
    data = calendar_as_dict(partition)
    return {"time zone": data["timezone"], **{f"hours {day}": data["hours"][day] for day in WEEKDAYS},
            "holidays": [f"{h['date']} {h['name']}".strip() for h in data["holidays"]]}


def _change_calendar(partition: Partition, actor: Analyst | None, change_reason: str | None, change: Any,
                     dry_run: bool = False) -> dict[str, Any]:
    """Lock, apply `change(row)` to the partition's calendar row, check it as a calendar, save it (audited)."""
    with transaction.atomic():
        with audited_change(partition, SettingsChange.Subject.BUSINESS_CALENDAR, actor, change_reason,
                            lambda: _audited_calendar(partition), dry_run=dry_run):
            row = PartitionCalendar.objects.select_for_update().filter(partition=partition).first()
            if row is None:
                row = _default_row(partition)
                row.version = 1
            before = (row.timezone, dict(row.hours), list(row.holidays))
            change(row)
            _calendar_value(row)  # refused here, naming the field, if the result is not a calendar
            if row.pk is not None and before != (row.timezone, row.hours, row.holidays):
                row.version += 1
            row.save()
            shown = calendar_as_dict(partition)  # read inside: a dry run shows what would be saved
        return shown


def set_calendar(partition: Partition, actor: Analyst | None, change_reason: str | None, *,
                 timezone: str | Unset = UNSET, hours: Mapping[str, str | None] | Unset = UNSET,
                 holidays: Iterable[tuple[str | date, str]] | Unset = UNSET,
                 dry_run: bool = False) -> dict[str, Any]:
    """Change the time zone, some weekdays' hours ({"sat": "10:00-14:00", "mon": "closed"}) and/or the whole
    list of holidays ([(date, name)]); audited.

    Calls already in the closure stage are measured on the new calendar from now on (their due time moves).
    """
    def change(row: PartitionCalendar) -> None:
        if timezone is not UNSET:
            name = (timezone or "").strip()
            BusinessCalendar(name or "?")  # an unknown zone is refused, naming the field
            row.timezone = name
        if hours is not UNSET:
            cleaned = dict(row.hours)
            for day, text in hours.items():
                key = str(day).strip().lower()[:3]
                if key not in WEEKDAYS:
                    raise InvalidInput(f"Unknown weekday {day!r}: use {', '.join(WEEKDAYS)}", field="hours")
                cleaned[key] = str(parse_hours(text, key) or "closed")
            row.hours = cleaned
        if holidays is not UNSET:
            row.holidays = _holiday_list(holidays)
    return _change_calendar(partition, actor, change_reason, change, dry_run)


def _holiday_name(name: str | None) -> str:
    label = " ".join((name or "").split())
    if len(label) > HOLIDAY_NAME_MAX:
        raise InvalidInput(f"A holiday name has at most {HOLIDAY_NAME_MAX} characters", field="name")
    return label


def _holiday_list(holidays: Iterable[tuple[str | date, str]]) -> list[dict[str, str]]:
    """Holidays by date, one per date (a date given twice keeps its last name)."""
    by_date = {parse_holiday(day, "holidays").isoformat(): _holiday_name(name) for day, name in holidays}
    return [{"date": day, "name": by_date[day]} for day in sorted(by_date)]


def add_holiday(partition: Partition, day: str | date, name: str | None, actor: Analyst | None,
                change_reason: str | None = None) -> dict[str, Any]:
    """Add a holiday (a whole local date off) to the calendar, or rename the one on that date; audited."""
    when = parse_holiday(day, "date")
    label = _holiday_name(name)

    def change(row: PartitionCalendar) -> None:
        row.holidays = _holiday_list([*((h["date"], h["name"]) for h in row.holidays), (when, label)])
    reason = change_reason or f"Holiday {when.isoformat()} {label}".strip()
    return _change_calendar(partition, actor, reason, change)


def remove_holiday(partition: Partition, day: str | date, actor: Analyst | None,
                   change_reason: str | None = None) -> dict[str, Any]:
    """Take a holiday off the calendar (refused, naming the date, if it is not one); audited."""
    when = parse_holiday(day, "date")

    def change(row: PartitionCalendar) -> None:
        kept = [h for h in row.holidays if h["date"] != when.isoformat()]
        if len(kept) == len(row.holidays):
            raise InvalidInput(f"{when.isoformat()} is not a holiday of partition {partition.name}", field="date")
        row.holidays = kept
    return _change_calendar(partition, actor, change_reason or f"No longer a holiday: {when.isoformat()}", change)


def _audited_targets(partition: Partition) -> dict[str, Any]:
    data = closure_sla_as_dict(partition)
    return {**{f"P{p} target": data["targets"][f"p{p}"] or "none" for p in PRIORITIES},
            "about to breach at": f"{data['warn_percent']}%"}


def _warn_percent(value: Any) -> int:
    text = str(value).strip().rstrip("%").strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 99:
        raise InvalidInput(f"The warning point is a share of the target from 1 to 99% (got {value!r})",
                           field="warn_percent")
    return int(text)


@transaction.atomic
def set_closure_sla(partition: Partition, actor: Analyst | None, change_reason: str | None, *,
                    targets: Mapping[Any, str | int | None] | Unset = UNSET, warn_percent: Any = UNSET,
                    dry_run: bool = False) -> dict[str, Any]:
    """Set closure-stage targets per priority ({"p1": "4h", "p4": None}: None or "-" removes one; priorities
    left out keep theirs) and/or the warning point; audited. Calls in the closure stage are measured
    against the new targets at once."""
    with audited_change(partition, SettingsChange.Subject.CLOSURE_SLA, actor, change_reason,
                        lambda: _audited_targets(partition), dry_run=dry_run):
        row = ClosureSlaTargets.objects.select_for_update().filter(partition=partition).first()
        if row is None:
            row = ClosureSlaTargets(partition=partition)
        before = (row.minutes(), row.warn_percent)
        if targets is not UNSET:
            for key, value in targets.items():
                priority = str(key).strip().lower().removeprefix("p")
                if not priority.isdigit() or int(priority) not in PRIORITIES:
                    raise InvalidInput(f"Targets are per priority p1 to p4 (got {key!r})", field="targets")
                field = f"p{int(priority)}"
                duration = parse_business_duration(value, field)
                setattr(row, f"{field}_minutes", int(duration.total_seconds() // 60) if duration else None)
        if warn_percent is not UNSET:
            row.warn_percent = _warn_percent(warn_percent)
        if row.pk is not None and before != (row.minutes(), row.warn_percent):
            row.version += 1
        row.save()
        shown = closure_sla_as_dict(partition)  # read inside: a dry run shows what would be saved
    return shown
