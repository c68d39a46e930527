"""Closed/Unresolved in the core: who may close a call without a resolution, with which reason, and duplicates."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop.closure import (
    TRANSITIONS,
    Action,
    Actor,
    CallFacts,
    CallType,
    CloseloopError,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    ReasonFacts,
    Right,
    Status,
    guards,
)
from closeloop.closure.unresolved import (
    Original,
    UnresolvedKind,
    close_unresolved,
    link_duplicate,
    unresolved_headline,
)

from .world import (
    ANALYSTS,
    CLOSER_A,
    CLOSER_B,
    CLOSURE_GROUP,
    LOG_GROUP,
    LOGGER,
    READER,
    RESOLVER,
    actor,
    call,
    directory,
)
from .world import (
    settings as partition_settings,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CANCELLED = ReasonFacts("CANCELLED", True, frozenset(CallType), reason_id=7, unresolved=True)
FIXED = ReasonFacts("FIXED", True, frozenset(CallType), reason_id=1)
ORIGINAL = Original(42, call(ref="INC-000042", status=Status.ASSIGNED))
ASSIGNED_TO_RESOLVER = call(status=Status.ASSIGNED, assigned_analyst_id=RESOLVER, assigned_group_id=LOG_GROUP)
AWAITING_B = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_B, resolved_by_id=RESOLVER,
                  resolution="Rebooted")
# The facts closing as unresolved may change, besides the status; the resolution is never among them.
MAY_CHANGE = {"unresolved_kind", "closure_comments", "closure_reason_id", "closed_by_id", "closed_at",
              "duplicate_of_id"}


def _close(facts: CallFacts, who: Actor, kind: UnresolvedKind = UnresolvedKind.CANCELLED, *,
           reason: ReasonFacts | None = CANCELLED, original: Original | None = None, **settings_: object):
    return close_unresolved(facts, who, partition_settings(**settings_), directory(), kind, reason, "Logged twice",
                            NOW, original)


class TestWhoMayCloseUnresolved:
    def test_a_closer_may_cancel_an_open_call_not_yet_resolved(self):
        change = _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B))
        assert change.after.status is Status.CLOSED_UNRESOLVED and change.after.closed_by_id == CLOSER_B
        assert change.after.unresolved_kind is UnresolvedKind.CANCELLED and change.after.resolution == ""

    def test_the_resolver_may_not_unless_the_partition_allows_it(self):
        with pytest.raises(NotAllowed, match="resolver lacks the 'Closure Comments' right"):
            _close(ASSIGNED_TO_RESOLVER, actor(RESOLVER))
        change = _close(ASSIGNED_TO_RESOLVER, actor(RESOLVER), resolver_may_close_unresolved=True)
        assert change.after.closed_by_id == RESOLVER

    def test_only_the_analyst_working_the_call_may_as_resolver(self):
        with pytest.raises(NotAllowed, match="logger does not work INC-000001"):
            _close(ASSIGNED_TO_RESOLVER, actor(LOGGER), resolver_may_close_unresolved=True)

    def test_with_no_analyst_assigned_a_member_of_the_assigned_group_works_the_call(self):
        in_queue = call(status=Status.ASSIGNED, assigned_group_id=LOG_GROUP)
        assert _close(in_queue, actor(LOGGER), resolver_may_close_unresolved=True).after.closed_by_id == LOGGER
        with pytest.raises(NotAllowed):
            _close(call(status=Status.ASSIGNED, assigned_group_id=CLOSURE_GROUP), actor(LOGGER),
                   resolver_may_close_unresolved=True)

    def test_a_reader_without_rights_is_refused_naming_the_right(self):
        with pytest.raises(NotAllowed, match="reader lacks the 'Resolve' right"):
            _close(ASSIGNED_TO_RESOLVER, actor(READER), resolver_may_close_unresolved=True)

    def test_in_the_closure_stage_only_an_eligible_closer_of_the_target_may(self):
        with pytest.raises(NotAllowed, match="forwarded to closer_b for close"):
            _close(AWAITING_B, actor(CLOSER_A))
        with pytest.raises(NotAllowed):
            _close(AWAITING_B, actor(RESOLVER), resolver_may_close_unresolved=True)
        change = _close(AWAITING_B, actor(CLOSER_B))
        assert change.after.status is Status.CLOSED_UNRESOLVED and change.after.resolution == "Rebooted"

    def test_a_closed_call_cannot_be_closed_again(self):
        with pytest.raises(InvalidTransition, match="is Closed/Unresolved: you cannot close as unresolved it"):
            _close(call(status=Status.CLOSED_UNRESOLVED), actor(CLOSER_B))

    def test_the_system_operator_may_close_any_open_call(self):
        assert _close(AWAITING_B, Actor.system()).after.closed_by_id is None


class TestReasonAndDuplicate:
    def test_a_reason_for_resolved_calls_is_refused(self):
        with pytest.raises(InvalidInput, match="FIXED is for resolved calls") as refused:
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), reason=FIXED)
        assert refused.value.field == "reason"

    def test_a_reason_not_linked_to_the_call_type_is_refused(self):
        problems_only = ReasonFacts("DUP", True, frozenset({CallType.PROBLEM}), 8, unresolved=True)
        with pytest.raises(InvalidInput, match="does not apply to an Incident"):
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), reason=problems_only)

    def test_a_reason_is_required_where_the_partition_requires_one(self):
        with pytest.raises(InvalidInput, match="required to close as unresolved"):
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), reason=None)
        assert _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), reason=None,
                      closure_reason_required=False).after.closure_reason_id is None

    def test_a_normal_close_refuses_a_reason_for_unresolved_calls(self):
        with pytest.raises(InvalidInput, match="CANCELLED is for Closed/Unresolved calls"):
            guards.check_close_values(AWAITING_B, partition_settings(), "ok", CANCELLED)

    def test_a_duplicate_points_at_its_original_and_says_so(self):
        change = _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), UnresolvedKind.DUPLICATE, original=ORIGINAL)
        assert change.after.duplicate_of_id == 42
        assert change.note == "Closed/Unresolved — Duplicate of INC-000042: Logged twice"
        assert change.details == {"kind": "duplicate", "reason": "CANCELLED", "duplicate_of": "INC-000042"}

    def test_a_duplicate_needs_another_call_not_itself_nor_one_that_duplicates_it(self):
        with pytest.raises(InvalidInput, match="Name the call") as refused:
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), UnresolvedKind.DUPLICATE)
        assert refused.value.field == "duplicate_of"
        with pytest.raises(InvalidInput, match="cannot be a duplicate of itself"):
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), UnresolvedKind.DUPLICATE,
                   original=Original(1, ASSIGNED_TO_RESOLVER))
        circle = Original(42, ORIGINAL.facts, ("INC-000050", "INC-000001"))
        with pytest.raises(InvalidInput, match="already closed as a duplicate of INC-000001"):
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), UnresolvedKind.DUPLICATE, original=circle)

    def test_only_a_duplicate_names_another_call(self):
        with pytest.raises(InvalidInput, match="Only a duplicate names another call"):
            _close(ASSIGNED_TO_RESOLVER, actor(CLOSER_B), UnresolvedKind.NO_RESPONSE, original=ORIGINAL)

    def test_the_original_hears_of_its_duplicate_and_keeps_its_status(self):
        change = link_duplicate(ORIGINAL.facts, "INC-000001")
        assert change.after == ORIGINAL.facts and change.action is Action.LINK_DUPLICATE
        assert change.note == "INC-000001 was closed as a duplicate of this call"

    def test_each_kind_has_a_headline_in_users_words(self):
        assert unresolved_headline(UnresolvedKind.CANCELLED) == "Closed/Unresolved — Cancelled (logged in error)"
        assert unresolved_headline(UnresolvedKind.NO_RESPONSE) == "Closed/Unresolved — No response from user"
        assert unresolved_headline(None) == "Closed/Unresolved"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(status=st.sampled_from(Status), analyst=st.sampled_from(sorted(ANALYSTS)),
       assignee=st.sampled_from([None, *sorted(ANALYSTS)]), group=st.sampled_from([None, LOG_GROUP, CLOSURE_GROUP]),
       target=st.sampled_from([None, CLOSER_A, CLOSER_B]), resolver_may=st.booleans(),
       kind=st.sampled_from([UnresolvedKind.CANCELLED, UnresolvedKind.NO_RESPONSE]))
def test_the_call_page_offers_closing_unresolved_exactly_when_the_core_allows_it(
        status, analyst, assignee, group, target, resolver_may, kind):  # type: ignore[no-untyped-def]
    facts = call(status=status, assigned_analyst_id=assignee, assigned_group_id=group, resolved_by_id=RESOLVER,
                 target_analyst_id=target if status is Status.FORWARD_TO_YOU_FOR_CLOSE else None,
                 target_group_id=CLOSURE_GROUP if status is Status.FORWARD_FOR_CLOSURE else None,
                 resolution="Rebooted" if status is not Status.LOGGED else "")
    who, desk = actor(analyst), partition_settings(resolver_may_close_unresolved=resolver_may)
    offered = Action.CLOSE_UNRESOLVED in guards.permitted_actions(facts, who, desk, directory())
    try:
        change = close_unresolved(facts, who, desk, directory(), kind, CANCELLED, "Not needed", NOW)
    except CloseloopError:
        assert not offered
        return
    assert offered
    assert change.after.status is TRANSITIONS[(status, Action.CLOSE_UNRESOLVED)] is Status.CLOSED_UNRESOLVED
    assert (change.after.closed_by_id, change.after.closed_at, change.after.unresolved_kind) == (analyst, NOW, kind)
    changed = {f.name for f in fields(CallFacts) if getattr(facts, f.name) != getattr(change.after, f.name)}
    assert changed - {"status"} <= MAY_CHANGE
    # nobody without the Closure Comments right closes unless the partition lets resolvers, and never in closure
    if Right.CLOSE not in who.rights:
        assert resolver_may and status not in (Status.FORWARD_FOR_CLOSURE, Status.FORWARD_TO_YOU_FOR_CLOSE)
