"""The lifecycle table is closed: anything not listed is refused."""

import pytest

from closeloop.closure import TRANSITIONS, Action, InvalidTransition, Status, allowed_actions, next_status


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_pair_outside_the_table_is_refused_and_every_pair_inside_is_allowed(status, action):
    if (status, action) in TRANSITIONS:
        assert next_status(status, action) == TRANSITIONS[(status, action)]
    else:
        with pytest.raises(InvalidTransition, match=status.label):
            next_status(status, action, "INC-000001")


def test_a_closed_call_can_only_be_linked_to_a_problem():
    assert allowed_actions(Status.CLOSED) == frozenset({Action.LINK_PROBLEM})


def test_linking_a_problem_never_changes_the_status():
    assert all(next_status(status, Action.LINK_PROBLEM) is status for status in Status)


def test_only_logging_starts_a_call():
    assert next_status(None, Action.LOG) is Status.LOGGED
    with pytest.raises(InvalidTransition, match="not yet logged"):
        next_status(None, Action.ASSIGN)


def test_rejecting_a_resolution_puts_the_call_back_to_assigned():
    assert next_status(Status.FORWARD_FOR_CLOSURE, Action.REJECT) is Status.ASSIGNED
    assert next_status(Status.FORWARD_TO_YOU_FOR_CLOSE, Action.REJECT) is Status.ASSIGNED


def test_taking_is_only_possible_from_forward_for_closure():
    assert next_status(Status.FORWARD_FOR_CLOSURE, Action.TAKE) is Status.FORWARD_TO_YOU_FOR_CLOSE
    with pytest.raises(InvalidTransition):
        next_status(Status.FORWARD_TO_YOU_FOR_CLOSE, Action.TAKE)


def test_closing_is_only_possible_from_the_two_closure_statuses():
    sources = {s for (s, a) in TRANSITIONS if a is Action.CLOSE}
    assert sources == {Status.FORWARD_FOR_CLOSURE, Status.FORWARD_TO_YOU_FOR_CLOSE}


def test_the_refusal_says_what_the_user_tried():
    with pytest.raises(InvalidTransition, match="INC-9 is Closed: you cannot reject the resolution of it now"):
        next_status(Status.CLOSED, Action.REJECT, "INC-9")
