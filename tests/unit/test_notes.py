"""The work log in the closure core: who may write a note, on which calls, and what a note must hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import Action, Actor, InvalidInput, InvalidTransition, NotAllowed, Right, Status
from closeloop.closure.events import CallChanged
from closeloop.closure.lifecycle import TRANSITIONS
from closeloop.closure.limits import NOTE
from closeloop.closure.notes import NOTE_RIGHTS, add_note, may_add_notes
from closeloop.closure.notices import Notice, NoticeKind, ToContact, notices_for

from .world import LOGGER, READER, actor, call, directory, settings


def test_a_note_keeps_the_call_as_it_was_and_carries_the_text():
    before = call(status=Status.ASSIGNED)
    change = add_note(before, actor(LOGGER), directory(), "  Rang the user, waiting for a reboot  ")
    assert change.action is Action.ADD_NOTE
    assert change.after == before
    assert change.note == "Rang the user, waiting for a reboot"


@given(st.sets(st.sampled_from(list(Right))))
def test_any_one_call_right_lets_an_analyst_write_a_note_and_none_refuses(rights):
    someone = Actor(7, "someone", frozenset(rights))
    if rights & set(NOTE_RIGHTS):
        assert add_note(call(), someone, directory(), "seen").note == "seen"
    else:
        with pytest.raises(NotAllowed, match="Read only in partition Default"):
            add_note(call(), someone, directory(), "seen")


def test_a_read_only_analyst_is_refused_naming_the_rights_needed():
    with pytest.raises(NotAllowed) as refused:
        add_note(call(), actor(READER), directory(), "hello")
    assert "'Log'" in refused.value.message and "reader" in refused.value.message
    assert not may_add_notes(actor(READER))


@pytest.mark.parametrize("status", list(Status))
def test_notes_are_taken_exactly_where_the_lifecycle_allows_them(status):
    if (status, Action.ADD_NOTE) in TRANSITIONS:
        assert add_note(call(status=status), actor(LOGGER), directory(), "noted").after.status is status
    else:
        with pytest.raises(InvalidTransition):
            add_note(call(status=status), actor(LOGGER), directory(), "noted")


def test_a_closed_call_takes_no_more_notes():
    with pytest.raises(InvalidTransition):
        add_note(call(status=Status.CLOSED), actor(LOGGER), directory(), "too late")


def test_a_blank_note_is_refused_unless_files_come_with_it():
    with pytest.raises(InvalidInput) as refused:
        add_note(call(), actor(LOGGER), directory(), "   ")
    assert refused.value.field == "text"
    assert add_note(call(), actor(LOGGER), directory(), "", files=2).note == ""


def test_a_note_longer_than_the_limit_is_refused_naming_the_limit():
    with pytest.raises(InvalidInput, match="20,000"):
        add_note(call(), actor(LOGGER), directory(), "x" * (NOTE.max_length + 1))


def test_a_note_for_the_contact_needs_a_call_with_a_contact():
    with pytest.raises(InvalidInput) as refused:
        add_note(call(), actor(LOGGER), directory(), "We are on it", visible_to_contact=True)
    assert refused.value.field == "visible_to_contact" and "no contact" in refused.value.message
    change = add_note(call(), actor(LOGGER), directory(), "We are on it", visible_to_contact=True, has_contact=True)
    assert change.note == "We are on it"


def test_the_system_operator_may_write_notes():
    assert add_note(call(), Actor.system(), directory(), "imported").note == "imported"


@pytest.mark.parametrize("visible", [True, False])
def test_only_a_note_visible_to_the_contact_tells_anyone_and_then_only_the_contact(visible):
    after = call(status=Status.ASSIGNED, assigned_analyst_id=READER)
    event = CallChanged(call_id=1, ref=after.ref, partition_id=1, event_id=1, action=Action.ADD_NOTE.value,
                        from_status=after.status.value, to_status=after.status.value, actor_id=LOGGER,
                        at=datetime(2026, 1, 5, tzinfo=UTC), note="We are on it", visible_to_contact=visible)
    told = notices_for(event, after, settings(), directory())
    assert told == ([Notice(NoticeKind.NOTE_FOR_CONTACT, ToContact())] if visible else [])
