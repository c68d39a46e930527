"""Call Auto Close in the core: which rule applies, what falls due when, and the changes a rule makes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop.closure import (
    Action,
    CallFacts,
    CallType,
    Candidate,
    Directory,
    InvalidInput,
    NotAllowed,
    PartitionSettings,
    ReasonFacts,
    Right,
    Status,
)
from closeloop.closure.autoclose import (
    Audience,
    AutoCloseRuleFacts,
    DayCount,
    DueKind,
    Expiry,
    Reminder,
    RuleLookup,
    add_days,
    auto_close,
    check_rule,
    due,
    escalate,
    expires_at,
    raised_priority,
    remind,
    rule_for,
    rule_matches,
)

FIXED = ReasonFacts("FIXED", True, frozenset(CallType), 7)
NO_RESPONSE = ReasonFacts("NO_RESPONSE", True, frozenset(CallType), 8, unresolved=True)
BOTH = frozenset({Audience.TARGET, Audience.CONTACT})
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def servicenow(**changes: object) -> AutoCloseRuleFacts:
    """Remind at 5 days, close at 10: the pattern most desks start from."""
    values: dict[str, object] = {
        "name": "Resolved calls", "statuses": frozenset({Status.FORWARD_FOR_CLOSURE, Status.FORWARD_TO_YOU_FOR_CLOSE}),
        "idle_days": 10, "expiry": Expiry.CLOSE, "reminders": (Reminder(5, BOTH),), "reason": FIXED}
    values.update(changes)
    return AutoCloseRuleFacts(**values)  # type: ignore[arg-type]


def waiting(status: Status = Status.FORWARD_FOR_CLOSURE, **changes: object) -> CallFacts:
    values: dict[str, object] = {"ref": "INC-000001", "call_type": CallType.INCIDENT, "status": status,
                                 "logged_by_id": 1, "resolved_by_id": 1, "target_group_id": 10, "priority": 3}
    values.update(changes)
    return CallFacts(**values)  # type: ignore[arg-type]


DIRECTORY = Directory(
    "Default",
    {1: Candidate(1, "alice", True, frozenset({Right.RESOLVE})), 2: Candidate(2, "carol", True, frozenset(Right)),
     3: Candidate(3, "bob", True, frozenset({Right.RESOLVE}))},
    {10: frozenset({2}), 20: frozenset({2}), 30: frozenset({3})},
    {10: "Closure Group", 20: "Major Incident Team", 30: "Network"})


# --- which rule applies ---------------------------------------------------------------------------

def test_rule_matches_watched_status_type_and_priority_only() -> None:
    rule = servicenow(call_types=frozenset({CallType.INCIDENT}), priorities=frozenset({3, 4}))
    assert rule_matches(rule, waiting())
    assert not rule_matches(rule, waiting(Status.ON_HOLD))
    assert not rule_matches(rule, waiting(call_type=CallType.PROBLEM))
    assert not rule_matches(rule, waiting(priority=1))
    assert not rule_matches(servicenow(active=False), waiting())


def test_first_active_matching_rule_by_position_applies() -> None:
    broad = servicenow(name="Broad", position=2, rule_id=1)
    narrow = servicenow(name="P1 only", priorities=frozenset({1}), position=1, rule_id=2)
    retired = servicenow(name="Retired", position=0, rule_id=3, active=False)
    assert rule_for(waiting(priority=1), [broad, narrow, retired]) == narrow
    assert rule_for(waiting(priority=3), [broad, narrow, retired]) == broad
    assert rule_for(waiting(Status.ASSIGNED), [broad, narrow]) is None


@given(st.lists(st.builds(lambda statuses, types, priorities, position, active, rule_id: servicenow(
    statuses=frozenset(statuses), call_types=frozenset(types), priorities=frozenset(priorities), position=position,
    active=active, rule_id=rule_id),
    st.sets(st.sampled_from(list(Status)), min_size=1), st.sets(st.sampled_from(list(CallType))),
    st.sets(st.integers(1, 4)), st.integers(0, 3), st.booleans(), st.integers(1, 9)), max_size=5),
    st.lists(st.tuples(st.sampled_from(list(Status)), st.sampled_from(list(CallType)), st.integers(1, 4),
                       st.none() | st.sampled_from(list(Status))), min_size=1, max_size=12))
def test_a_rule_lookup_answers_as_rule_for_for_every_call(many_rules, calls) -> None:  # type: ignore[no-untyped-def]
    """The previews ask a RuleLookup for thousands of calls: the same rule as `rule_for`, kept per status, call
    type and priority (asked again for calls alike, and for a call as if in another status)."""
    lookup = RuleLookup(many_rules)
    for status, call_type, priority, as_if in calls + calls:
        call = waiting(status, call_type=call_type, priority=priority)
        expected = rule_for(call if as_if is None else replace(call, status=as_if), many_rules)
        assert lookup.for_call(call, as_if) == expected


def test_rules_at_the_same_position_apply_in_the_order_they_were_added() -> None:
    first, second = servicenow(name="A", rule_id=5), servicenow(name="B", rule_id=9)
    assert rule_for(waiting(), [second, first]) == first


# --- rules that could not act are refused ------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"statuses": frozenset()}, "statuses"),
    ({"statuses": frozenset({Status.ASSIGNED})}, "statuses"),
    ({"idle_days": 0}, "idle_days"),
    ({"priorities": frozenset({5})}, "priorities"),
    ({"reminders": (Reminder(5, BOTH), Reminder(4, BOTH))}, "reminders"),
    ({"reminders": (Reminder(10, BOTH),)}, "reminders"),
    ({"reminders": (Reminder(5, frozenset()),)}, "reminders"),
    ({"reminders": tuple(Reminder(d, BOTH) for d in (1, 2, 3, 4))}, "reminders"),
    ({"reason": None}, "reason"),
    ({"reason": ReasonFacts("FIXED", False, frozenset(CallType), 7)}, "reason"),
    ({"reason": ReasonFacts("FULFILLED", True, frozenset({CallType.SERVICE_REQUEST}), 9)}, "reason"),
    ({"statuses": frozenset({Status.ON_HOLD, Status.FORWARD_FOR_CLOSURE})}, "statuses"),
    ({"escalation_group_id": 20}, "escalation_group"),
    ({"expiry": Expiry.ESCALATE, "reason": None}, "escalation_group"),
    ({"expiry": Expiry.ESCALATE, "escalation_group_id": 20, "raise_priority": 4}, "raise_priority"),
    ({"expiry": Expiry.ESCALATE, "escalation_group_id": 20, "priority_to": 0}, "priority_to"),
    ({"expiry": Expiry.ESCALATE, "escalation_group_id": 20, "priority_to": 1, "raise_priority": 1}, "priority_to"),
])
def test_rule_that_could_not_act_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_rule(servicenow(**changes))
    assert refused.value.field == field


def test_reason_for_the_rules_own_call_types_is_enough() -> None:
    check_rule(servicenow(call_types=frozenset({CallType.SERVICE_REQUEST}),
                          reason=ReasonFacts("FULFILLED", True, frozenset({CallType.SERVICE_REQUEST}), 9)))
    check_rule(servicenow(expiry=Expiry.ESCALATE, reason=None, escalation_group_id=20, priority_to=2))


# --- days -----------------------------------------------------------------------------------------

def test_business_days_skip_the_weekend() -> None:
    friday = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert add_days(friday, 1, DayCount.BUSINESS) == datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
    assert add_days(friday, 5, DayCount.BUSINESS) == datetime(2026, 3, 13, 16, 30, tzinfo=UTC)
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    assert add_days(saturday, 1, DayCount.BUSINESS) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert add_days(friday, 1, DayCount.CALENDAR) == datetime(2026, 3, 7, 16, 30, tzinfo=UTC)
    assert add_days(friday, 1, DayCount.BUSINESS, holidays={date(2026, 3, 9)}) == datetime(
        2026, 3, 10, 16, 30, tzinfo=UTC)


@given(start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
       days=st.integers(min_value=1, max_value=60))
def test_business_days_land_on_a_weekday_and_count_only_weekdays(start: datetime, days: int) -> None:
    end = add_days(start, days, DayCount.BUSINESS)
    assert end.weekday() < 5
    assert end.time() == start.time()
    weekdays = sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)
    assert weekdays == days
    assert end - start >= timedelta(days=days)


# --- what falls due -------------------------------------------------------------------------------

def test_servicenow_pattern_reminds_at_five_days_and_closes_at_ten() -> None:
    rule = servicenow()
    assert due(rule, START, 0, START + timedelta(days=5) - timedelta(seconds=1)).kind is DueKind.NOTHING
    reminder = due(rule, START, 0, START + timedelta(days=5))
    assert (reminder.kind, reminder.number, reminder.at) == (DueKind.REMIND, 1, START + timedelta(days=5))
    assert reminder.next_at == START + timedelta(days=10)
    assert due(rule, START, 1, START + timedelta(days=9, hours=23)).kind is DueKind.NOTHING
    assert due(rule, START, 1, START + timedelta(days=10)).kind is DueKind.EXPIRE


def test_expiry_wins_over_a_reminder_never_sent() -> None:
    assert due(servicenow(), START, 0, START + timedelta(days=30)).kind is DueKind.EXPIRE


schedules = st.lists(st.integers(min_value=1, max_value=40), max_size=3, unique=True).map(sorted)


@st.composite
def rules(draw: st.DrawFn) -> AutoCloseRuleFacts:
    reminder_days = draw(schedules)
    idle = draw(st.integers(min_value=(reminder_days[-1] + 1) if reminder_days else 1, max_value=45))
    count = draw(st.sampled_from(DayCount))
    return servicenow(idle_days=idle, days=count, reminders=tuple(Reminder(d, BOTH) for d in reminder_days))


@settings(max_examples=200)
@given(rule=rules(),
       start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
       gaps=st.lists(st.integers(min_value=1, max_value=6 * 24 * 60), min_size=1, max_size=80))
def test_passes_remind_in_order_once_each_then_expire_exactly_at_the_idle_time(
        rule: AutoCloseRuleFacts, start: datetime, gaps: list[int]) -> None:
    """Passes at any times: each reminder comes once, in order, never at or after expiry, and the rule acts at
    expiry exactly (not before); afterwards nothing more is due for that idle period."""
    check_rule(rule)
    expiry = expires_at(rule, start)
    sent: list[int] = []
    expired_at: datetime | None = None
    now = start
    for gap in gaps:
        now += timedelta(minutes=gap)
        decision = due(rule, start, len(sent), now)
        if decision.kind is DueKind.REMIND:
            assert now < expiry
            assert decision.number == len(sent) + 1
            assert decision.at is not None and decision.at <= now
            sent.append(decision.number)
        elif decision.kind is DueKind.EXPIRE:
            assert now >= expiry
            expired_at = now
            break
        else:
            assert now < expiry
            assert decision.next_at is not None and decision.next_at > now
    assert sent == list(range(1, len(sent) + 1))
    assert len(sent) <= len(rule.reminders)
    if expired_at is None:
        assert now < expiry
    exact = due(rule, start, len(sent), expiry)
    assert exact.kind is DueKind.EXPIRE
    assert due(rule, start, len(rule.reminders), expiry - timedelta(microseconds=1)).kind is DueKind.NOTHING


@given(rule=rules(), minutes=st.integers(min_value=0, max_value=60 * 24 * 90))
def test_a_pass_at_a_reminders_due_time_sends_it_and_a_later_pass_never_resends_it(
        rule: AutoCloseRuleFacts, minutes: int) -> None:
    now = START + timedelta(minutes=minutes)
    for sent in range(len(rule.reminders) + 1):
        decision = due(rule, START, sent, now)
        if decision.kind is DueKind.REMIND:
            assert decision.number == sent + 1
        if sent == len(rule.reminders):
            assert decision.kind is not DueKind.REMIND


# --- the changes ------------------------------------------------------------------------------------

def test_reminder_keeps_the_status_and_records_whom_and_when() -> None:
    expiry = START + timedelta(days=10)
    change = remind(waiting(), servicenow(), 1, expiry)
    assert change.action is Action.REMIND
    assert change.after == waiting()
    assert dict(change.details) == {"rule": "Resolved calls", "number": 1, "to": ["contact", "target"],
                                    "due_at": expiry.isoformat()}


def test_auto_close_closes_a_resolved_call_by_the_system_with_the_rules_reason() -> None:
    at = START + timedelta(days=10)
    change = auto_close(waiting(), servicenow(comments="Contact did not answer"), at)
    assert change.after.status is Status.CLOSED
    assert (change.after.closed_by_id, change.after.closed_at, change.after.closure_reason_id) == (None, at, 7)
    assert change.after.closure_comments == ("Auto-closed by rule Resolved calls after 10 days without a decision. "
                                             "Contact did not answer")
    assert change.details["rule"] == "Resolved calls" and change.details["reason"] == "FIXED"


def test_auto_close_of_a_call_on_hold_is_closed_unresolved() -> None:
    rule = servicenow(name="No response", statuses=frozenset({Status.ON_HOLD}), reason=NO_RESPONSE,
                      days=DayCount.BUSINESS, idle_days=1)
    change = auto_close(waiting(Status.ON_HOLD, resolved_by_id=None), rule, START)
    assert change.after.status is Status.CLOSED_UNRESOLVED
    assert change.after.unresolved_kind == "no_response"
    assert "after 1 business day without" in change.after.closure_comments


def test_rule_acts_only_on_calls_it_watches() -> None:
    with pytest.raises(InvalidInput):
        auto_close(waiting(Status.ASSIGNED), servicenow(), START)
    with pytest.raises(InvalidInput):
        remind(waiting(), servicenow(), 2, START)


def escalating(**changes: object) -> AutoCloseRuleFacts:
    values: dict[str, object] = {"name": "Escalate", "expiry": Expiry.ESCALATE, "reason": None,
                                 "escalation_group_id": 20,
                                 "statuses": frozenset({Status.FORWARD_FOR_CLOSURE, Status.ON_HOLD})}
    return servicenow(**{**values, **changes})


def test_escalation_forwards_a_resolved_call_to_the_rules_group_with_priority_raised() -> None:
    change = escalate(waiting(target_analyst_id=None), escalating(raise_priority=1), PartitionSettings(),
                      DIRECTORY, START)
    assert change.action is Action.ESCALATE
    assert (change.after.status, change.after.target_group_id, change.after.priority) == (
        Status.FORWARD_FOR_CLOSURE, 20, 2)
    assert change.after.forwarded_at == START
    assert change.details == {"rule": "Escalate", "to_group": "Major Incident Team", "priority": 2}


def test_escalation_takes_a_call_off_hold_to_the_groups_queue() -> None:
    rule = escalating(escalation_group_id=30, priority_to=1)
    change = escalate(waiting(Status.ON_HOLD, assigned_group_id=10, assigned_analyst_id=1), rule,
                      PartitionSettings(), DIRECTORY, START)
    assert (change.after.status, change.after.assigned_group_id, change.after.assigned_analyst_id) == (
        Status.ASSIGNED, 30, None)
    assert change.after.priority == 1


def test_escalation_to_a_group_nobody_there_may_close_is_refused() -> None:
    with pytest.raises(NotAllowed):
        escalate(waiting(), escalating(escalation_group_id=30), PartitionSettings(), DIRECTORY, START)


@given(priority=st.integers(1, 4), by=st.integers(0, 3), to=st.none() | st.integers(1, 4))
def test_escalation_never_lowers_the_priority(priority: int, by: int, to: int | None) -> None:
    rule = escalating(raise_priority=0 if to is not None else by, priority_to=to)
    assert 1 <= raised_priority(rule, priority) <= priority
