"""The closure-stage SLA clock: business time over working hours, weekends, holidays and summer time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop.closure import InvalidInput
from closeloop.closure.calendar import (
    BusinessCalendar,
    WorkingHours,
    format_business_duration,
    parse_business_duration,
    parse_holiday,
    parse_hours,
)
from closeloop.closure.sla import ClosureSlaPolicy, SlaState, closure_sla_state

LONDON = ZoneInfo("Europe/London")
OFFICE = BusinessCalendar("Europe/London", holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}))
ROUND_THE_CLOCK = BusinessCalendar("Europe/London", hours=(WorkingHours(0, 1440),) * 7)
SHIFTS = BusinessCalendar("America/New_York", hours=(WorkingHours(420, 1380), None, WorkingHours(0, 1440),
                                                     WorkingHours(480, 720), None, WorkingHours(600, 840), None),
                          holidays=frozenset({date(2026, 3, 9), date(2026, 11, 4)}))
CALENDARS = st.sampled_from([OFFICE, ROUND_THE_CLOCK, SHIFTS])


def at(day: str, clock: str = "00:00", zone: ZoneInfo = LONDON) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


HOURS = timedelta(hours=1)
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
durations = st.integers(min_value=0, max_value=200 * 60).map(lambda m: timedelta(minutes=m))


# --- frozen-clock examples -----------------------------------------------------------------------------

def test_a_call_resolved_friday_afternoon_is_due_monday_within_office_hours() -> None:
    # Friday 4 December 2026, 15:00: two hours left that day, two more on Monday
    due = OFFICE.deadline_after(at("2026-12-04", "15:00"), 4 * HOURS)
    assert due == at("2026-12-07", "11:00")


def test_the_weekend_and_the_night_never_count() -> None:
    assert OFFICE.business_time_between(at("2026-12-04", "17:00"), at("2026-12-07", "09:00")) == timedelta(0)
    assert OFFICE.business_time_between(at("2026-12-04", "16:30"), at("2026-12-07", "09:30")) == HOURS


def test_holidays_never_count_and_push_the_deadline_past_them() -> None:
    # Thursday 24 December 16:00, 8h target: 1h on the 24th, 25th holiday, weekend, 28th holiday, 7h on the 29th
    assert OFFICE.deadline_after(at("2026-12-24", "16:00"), 8 * HOURS) == at("2026-12-29", "16:00")
    assert OFFICE.business_time_between(at("2026-12-24", "17:00"), at("2026-12-29", "09:00")) == timedelta(0)


def test_a_summer_time_day_counts_the_hours_that_really_passed() -> None:
    # 29 March 2026: the clocks go forward in London, the day has 23 hours; 25 October has 25
    assert ROUND_THE_CLOCK.business_time_between(at("2026-03-29"), at("2026-03-30")) == 23 * HOURS
    assert ROUND_THE_CLOCK.business_time_between(at("2026-10-25"), at("2026-10-26")) == 25 * HOURS
    # 9 to 5 in local time either side of the change is still 8 hours a day
    assert OFFICE.business_time_between(at("2026-03-27", "09:00"), at("2026-03-30", "17:00")) == 16 * HOURS


def test_the_clock_reads_the_calendars_own_time_zone() -> None:
    # 08:00 UTC on a winter Monday is 08:00 in London (before hours) but 09:00 in Paris
    paris = BusinessCalendar("Europe/Paris")
    start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert OFFICE.business_time_between(start, start + HOURS) == timedelta(0)
    assert paris.business_time_between(start, start + HOURS) == HOURS


def test_verdicts_on_time_about_to_breach_breached_and_met() -> None:
    entered = at("2026-12-07", "09:00")  # a Monday
    target = 8 * HOURS
    def state(now: datetime, decided: datetime | None = None) -> SlaState:
        return closure_sla_state(entered, now, target, OFFICE, 0.75, decided_at=decided).state
    assert state(at("2026-12-07", "12:00")) is SlaState.RUNNING
    assert state(at("2026-12-07", "15:00")) is SlaState.AT_RISK  # 6h of 8 used
    assert state(at("2026-12-07", "17:00")) is SlaState.AT_RISK  # due now, not yet past
    assert state(at("2026-12-07", "17:01")) is SlaState.BREACHED
    assert state(at("2026-12-08", "09:00")) is SlaState.BREACHED  # overnight: no more business time, still late
    assert state(at("2026-12-09"), decided=at("2026-12-07", "16:59")) is SlaState.MET
    assert state(at("2026-12-09"), decided=at("2026-12-08", "10:00")) is SlaState.BREACHED
    late = closure_sla_state(entered, at("2026-12-08", "10:30"), target, OFFICE, 0.75)
    assert late.due_at == at("2026-12-07", "17:00") and late.warn_at == at("2026-12-07", "15:00")
    assert late.remaining == -90 * timedelta(minutes=1)


def test_a_priority_without_a_target_has_no_verdict() -> None:
    policy = ClosureSlaPolicy(OFFICE, {1: 4 * HOURS})
    assert policy.verdict(2, at("2026-12-07", "09:00"), at("2026-12-07", "10:00")) is None
    verdict = policy.verdict(1, at("2026-12-07", "09:00"), at("2026-12-07", "10:00"))
    assert verdict is not None and verdict.remaining == 3 * HOURS and verdict.state is SlaState.RUNNING


# --- properties ----------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(CALENDARS, moments, durations, durations)
def test_business_time_adds_up_over_consecutive_spans(calendar: BusinessCalendar, a: datetime,
                                                      d1: timedelta, d2: timedelta) -> None:
    b, c = a + d1 * 3, a + d1 * 3 + d2 * 3
    whole = calendar.business_time_between(a, c)
    assert calendar.business_time_between(a, b) + calendar.business_time_between(b, c) == whole
    assert calendar.business_time_between(a, b) <= whole <= c - a  # monotonic, and never more than passed


@settings(max_examples=150, deadline=None)
@given(CALENDARS, moments, durations)
def test_the_deadline_is_the_first_moment_the_business_time_is_used(calendar: BusinessCalendar, start: datetime,
                                                                  duration: timedelta) -> None:
    due = calendar.deadline_after(start, duration)
    assert calendar.business_time_between(start, due) == duration
    if duration > timedelta(0):
        assert calendar.business_time_between(start, due - timedelta(seconds=1)) < duration
        assert calendar.deadline_after(start, duration + timedelta(minutes=1)) > due


@settings(max_examples=100, deadline=None)
@given(moments, st.integers(min_value=0, max_value=30))
def test_holidays_and_days_off_never_count(start: datetime, days: int) -> None:
    day = start.astimezone(LONDON).date() + timedelta(days=days)
    with_holiday = BusinessCalendar("Europe/London", holidays=frozenset({day}))
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
    assert with_holiday.business_time_between(midnight, midnight + timedelta(days=1)) == timedelta(0)
    expected = timedelta(0) if day.weekday() >= 5 else 8 * HOURS
    assert OFFICE.business_time_between(midnight, midnight + timedelta(days=1)) == (
        timedelta(0) if day in OFFICE.holidays else expected)


@settings(max_examples=100, deadline=None)
@given(CALENDARS, moments, st.integers(min_value=1, max_value=40 * 60), durations)
def test_a_verdict_only_gets_worse_as_time_passes(calendar: BusinessCalendar, entered: datetime, minutes: int,
                                                  wait: timedelta) -> None:
    target = timedelta(minutes=minutes)
    order = [SlaState.RUNNING, SlaState.AT_RISK, SlaState.BREACHED]
    first = closure_sla_state(entered, entered + wait, target, calendar, 0.75)
    later = closure_sla_state(entered, entered + wait * 2 + timedelta(minutes=1), target, calendar, 0.75)
    assert order.index(first.state) <= order.index(later.state)
    assert later.remaining <= first.remaining
    assert (first.state is SlaState.BREACHED) == (entered + wait > first.due_at)


@settings(max_examples=100, deadline=None)
@given(CALENDARS, moments, st.integers(min_value=1, max_value=40 * 60), durations, st.sampled_from([1, 2, 3, 4]))
def test_a_recorded_verdict_is_the_decisions_verdict_met_or_breached(calendar: BusinessCalendar, entered: datetime,
                                                                   minutes: int, wait: timedelta,
                                                                   priority: int) -> None:
    policy = ClosureSlaPolicy(calendar, {1: timedelta(minutes=minutes), 3: timedelta(minutes=minutes * 2)})
    decided = entered + wait
    verdict = policy.verdict(priority, entered, decided, decided)
    met = policy.met(priority, entered, decided)
    assert (met is None) == (verdict is None) == (priority in (2, 4))
    if verdict is not None:
        assert met is (verdict.state is SlaState.MET)
    assert policy.met(1, None, decided) is None


# --- parsing and checks --------------------------------------------------------------------------------

def test_hours_durations_and_holidays_are_read_as_people_write_them() -> None:
    assert parse_hours("09:00-17:30") == WorkingHours(540, 1050)
    assert parse_hours("00:00-24:00") == WorkingHours(0, 1440)
    assert parse_hours("closed") is None
    assert parse_business_duration("1h30m", "p1") == timedelta(minutes=90)
    assert parse_business_duration("40h", "p4") == 40 * HOURS
    assert parse_business_duration("90", "p1") == timedelta(minutes=90)
    assert parse_business_duration("-", "p2") is None
    assert format_business_duration(timedelta(minutes=90)) == "1h30m"
    assert format_business_duration(-2 * HOURS) == "-2h"
    assert parse_holiday("2026-12-25") == date(2026, 12, 25)


@pytest.mark.parametrize(("make", "field"), [
    (lambda: parse_hours("17:00-09:00", "wed"), "wed"),
    (lambda: parse_hours("9 to 5", "mon"), "mon"),
    (lambda: parse_business_duration("4 hours", "p1"), "p1"),
    (lambda: parse_business_duration("0h", "p2"), "p2"),
    (lambda: parse_holiday("25/12/2026"), "holidays"),
    (lambda: BusinessCalendar("Mars/Olympus"), "timezone"),
    (lambda: BusinessCalendar("UTC", hours=(None,) * 7), "hours"),
    (lambda: ClosureSlaPolicy(targets={5: HOURS}), "targets"),
    (lambda: ClosureSlaPolicy(warn_percent=100), "warn_percent"),
])
def test_bad_settings_are_refused_naming_the_field(make, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        make()
    assert refused.value.field == field
