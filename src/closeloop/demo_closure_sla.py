"""The demo desk's closure SLA: Default's business calendar and closure-stage targets, set before its calls are
played (each closure decision records its verdict on the targets of its day, so the Closure SLA report has
eight weeks of verdicts), and a few resolved calls timed so Calls Outstanding shows calls on time, about to
breach and breached whenever the demo is loaded."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.conf import settings

from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.closure.calendar import BusinessCalendar
from closeloop.contacts.demo_data import pick_demo_contact
from closeloop.desk import DEFAULT_PARTITION
from closeloop.notifications.closure_sla import closure_sla_pass
from closeloop.partitions import closure_sla
from closeloop.partitions.models import IpkGroup, Partition

__all__ = ["DEMO_TARGETS", "set_demo_closure_sla", "load_demo_closure_sla"]

REASON = "Demo desk: closers answer resolved calls within a business day or two"
DEMO_TARGETS = {"p1": "4h", "p2": "8h", "p3": "16h", "p4": "40h"}
# (summary, priority, share of the target already used when the demo is loaded; over 1 is breached)
TIMED_CALLS = [
    ("Sales team cannot reach the CRM", 1, 0.85),
    ("Scanner on floor 2 sends blank pages", 3, 0.8),
    ("Wrong default printer after the update", 3, 0.3),
    ("Payroll export fails at month end", 2, 1.5),
]


def _holidays(today: date) -> list[tuple[date, str]]:
    return [(date(y, m, d), name) for y in (today.year, today.year + 1)
            for m, d, name in ((1, 1, "New Year's Day"), (12, 25, "Christmas Day"), (12, 26, "Boxing Day"))]


def _resolved_at(calendar: BusinessCalendar, now: datetime, used: timedelta) -> datetime:
    """The latest quarter hour before `now` with `used` of business time between it and `now`."""
    at = now.replace(second=0, microsecond=0)
    while calendar.business_time_between(at, now) < used:
        at -= timedelta(minutes=15)
    return at


def set_demo_closure_sla(today: date) -> None:
    """Set Default's calendar and targets (audited), before the demo's calls are played."""
    partition = Partition.objects.get(name=DEFAULT_PARTITION)
    closure_sla.set_calendar(partition, None, REASON, timezone=settings.TIME_ZONE,
                             hours={day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")},
                             holidays=[(d.isoformat(), name) for d, name in _holidays(today)])
    closure_sla.set_closure_sla(partition, None, REASON, targets=DEMO_TARGETS, warn_percent=75)


def load_demo_closure_sla(now: datetime, seed: int = 11) -> None:
    """Resolve the timed calls on Default's closure SLA (`set_demo_closure_sla`), and run the notice pass once."""
    partition = Partition.objects.get(name=DEFAULT_PARTITION)
    policy = closure_sla.load_closure_sla(partition)
    rng = random.Random(seed)
    alice = Analyst.objects.get(username="alice")
    desk = IpkGroup.objects.get(partition=partition, name="Service Desk")
    for summary, priority, share in TIMED_CALLS:
        target = policy.targets[priority]
        resolved = _resolved_at(policy.calendar, now, target * share)
        call = calls.log_call(partition, "incident", summary, priority=priority, log_group=desk,
                              assigned_analyst=alice, contact=pick_demo_contact(rng, partition), actor=alice,
                              at=resolved - timedelta(hours=2))
        calls.resolve_call(call.ref, alice, "Fixed and checked with the user.", at=resolved)
    closure_sla_pass(now)
