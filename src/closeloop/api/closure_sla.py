"""A partition's business calendar and closure-stage SLA targets in the REST API.

`GET` reads them (any analyst of the partition); `PUT` changes them (IPK Setup and a change reason),
audited like the closure settings; `dry_run=true` checks and answers what would be saved, saving nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from closeloop.api.auth import caller
from closeloop.api.schemas import PartitionName, Text, WholeNumber, responses
from closeloop.partitions import closure_sla
from closeloop.partitions.services import UNSET, get_partition

__all__ = ["router"]

router = Router(tags=["partitions"])


class HolidayOut(Schema):
    """A whole local date off."""

    date: str = Field(..., examples=["2026-12-25"])
    name: str = Field("", examples=["Christmas Day"])


class CalendarOut(Schema):
    """When the partition's closers work: business time for the closure-stage SLA counts only these hours."""

    partition: str
    version: int = Field(..., description="0 while the partition uses the default calendar")
    timezone: str = Field(..., examples=["Europe/London"])
    hours: dict[str, str] = Field(..., examples=[{"mon": "09:00-17:00", "sat": "closed"}],
                                  description="Per weekday (mon ... sun): HH:MM-HH:MM or closed")
    holidays: list[HolidayOut]
    dry_run: bool = False


class HolidayIn(Schema):
    date: Text = Field(..., examples=["2026-12-25"])
    name: Text = ""


class CalendarUpdate(Schema):
    """Change the time zone, some weekdays' hours and/or the whole holiday list (IPK Setup)."""

    timezone: Text | None = Field(None, examples=["Europe/London"])
    hours: dict[str, Text | None] | None = Field(None, examples=[{"sat": "10:00-14:00", "fri": "09:00-16:00"}],
                                                 description="Weekdays left out keep their hours; closed or null: "
                                                             "a day off")
    holidays: list[HolidayIn] | None = Field(None, description="Replaces the whole list when given")
    change_reason: Text = Field(..., examples=["Saturday cover from January"])


class ClosureSlaOut(Schema):
    """Closure-stage targets per priority in business time (null: no target for that priority)."""

    partition: str
    version: int = Field(..., description="0 while the partition has no closure SLA")
    active: bool = Field(..., description="Some priority has a target")
    targets: dict[str, str | None] = Field(..., examples=[{"p1": "4h", "p2": "8h", "p3": "16h", "p4": "40h"}])
    target_minutes: dict[str, int | None]
    warn_percent: int = Field(..., examples=[75], description="About to breach once this share of the target is "
                                                              "used")
    dry_run: bool = False


class ClosureSlaUpdate(Schema):
    """New targets for some priorities and/or the warning point (IPK Setup)."""

    targets: dict[str, Text | WholeNumber | None] | None = Field(
        None, examples=[{"p1": "4h", "p2": "8h", "p3": "16h", "p4": "40h"}],
        description="p1-p4: 4h, 1h30m or minutes; null removes a target; priorities left out keep theirs")
    warn_percent: WholeNumber | None = Field(None, examples=[75])
    change_reason: Text = Field(..., examples=["Closure SLA agreed with the business"])


@router.get("/{name}/calendar", response=responses(CalendarOut), summary="Business calendar")
def read_calendar(request: HttpRequest, name: PartitionName) -> dict[str, Any]:
    """The partition's time zone, working hours per weekday and holidays."""
    return closure_sla.calendar_as_dict(get_partition(name, caller(request)))


@router.put("/{name}/calendar", response=responses(CalendarOut),
            summary="Change the business calendar (needs IPK Setup and a change reason)")
def change_calendar(request: HttpRequest, name: PartitionName, body: CalendarUpdate,
                    dry_run: bool = False) -> dict[str, Any]:
    actor = caller(request)
    partition = get_partition(name, actor)
    hours = dict(body.hours) if body.hours is not None else UNSET
    holidays = ([(h.date, h.name) for h in body.holidays] if body.holidays is not None else UNSET)
    shown = closure_sla.set_calendar(partition, actor, body.change_reason, timezone=body.timezone or UNSET,
                                     hours=hours, holidays=holidays, dry_run=dry_run)
    return {**shown, "dry_run": dry_run}


@router.get("/{name}/closure-sla", response=responses(ClosureSlaOut), summary="Closure-stage SLA targets")
def read_closure_sla(request: HttpRequest, name: PartitionName) -> dict[str, Any]:
    """How long a resolved call of each priority may wait for its closure verdict, in business time."""
    return closure_sla.closure_sla_as_dict(get_partition(name, caller(request)))


@router.put("/{name}/closure-sla", response=responses(ClosureSlaOut),
            summary="Change the closure-stage SLA targets (needs IPK Setup and a change reason)")
def change_closure_sla(request: HttpRequest, name: PartitionName, body: ClosureSlaUpdate,
                       dry_run: bool = False) -> dict[str, Any]:
    actor = caller(request)
    partition = get_partition(name, actor)
    targets = dict(body.targets) if body.targets is not None else UNSET
    warn = body.warn_percent if body.warn_percent is not None else UNSET
    shown = closure_sla.set_closure_sla(partition, actor, body.change_reason, targets=targets, warn_percent=warn,
                                        dry_run=dry_run)
    return {**shown, "dry_run": dry_run}
