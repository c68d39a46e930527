"""Editing an open call in the core: who may, what changes, what the history says, and what is refused."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import (
    CLOSED_STATUSES,
    Action,
    Actor,
    CallType,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    ReasonFacts,
    Right,
    Status,
)
from closeloop.closure.editing import check_type_change, edit, may_edit
from closeloop.closure.priority import DEFAULT_MATRIX, Impact, Urgency, priority_for

from .world import CLOSURE_GROUP, LOG_GROUP, LOGGER, READER, actor, call, directory, settings

FIXED_INCIDENT = ReasonFacts("FIXED", True, frozenset({CallType.INCIDENT}), reason_id=1)
FIXED_ALL = ReasonFacts("FIXED", True, frozenset(CallType), reason_id=1)


def test_an_analyst_with_the_log_right_changes_the_type_priority_and_log_group() -> None:
    change = edit(call(), actor(LOGGER), settings(), directory(), call_type=CallType.PROBLEM, priority=2,
                  log_group_id=CLOSURE_GROUP, reasons=[FIXED_ALL])
    assert change.action is Action.EDIT
    assert change.after.call_type is CallType.PROBLEM
    assert change.after.priority == 2
    assert change.after.log_group_id == CLOSURE_GROUP
    assert change.after.status is Status.ASSIGNED
    assert change.details == {"changes": {"type": ["Incident", "Problem"], "priority": ["P3 Medium", "P2 High"],
                                          "log_group": ["Service Desk", "Closure Group"]}}


def test_the_other_fields_are_recorded_in_users_words_in_a_fixed_order() -> None:
    change = edit(call(), actor(LOGGER), settings(), directory(),
                  described={"category": (None, "Hardware › Laptop"), "summary": ("old", "new"),
                             "contact": ("Ann", "Ann")})
    assert list(change.details["changes"]) == ["summary", "category"]
    assert change.details["changes"]["category"] == ["(none)", "Hardware › Laptop"]
    assert change.after == change.before


def test_an_edit_that_changes_nothing_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidInput, match="Nothing to change"):
        edit(call(), actor(LOGGER), settings(), directory(), call_type=CallType.INCIDENT, priority=3,
             log_group_id=LOG_GROUP, described={"summary": ("same", "same")})


def test_an_analyst_without_log_or_resolve_may_not_edit() -> None:
    with pytest.raises(NotAllowed, match="'Log' or 'Resolve'"):
        edit(call(), actor(READER), settings(), directory(), priority=1)
    assert not may_edit(call(), actor(READER))


def test_a_closer_with_only_the_resolve_right_may_edit() -> None:
    who = Actor(LOGGER, "logger", frozenset({Right.RESOLVE}))
    assert edit(call(), who, settings(), directory(), priority=1).after.priority == 1


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
def test_a_closed_call_cannot_be_edited(status: Status) -> None:
    with pytest.raises(InvalidTransition):
        edit(call(status=status), actor(LOGGER), settings(), directory(), priority=1)
    assert not may_edit(call(status=status), actor(LOGGER))


def test_the_log_group_must_be_a_group_of_the_partition() -> None:
    with pytest.raises(InvalidInput, match="not an IPK group of partition Default") as refused:
        edit(call(), actor(LOGGER), settings(), directory(), log_group_id=999)
    assert refused.value.field == "log_group"


def test_clearing_the_log_group_says_none() -> None:
    change = edit(call(), actor(LOGGER), settings(), directory(), log_group_id=None)
    assert change.details["changes"]["log_group"] == ["Service Desk", "(none)"]


def test_a_type_with_no_linked_closure_reason_is_refused_naming_the_fix() -> None:
    with pytest.raises(InvalidInput, match="link a closure reason to Problem") as refused:
        edit(call(), actor(LOGGER), settings(), directory(), call_type=CallType.PROBLEM, reasons=[FIXED_INCIDENT])
    assert refused.value.field == "type"


def test_a_type_change_needs_no_reason_where_the_partition_requires_none() -> None:
    change = edit(call(), actor(LOGGER), settings(closure_reason_required=False), directory(),
                  call_type=CallType.PROBLEM)
    assert change.after.call_type is CallType.PROBLEM


@given(st.booleans(), st.booleans(), st.sets(st.sampled_from(list(CallType))), st.sampled_from(list(CallType)))
def test_a_type_is_accepted_exactly_when_an_active_resolved_reason_links_it(
        active: bool, unresolved: bool, types: set[CallType], new_type: CallType) -> None:
    reason = ReasonFacts("R", active, frozenset(types), reason_id=1, unresolved=unresolved)
    closable = active and not unresolved and new_type in types
    try:
        check_type_change(new_type, settings(), [reason], "Default")
    except InvalidInput:
        assert not closable
    else:
        assert closable


@given(st.sampled_from(sorted(set(Status) - CLOSED_STATUSES)), st.sampled_from(list(Impact)),
       st.sampled_from(list(Urgency)))
def test_an_edit_keeps_the_status_and_every_fact_it_does_not_concern(status: Status, impact: Impact,
                                                                     urgency: Urgency) -> None:
    before = call(status=status, priority=4)
    priority = priority_for(impact, urgency, DEFAULT_MATRIX)
    try:
        change = edit(before, actor(LOGGER), settings(), directory(), priority=priority,
                      described={"impact": ("Low", impact.name.title())})
    except InvalidInput:
        assert priority == 4 and impact is Impact.LOW
        return
    assert change.after.status is status
    for f in fields(before):
        if f.name != "priority":
            assert getattr(change.after, f.name) == getattr(before, f.name)
