"""Who is told what about a call event: the notices rule, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import TRANSITIONS, Action, CallFacts, Right, Status
from closeloop.closure.events import CallChanged
from closeloop.closure.notices import (
    ANALYST_KINDS,
    CONTACT_KINDS,
    Notice,
    NoticeKind,
    ToAnalyst,
    ToContact,
    ToMailbox,
    notices_for,
)
from tests.unit.world import (
    ANALYSTS,
    CLOSER_A,
    CLOSER_B,
    CLOSURE_GROUP,
    GHOST_GROUP,
    LEFT,
    LOG_GROUP,
    LOGGER,
    RESOLVER,
    call,
    directory,
    settings,
)

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def event(action: Action, after: CallFacts, actor: int | None, from_status: Status | None = None,
          **details: object) -> CallChanged:
    return CallChanged(call_id=1, ref=after.ref, partition_id=1, event_id=1, action=action.value,
                       from_status=from_status.value if from_status else "", to_status=after.status.value,
                       actor_id=actor, at=AT, details=details)


def told(action: Action, after: CallFacts, actor: int | None, from_status: Status | None = None,
         mailboxes: frozenset[int] = frozenset(), **details: object) -> set[Notice]:
    found = notices_for(event(action, after, actor, from_status, **details), after, settings(), directory(),
                        mailboxes)
    assert len(found) == len(set(found)), "a notice is written once"
    return set(found)


def test_kinds_are_split_between_analysts_and_contacts_with_users_labels():
    assert set(ANALYST_KINDS) | set(CONTACT_KINDS) == set(NoticeKind)
    assert not set(ANALYST_KINDS) & set(CONTACT_KINDS)
    assert NoticeKind.FORWARDED_TO_YOU.label == "Forward to You for Close"
    assert all(kind.label and kind.description for kind in NoticeKind)


def test_logging_acknowledges_the_call_to_its_contact():
    assert told(Action.LOG, call(status=Status.LOGGED), LOGGER) == {Notice(NoticeKind.CALL_LOGGED, ToContact())}


def test_assigning_a_call_tells_the_analyst_it_is_assigned_to():
    after = call(assigned_analyst_id=RESOLVER, assigned_group_id=LOG_GROUP)
    assert told(Action.ASSIGN, after, LOGGER, Status.LOGGED) == {Notice(NoticeKind.ASSIGNED, ToAnalyst(RESOLVER))}


def test_assigning_a_call_to_yourself_or_to_a_queue_tells_nobody():
    assert told(Action.ASSIGN, call(assigned_analyst_id=RESOLVER), RESOLVER, Status.LOGGED) == set()
    assert told(Action.ASSIGN, call(assigned_group_id=LOG_GROUP), LOGGER, Status.LOGGED) == set()


def test_resolving_to_a_group_tells_each_eligible_closer_and_the_contact():
    after = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP, resolved_by_id=RESOLVER)
    assert told(Action.RESOLVE_TO_GROUP, after, RESOLVER, Status.ASSIGNED) == {
        Notice(NoticeKind.FORWARDED_TO_GROUP, ToAnalyst(CLOSER_A)), Notice(NoticeKind.CALL_RESOLVED, ToContact())}


def test_a_group_with_its_own_mailbox_is_told_there_instead_of_its_closers():
    after = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=LOG_GROUP, resolved_by_id=RESOLVER)
    assert told(Action.RESOLVE_TO_GROUP, after, RESOLVER, Status.ASSIGNED, frozenset({LOG_GROUP})) == {
        Notice(NoticeKind.FORWARDED_TO_GROUP, ToMailbox(LOG_GROUP)), Notice(NoticeKind.CALL_RESOLVED, ToContact())}


def test_deactivated_members_of_a_group_are_not_told():
    after = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=GHOST_GROUP, resolved_by_id=LOGGER)
    assert ToAnalyst(LEFT) not in {n.audience for n in told(Action.FORWARD_TO_GROUP, after, CLOSER_A,
                                                            Status.FORWARD_FOR_CLOSURE)}


def test_resolving_to_an_analyst_forwards_to_them_for_close():
    after = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_B, resolved_by_id=RESOLVER)
    assert told(Action.RESOLVE_TO_ANALYST, after, RESOLVER, Status.ASSIGNED) == {
        Notice(NoticeKind.FORWARDED_TO_YOU, ToAnalyst(CLOSER_B)), Notice(NoticeKind.CALL_RESOLVED, ToContact())}


def test_taking_a_call_yourself_tells_nobody():
    after = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_A, target_group_id=LOG_GROUP,
                 resolved_by_id=RESOLVER)
    assert told(Action.TAKE, after, CLOSER_A, Status.FORWARD_FOR_CLOSURE) == set()


def test_a_call_rerouted_by_the_system_tells_its_new_closer():
    after = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_B, resolved_by_id=RESOLVER)
    assert told(Action.FORWARD_TO_ANALYST, after, None, Status.FORWARD_TO_YOU_FOR_CLOSE) == {
        Notice(NoticeKind.FORWARDED_TO_YOU, ToAnalyst(CLOSER_B))}


def test_a_rejected_or_refused_resolution_goes_back_to_its_resolver():
    after = call(status=Status.ASSIGNED, assigned_analyst_id=RESOLVER, resolved_by_id=RESOLVER)
    assert told(Action.REJECT, after, CLOSER_A, Status.FORWARD_TO_YOU_FOR_CLOSE) == {
        Notice(NoticeKind.RESOLUTION_REJECTED, ToAnalyst(RESOLVER))}
    assert told(Action.USER_REFUSE, after, None, Status.FORWARD_FOR_CLOSURE) == {
        Notice(NoticeKind.RESOLUTION_REFUSED, ToAnalyst(RESOLVER))}


def test_every_way_of_closing_tells_the_contact_the_call_is_closed():
    for action, status in ((Action.CLOSE, Status.CLOSED), (Action.ACCEPT_AND_CLOSE, Status.CLOSED),
                           (Action.CLOSE_UNRESOLVED, Status.CLOSED_UNRESOLVED),
                           (Action.RESOLVE_AND_CLOSE, Status.CLOSED)):
        after = call(status=status, resolved_by_id=RESOLVER, closed_by_id=CLOSER_A)
        assert told(action, after, CLOSER_A, Status.FORWARD_TO_YOU_FOR_CLOSE) == {
            Notice(NoticeKind.CALL_CLOSED, ToContact())}, action


def test_an_auto_closed_call_tells_its_resolver_and_its_contact():
    after = call(status=Status.CLOSED, resolved_by_id=RESOLVER)
    assert told(Action.AUTO_CLOSE, after, None, Status.FORWARD_FOR_CLOSURE, rule="Ten days") == {
        Notice(NoticeKind.AUTO_CLOSED, ToAnalyst(RESOLVER)), Notice(NoticeKind.CALL_CLOSED, ToContact())}


def test_a_call_on_hold_closed_at_expiry_was_never_resolved_so_only_its_contact_hears():
    after = call(status=Status.CLOSED_UNRESOLVED, resolved_by_id=RESOLVER)
    assert told(Action.AUTO_CLOSE, after, None, Status.ON_HOLD) == {Notice(NoticeKind.CALL_CLOSED, ToContact())}


def test_a_reminder_goes_to_the_audiences_its_rule_names():
    waiting = call(status=Status.FORWARD_TO_YOU_FOR_CLOSE, target_analyst_id=CLOSER_B, resolved_by_id=RESOLVER)
    assert told(Action.REMIND, waiting, None, Status.FORWARD_TO_YOU_FOR_CLOSE, to=["target", "contact"]) == {
        Notice(NoticeKind.REMINDER, ToAnalyst(CLOSER_B)), Notice(NoticeKind.CONTACT_REMINDER, ToContact())}
    assert told(Action.REMIND, waiting, None, Status.FORWARD_TO_YOU_FOR_CLOSE, to=["contact"]) == {
        Notice(NoticeKind.CONTACT_REMINDER, ToContact())}
    in_group = call(status=Status.FORWARD_FOR_CLOSURE, target_group_id=CLOSURE_GROUP, resolved_by_id=RESOLVER)
    assert told(Action.REMIND, in_group, None, Status.FORWARD_FOR_CLOSURE, frozenset({CLOSURE_GROUP}),
                to=["target"]) == {Notice(NoticeKind.REMINDER, ToMailbox(CLOSURE_GROUP))}
    on_hold = call(status=Status.ON_HOLD, assigned_analyst_id=RESOLVER)
    assert told(Action.REMIND, on_hold, None, Status.ON_HOLD, to=["target"]) == {
        Notice(NoticeKind.REMINDER, ToAnalyst(RESOLVER))}


def test_holding_linking_and_the_users_acceptance_tell_nobody():
    for action in (Action.HOLD, Action.RESUME, Action.LINK_PROBLEM, Action.LINK_DUPLICATE, Action.USER_ACCEPT):
        assert told(action, call(assigned_analyst_id=RESOLVER), LOGGER, Status.ASSIGNED) == set(), action


# Any event the lifecycle allows, on any call, by anyone (or the system), with or without group mailboxes.
people = st.sampled_from([*ANALYSTS, None])
groups = st.sampled_from([None, LOG_GROUP, CLOSURE_GROUP, GHOST_GROUP])
steps = st.sampled_from(sorted(TRANSITIONS, key=str))


# the events that leave a call waiting for a group, where the mailbox-or-closers choice is made
group_steps = st.sampled_from(sorted((s for s, after in TRANSITIONS.items()
                                      if after is Status.FORWARD_FOR_CLOSURE), key=str))


@st.composite
def events(draw: st.DrawFn, step_from: st.SearchStrategy[tuple[Status | None, Action]] = steps,
           min_mailboxes: int = 0) -> tuple[CallChanged, CallFacts, frozenset[int]]:
    step = draw(step_from)
    (before, action), after_status = step, TRANSITIONS[step]
    after = call(status=after_status, assigned_analyst_id=draw(people), target_analyst_id=draw(people),
                 target_group_id=draw(groups), resolved_by_id=draw(people))
    mailboxes = frozenset(draw(st.sets(st.sampled_from([LOG_GROUP, CLOSURE_GROUP, GHOST_GROUP]),
                                       min_size=min_mailboxes)))
    to = draw(st.lists(st.sampled_from(["target", "contact"]), unique=True))
    return event(action, after, draw(people), before, to=to), after, mailboxes


@given(events())
def test_the_analyst_who_acted_is_never_told_of_their_own_action(drawn):
    change, after, mailboxes = drawn
    notices = notices_for(change, after, settings(), directory(), mailboxes)
    assert change.actor_id is None or ToAnalyst(change.actor_id) not in {n.audience for n in notices}


@given(events())
def test_only_active_analysts_are_told_and_a_group_only_through_its_closers(drawn):
    change, after, mailboxes = drawn
    for notice in notices_for(change, after, settings(), directory(), mailboxes):
        assert notice.kind.for_analysts == (not isinstance(notice.audience, ToContact))
        if isinstance(notice.audience, ToAnalyst):
            candidate = ANALYSTS[notice.audience.analyst_id]
            assert candidate.active
            if notice.kind is NoticeKind.FORWARDED_TO_GROUP:
                assert Right.CLOSE in candidate.rights


@given(st.one_of(events(), events(group_steps, min_mailboxes=1)))
def test_a_group_is_told_at_its_mailbox_or_through_its_closers_never_both(drawn):
    change, after, mailboxes = drawn
    notices = notices_for(change, after, settings(), directory(), mailboxes)
    mailboxes_told = {n.audience.group_id for n in notices if isinstance(n.audience, ToMailbox)}
    assert mailboxes_told <= mailboxes
    group_closers = {n.audience.analyst_id for n in notices
                     if isinstance(n.audience, ToAnalyst) and n.kind is NoticeKind.FORWARDED_TO_GROUP}
    for group_id in mailboxes_told:
        assert not group_closers & directory().groups[group_id], "both the mailbox and the closers were told"


@given(events())
def test_the_same_notice_is_never_written_twice_for_one_event(drawn):
    change, after, mailboxes = drawn
    notices = notices_for(change, after, settings(), directory(), mailboxes)
    assert len(notices) == len(set(notices))
