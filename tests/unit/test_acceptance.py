"""The contact's answer to a resolution, decided by the core with no database."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import (
    CLOSURE_STATUSES,
    TRANSITIONS,
    Action,
    CallType,
    ChecklistItemFacts,
    InvalidInput,
    InvalidTransition,
    ReasonFacts,
    Status,
    changes,
    guards,
    limits,
    user_accept,
    user_refuse,
)
from closeloop.closure.acceptance import ACCEPTED, CLOSED_ON_ACCEPTANCE

from .world import CLOSER_B, CLOSURE_GROUP, LOG_GROUP, RESOLVER, actor, call, directory, settings

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
RESOLVED_AT = AT - timedelta(hours=3)
ACCEPTANCE = ReasonFacts("USER_OK", True, frozenset({CallType.INCIDENT}), reason_id=7)
WAITING = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=CLOSURE_GROUP, resolved_by_id=RESOLVER,
               assigned_group_id=LOG_GROUP, assigned_analyst_id=RESOLVER, resolution="Replaced the toner",
               resolved_at=RESOLVED_AT, forwarded_at=RESOLVED_AT)
CLOSES = settings(acceptance_closes=True, acceptance_reason_id=7)

statuses = st.sampled_from(list(Status))
waiting_calls = st.builds(
    lambda status, rejected, refused: call(
        status=status, target_group_id=CLOSURE_GROUP if status is Status.FORWARD_FOR_CLOSURE else None,
        target_analyst_id=CLOSER_B if status is Status.FORWARD_TO_YOU_FOR_CLOSE else None,
        resolved_by_id=RESOLVER, resolution="Fixed", resolved_at=RESOLVED_AT, forwarded_at=RESOLVED_AT,
        times_rejected=rejected, times_refused=refused),
    st.sampled_from(sorted(CLOSURE_STATUSES)), st.integers(0, 5), st.integers(0, 5))
words = st.text(min_size=1, max_size=limits.REFUSAL_WORDS.max_length).filter(
    lambda t: t.strip() != "" and limits.unstorable_character(t) is None)


def _changed(before, after) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.name for f in fields(before) if getattr(before, f.name) != getattr(after, f.name)}


class TestAccept:
    def test_accepting_records_the_confirmation_and_leaves_the_call_for_its_closer(self):
        change = user_accept(WAITING, settings(), None, AT)
        assert change.action is Action.USER_ACCEPT
        assert change.after.status is Status.FORWARD_FOR_CLOSURE
        assert change.after.user_confirmed_at == AT
        assert change.note == ACCEPTED
        assert _changed(WAITING, change.after) == {"user_confirmed_at"}

    def test_where_acceptance_closes_the_system_closes_with_the_acceptance_reason(self):
        change = user_accept(WAITING, CLOSES, ACCEPTANCE, AT)
        assert change.action is Action.ACCEPT_AND_CLOSE
        after = change.after
        assert (after.status, after.closed_by_id, after.closed_at) == (Status.CLOSED, None, AT)
        assert (after.closure_reason_id, after.closure_comments) == (7, CLOSED_ON_ACCEPTANCE)
        assert after.user_confirmed_at == AT
        assert change.details == {"reason": "USER_OK"}

    def test_an_acceptance_reason_that_does_not_apply_leaves_the_call_for_its_closer_saying_why(self):
        problem = user_accept(call(**{**WAITING.__dict__, "call_type": CallType.PROBLEM}), CLOSES, ACCEPTANCE, AT)
        assert problem.action is Action.USER_ACCEPT
        assert problem.after.status is Status.FORWARD_FOR_CLOSURE
        assert "does not apply to a Problem" in problem.note
        retired = user_accept(WAITING, CLOSES, ReasonFacts("OLD", False, frozenset(CallType), 8), AT)
        assert retired.action is Action.USER_ACCEPT and "no longer in use" in retired.note

    def test_a_resolution_already_confirmed_cannot_be_answered_again(self):
        confirmed = user_accept(WAITING, settings(), None, AT).after
        with pytest.raises(InvalidTransition, match="already confirmed"):
            user_accept(confirmed, settings(), None, AT)
        with pytest.raises(InvalidTransition, match="already confirmed"):
            user_refuse(confirmed, "Still broken")

    @given(statuses)
    def test_only_a_call_awaiting_closure_can_be_accepted(self, status):
        facts = call(**{**WAITING.__dict__, "status": status})
        if status in CLOSURE_STATUSES:
            assert user_accept(facts, settings(), None, AT).after.status is status
        else:
            with pytest.raises(InvalidTransition, match="cannot accept the resolution"):
                user_accept(facts, settings(), None, AT)

    def test_resolving_again_forgets_the_confirmation_of_the_earlier_resolution(self):
        confirmed = user_accept(WAITING, settings(), None, AT).after
        rejected = changes.reject(confirmed, actor(CLOSER_B), settings(), directory(), "Not documented").after
        again = changes.resolve(rejected, actor(RESOLVER), settings(), directory(), "Documented", AT).after
        assert again.user_confirmed_at is None


class TestRefuse:
    def test_refusing_sends_the_call_back_to_its_resolver_with_the_contacts_words(self):
        change = user_refuse(WAITING, "  The printer still jams  ")
        after = change.after
        assert change.action is Action.USER_REFUSE
        assert after.status is Status.ASSIGNED
        assert after.assigned_analyst_id == RESOLVER
        assert (after.target_group_id, after.target_analyst_id, after.forwarded_at) == (None, None, None)
        assert change.note == "The printer still jams"
        assert (after.times_refused, after.times_rejected) == (1, 0)

    def test_a_refusal_needs_the_contacts_words(self):
        with pytest.raises(InvalidInput, match="What is still wrong is required") as refused:
            user_refuse(WAITING, "   ")
        assert refused.value.field == "words"

    def test_a_refusal_longer_than_its_limit_is_refused_naming_the_limit(self):
        with pytest.raises(InvalidInput, match="at most 4,000 characters"):
            user_refuse(WAITING, "x" * 4_001)

    @given(waiting_calls, words)
    def test_every_refusal_counts_once_and_changes_only_what_sending_back_changes(self, facts, text):
        change = user_refuse(facts, text)
        assert change.after.status is TRANSITIONS[(facts.status, Action.USER_REFUSE)] is Status.ASSIGNED
        assert change.after.times_refused == facts.times_refused + 1
        assert change.after.times_rejected == facts.times_rejected
        assert _changed(facts, change.after) <= {"status", "assigned_analyst_id", "target_analyst_id",
                                                 "target_group_id", "forwarded_at", "times_refused"}

    @given(statuses)
    def test_only_a_call_awaiting_closure_can_be_refused(self, status):
        facts = call(**{**WAITING.__dict__, "status": status})
        if status in CLOSURE_STATUSES:
            assert user_refuse(facts, "no").after.status is Status.ASSIGNED
        else:
            with pytest.raises(InvalidTransition, match="cannot refuse the resolution"):
                user_refuse(facts, "no")


class TestChecklistAnsweredByTheContact:
    ITEMS = [ChecklistItemFacts(1, "User confirmed the fix", True, answered_by_contact=True),
             ChecklistItemFacts(2, "Resolution describes root cause", False)]

    def test_the_contacts_item_counts_as_ticked_once_they_accepted(self):
        confirmed = user_accept(WAITING, settings(), None, AT).after
        assert guards.ticked_by_contact(confirmed, self.ITEMS) == {1}
        closed = changes.close(confirmed, actor(CLOSER_B), settings(closure_reason_required=False), directory(),
                               "Checked with the user", None, AT, self.ITEMS, ())
        assert closed.after.status is Status.CLOSED

    def test_without_the_contacts_confirmation_the_closer_must_tick_it(self):
        assert guards.ticked_by_contact(WAITING, self.ITEMS) == frozenset()
        with pytest.raises(InvalidInput, match="User confirmed the fix"):
            changes.close(WAITING, actor(CLOSER_B), settings(closure_reason_required=False), directory(),
                          "Checked", None, AT, self.ITEMS, ())
