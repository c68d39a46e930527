"""A small fixed desk history for the reports, built through the call services with `at=` times.

Period under test: Monday 2 March 2026 to Sunday 15 March 2026 (weeks commencing 2 and 9 March).
All times UTC. Durations from (last) resolve to close, in hours:

| call | group        | type            | resolver | logged       | resolved          | closed             | hours |
|------|--------------|-----------------|----------|--------------|-------------------|--------------------|-------|
| c8   | Service Desk | incident        | alice    | 01 Mar 21:00 | 01 Mar 22:00      | 01 Mar 23:59 (out) |       |
| c7   | Service Desk | incident        | alice    | 01 Mar 19:00 | 01 Mar 20:00      | 02 Mar 00:00       | 4     |
| c1   | Service Desk | incident        | alice    | 02 Mar 08:00 | 02 Mar 09:00      | 02 Mar 10:00       | 1     |
| c2   | Service Desk | service_request | alice    | 03 Mar 08:00 | 03 Mar 09:00      | 03 Mar 12:00       | 3     |
| c3   | Service Desk | incident        | rita     | 04 Mar 07:00 | 08:00, rejected 08:30, 09:00 | 04 Mar 14:00 | 5 |
| c4   | Network      | problem         | bob      | 09 Mar 08:00 | 09 Mar 09:00      | 09 Mar 11:00       | 2     |
| c5   | Network      | incident        | bob      | 15 Mar 12:00 | 15 Mar 13:59:59   | 15 Mar 23:59:59    | 10    |
| c6   | Network      | incident        | bob      | 15 Mar 20:00 | 15 Mar 21:00      | 16 Mar 00:00 (out) |       |
| c9   | (none)       | incident        |          | 10 Mar 10:00 | open              |                    |       |
| c10  | Service Desk | incident        | alice    | 12 Mar 08:00 | 12 Mar 09:00      | waiting            |       |
| c11  | Network      | incident        | bob      | 15 Mar 21:30 | 15 Mar 22:00      | waiting            |       |
| c12  | Service Desk | incident        | alice    | 01 Mar 09:00 | 01 Mar 10:00      | waiting (out)      |       |

carol closes Service Desk calls, mia closes Network calls; c5 is closed as WORKAROUND, the other
incidents as FIXED; c3 is rejected once (category not_fixed) before it is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from closeloop.autoclose import services as autoclose
from closeloop.calls import services as calls
from closeloop.partitions import quality
from closeloop.partitions import services as partitions
from closeloop.reports.base import Period, parse_period
from closeloop.reports.waits import PRECISION

REASON = {"incident": "FIXED", "service_request": "FULFILLED", "problem": "ROOT_CAUSE"}


def about(hours: float) -> object:
    """A time-to-close figure as the report shows it: read off the wait histogram, within its documented
    precision of the exact `hours`, then rounded to hundredths of an hour."""
    return pytest.approx(hours, rel=PRECISION, abs=0.005)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


@dataclass
class History:
    desk: object
    period: Period
    refs: dict[str, str]


def _call(desk, name, group, worker, closer, logged, resolved, closed=None, kind="incident", reason=None,
          rejected=None):  # type: ignore[no-untyped-def]
    logger = worker
    call = calls.log_call(desk.default, kind, f"Fixture call {name}", log_group=group, actor=logger, at=logged)
    calls.assign_call(call.ref, logger, group=group, analyst=worker, at=logged + timedelta(minutes=1))
    if rejected is not None:
        first, when = rejected
        calls.resolve_call(call.ref, worker, "First attempt", at=first)
        calls.reject_resolution(call.ref, closer, "Still broken", category="not_fixed", at=when)
    calls.resolve_call(call.ref, worker, "Done", at=resolved)
    if closed is not None:
        ticked = [i.id for i in quality.checklist(desk.default)]
        calls.close_call(call.ref, closer, "Checked with the user", reason=reason or REASON[kind], ticked=ticked,
                         at=closed)
    return call.ref


@pytest.fixture
def history(desk) -> History:  # type: ignore[no-untyped-def]
    partitions.add_closure_reason(desk.default, "WORKAROUND", "Workaround", ["incident"])
    quality.add_rejection_category(desk.default, "not_fixed", "Not fixed", "reports fixture")
    sd, net = desk.service_desk, desk.network
    refs = {
        "c8": _call(desk, "c8", sd, desk.alice, desk.carol, at(1, 21), at(1, 22), at(1, 23, 59)),
        "c7": _call(desk, "c7", sd, desk.alice, desk.carol, at(1, 19), at(1, 20), at(2, 0)),
        "c1": _call(desk, "c1", sd, desk.alice, desk.carol, at(2, 8), at(2, 9), at(2, 10)),
        "c2": _call(desk, "c2", sd, desk.alice, desk.carol, at(3, 8), at(3, 9), at(3, 12), kind="service_request"),
        "c3": _call(desk, "c3", sd, desk.rita, desk.carol, at(4, 7), at(4, 9), at(4, 14),
                    rejected=(at(4, 8), at(4, 8, 30))),
        "c4": _call(desk, "c4", net, desk.bob, desk.mia, at(9, 8), at(9, 9), at(9, 11), kind="problem"),
        "c5": _call(desk, "c5", net, desk.bob, desk.mia, at(15, 12), at(15, 13, 59, 59), at(15, 23, 59, 59),
                    reason="WORKAROUND"),
        "c6": _call(desk, "c6", net, desk.bob, desk.mia, at(15, 20), at(15, 21), at(16, 0)),
        "c10": _call(desk, "c10", sd, desk.alice, desk.carol, at(12, 8), at(12, 9)),
        "c11": _call(desk, "c11", net, desk.bob, desk.mia, at(15, 21, 30), at(15, 22)),
        "c12": _call(desk, "c12", sd, desk.alice, desk.carol, at(1, 9), at(1, 10)),
    }
    refs["c9"] = calls.log_call(desk.default, "incident", "Fixture call c9", actor=desk.alice, at=at(10, 10)).ref
    return History(desk, parse_period("2026-03-02", "2026-03-15"), refs)


@pytest.fixture
def rolling_desk(desk):  # type: ignore[no-untyped-def]
    """The test desk ready for random histories (`test_rollups.DeskHistory`): a reason to cancel calls, a
    rejection category, and a Call Auto Close rule closing incidents idle in Forward for Closure for two days."""
    partitions.add_closure_reason(desk.default, "CANCELLED", "Cancelled", ["incident", "service_request", "problem"],
                                  unresolved=True)
    quality.add_rejection_category(desk.default, "not_fixed", "Not fixed", "reports fixture")
    autoclose.add_rule(desk.default, "set-up", desk.admin, name="Idle resolved calls",
                       statuses=["forward_for_closure"], idle_days=2, reason="FIXED", call_types=["incident"])
    return desk
