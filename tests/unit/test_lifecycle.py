"""The lifecycle table is the one in docs/closure-model.md, and it is closed: anything not listed is refused.

`DOCUMENTED` (tests/closure_oracle.py) is written out cell by cell from the Transitions table of the docs,
not derived from the core, so a change to `TRANSITIONS` that the docs do not describe fails here.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import TRANSITIONS, Action, InvalidTransition, Status, allowed_actions, next_status
from tests.closure_oracle import DOCUMENTED

CLOSED = Status.CLOSED
EVERY_STATUS: list[Status | None] = [None, *Status]


def test_the_transitions_table_is_the_documented_one():
    assert TRANSITIONS == DOCUMENTED


@pytest.mark.parametrize("status", EVERY_STATUS, ids=lambda s: s.value if s else "new")
@pytest.mark.parametrize("action", list(Action))
def test_each_documented_pair_leads_to_its_documented_status_and_any_other_is_refused(status, action):
    if (status, action) in DOCUMENTED:
        assert next_status(status, action) is DOCUMENTED[(status, action)]
    else:
        with pytest.raises(InvalidTransition, match=status.label if status else "not yet logged"):
            next_status(status, action, "INC-000001")


@pytest.mark.parametrize("status", list(Status))
def test_the_actions_offered_in_a_status_are_the_documented_ones(status):
    assert allowed_actions(status) == {a for (s, a) in DOCUMENTED if s is status}


def test_a_closed_call_can_only_be_linked_to_a_problem():
    assert allowed_actions(Status.CLOSED) == frozenset({Action.LINK_PROBLEM, Action.LINK_DUPLICATE})


def test_linking_a_problem_never_changes_the_status():
    assert all(next_status(status, Action.LINK_PROBLEM) is status for status in Status)


def test_only_logging_starts_a_call():
    assert next_status(None, Action.LOG) is Status.LOGGED
    with pytest.raises(InvalidTransition, match="not yet logged"):
        next_status(None, Action.ASSIGN)


def test_the_refusal_says_what_the_user_tried():
    with pytest.raises(InvalidTransition, match="INC-9 is Closed: you cannot reject the resolution of it now"):
        next_status(Status.CLOSED, Action.REJECT, "INC-9")


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_any_sequence_of_actions_follows_the_documented_table_or_is_refused(actions):
    status: Status | None = None
    for action in actions:
        expected = DOCUMENTED.get((status, action))
        if expected is None:
            with pytest.raises(InvalidTransition):
                next_status(status, action)
        else:
            status = next_status(status, action)
            assert status is expected


def test_no_action_leaves_a_closed_call_and_only_closing_actions_reach_closed():
    for closed in (CLOSED, Status.CLOSED_UNRESOLVED):
        for action in set(Action) - {Action.LINK_PROBLEM, Action.LINK_DUPLICATE}:  # links keep it closed
            with pytest.raises(InvalidTransition):
                next_status(closed, action)
    into_closed = {a for (s, a), to in TRANSITIONS.items() if to is CLOSED and s is not CLOSED}
    assert into_closed == {Action.CLOSE, Action.RESOLVE_AND_CLOSE, Action.ACCEPT_AND_CLOSE, Action.AUTO_CLOSE}
    into_unresolved = {a for (s, a), to in TRANSITIONS.items()
                       if to is Status.CLOSED_UNRESOLVED and s is not Status.CLOSED_UNRESOLVED}
    assert into_unresolved == {Action.CLOSE_UNRESOLVED, Action.AUTO_CLOSE}
