"""The what-if preview of closure settings (closure.preview), on a partition described as plain values."""

from __future__ import annotations

from closeloop.closure import ClosureMethod, ClosureRule, Right, Status
from closeloop.closure.preview import CLOSED_ON_RESOLVE, NOBODY, preview_settings

from .world import (
    CLOSER_A,
    CLOSER_B,
    CLOSURE_GROUP,
    LOG_GROUP,
    LOGGER,
    RESOLVER,
    call,
    directory,
    settings,
    with_rights,
)


def waiting_in_log_group(n: int, **changes: object):  # type: ignore[no-untyped-def]
    facts = {"status": Status.FORWARD_FOR_CLOSURE, "resolved_by_id": RESOLVER, "target_group_id": LOG_GROUP,
             **changes}
    return call(ref=f"INC-{n:06d}", **facts)


def resolved(n: int, **changes: object):  # type: ignore[no-untyped-def]
    return call(ref=f"INC-{n:06d}", status=Status.CLOSED, resolved_by_id=RESOLVER, **changes)


def test_moving_from_log_group_to_closure_group_routes_recent_calls_again_and_leaves_waiting_ones():
    before = settings(closure_rule=ClosureRule.LOG_GROUP)
    after = settings(closure_rule=ClosureRule.CLOSURE_GROUP)
    preview = preview_settings([waiting_in_log_group(1)], [resolved(2), resolved(3)], before, after, directory())
    assert (preview.waiting, preview.resolved_recently) == (1, 2)
    assert preview.before == {"group Service Desk": 3}
    assert preview.after == {"group Closure Group": 2, "group Service Desk": 1}  # the waiting call stays
    assert preview.changed == 2 and preview.moved_now == 0 and not preview.refused
    assert [(c.ref, c.waiting, c.after) for c in preview.examples] == [
        ("INC-000002", False, "group Closure Group"), ("INC-000003", False, "group Closure Group")]
    assert preview.rows[0] == ("group Closure Group", 0, 2)


def test_requiring_an_independent_closer_moves_a_call_whose_only_closer_resolved_it():
    # CLOSER_A resolved it and waits with it personally; independence moves it along the chain
    mine = call(ref="INC-000010", status=Status.FORWARD_TO_YOU_FOR_CLOSE, resolved_by_id=CLOSER_A,
                target_analyst_id=CLOSER_A)
    preview = preview_settings([mine], [], settings(), settings(require_independent_closer=True), directory())
    assert preview.moved_now == 1 and preview.changed == 1
    assert preview.examples[0].before == "closer_a" and preview.examples[0].after == "group Closure Group"


def test_a_waiting_call_nobody_could_close_is_named_and_the_settings_would_be_refused():
    stuck = waiting_in_log_group(20, resolved_by_id=CLOSER_B, target_group_id=CLOSURE_GROUP)
    after = settings(closure_rule=ClosureRule.CLOSURE_GROUP, require_independent_closer=True)
    # the partition's only other closer (CLOSER_A) is no closer any more: nobody but the resolver is left
    only_b = directory(a=with_rights(CLOSER_A, frozenset({Right.RESOLVE})))
    preview = preview_settings([stuck], [], settings(), after, only_b)
    assert preview.unclosable == ("INC-000020",) and preview.refused
    assert preview.after == {NOBODY: 1}
    assert "would be refused" in "\n".join(preview.lines())


def test_immediate_closure_closes_on_resolve_and_the_logging_analyst_rule_follows_the_logger():
    recent = [resolved(30), resolved(31, logged_by_id=CLOSER_B)]
    preview = preview_settings([], recent, settings(closure_rule=ClosureRule.LOGGED_BY),
                               settings(closure_method=ClosureMethod.IMMEDIATE), directory())
    assert preview.before == {"group Service Desk": 1, "closer_b": 1}  # LOGGER may not close: the log group
    assert preview.after == {CLOSED_ON_RESOLVE: 2} and preview.changed == 2


def test_unchanged_settings_change_nothing():
    calls = [resolved(n, logged_by_id=LOGGER) for n in range(40, 45)]
    preview = preview_settings([waiting_in_log_group(46)], calls, settings(), settings(), directory())
    assert preview.changed == 0 and preview.before == preview.after and preview.examples == ()
    assert preview.as_dict()["changes"] == []
