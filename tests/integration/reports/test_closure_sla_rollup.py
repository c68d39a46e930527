"""The Closure SLA report from its daily roll-up against the raw decisions, on random histories dense with
verdicts: calls of every priority decided after random waits (closed by their closure group's closer,
rejected, refused by the contact, closed on the contact's acceptance, auto-closed) while the targets and the
calendar change. The raw figures judge each decision from scratch on the settings in force when it was made;
the roll-up kept change by change equals a rebuild from the decisions' recorded verdicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from closeloop.autoclose import services as autoclose
from closeloop.calls import services as calls
from closeloop.calls.links import Answer
from closeloop.partitions import quality
from closeloop.reports.base import parse_period
from closeloop.reports.closure_sla import closure_sla_report
from closeloop.reports.rollups import rebuild_rollups

from . import raw_figures
from .test_rollups import REASON, DeskHistory, _comparable, _snapshot
from .test_user_answers_in_reports import answer_at

pytestmark = pytest.mark.django_db

OUTCOMES = ["close", "close", "reject", "refuse", "accept", "auto_close"]
# (priority, work group, minutes from resolve to the verdict, outcome, targets set first: a TARGETS index, or
# None, most often: the targets stay as they are)
CALLS = st.lists(st.tuples(st.integers(1, 4), st.integers(0, 2), st.integers(0, 4000), st.sampled_from(OUTCOMES),
                           st.sampled_from([None, None, None, 0, 1, 2, 3])), min_size=4, max_size=14)


def _decide(history: DeskHistory, priority: int, group: int, wait: int, outcome: str) -> None:
    desk = history.desk
    team, analyst = history.groups[group]
    call = calls.log_call(desk.default, "incident", "Printer jams", priority=priority, log_group=desk.service_desk,
                          assigned_group=team, assigned_analyst=analyst, actor=desk.alice, at=history.now)
    history.refs.append(call.ref)
    history.now += timedelta(minutes=30)
    call = calls.resolve_call(call.ref, analyst, "Cleaned the rollers", at=history.now)
    history.now += timedelta(minutes=wait)
    closer = desk.mia if call.closure_target_group_id == desk.network.id else desk.carol
    if outcome == "close":
        calls.close_call(call.ref, closer, "Checked with the user", reason=REASON["incident"],
                         ticked=[i.id for i in quality.checklist(desk.default)], at=history.now)
    elif outcome == "reject":
        calls.reject_resolution(call.ref, closer, "Still jams", at=history.now)
    elif outcome in ("refuse", "accept"):
        answer_at(call, Answer.REFUSE if outcome == "refuse" else Answer.ACCEPT, history.now, "Still jams")
    else:  # nobody decides: the rule closes it once idle for two days
        history.now += timedelta(days=2, hours=1)
        autoclose.auto_close_pass(history.now)
    history.now += timedelta(minutes=5)


@pytest.fixture
def sla_desk(rolling_desk):  # type: ignore[no-untyped-def]
    # a contact's acceptance closes the call: a close decided by nobody, "(system)" in the report
    rolling_desk.configure(acceptance_closes=True, acceptance_reason="FIXED")
    return rolling_desk


@pytest.mark.parametrize("zone", ["UTC", "Europe/London"])
@settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=CALLS, first=st.sampled_from([0, 1, 3]))
# targets from the start, changed after three verdicts and removed before the last two
@example(steps=[(3, 0, 200, "close", 0), (1, 1, 90, "close", None), (1, 2, 30, "reject", None),
                (2, 0, 2000, "refuse", 3), (4, 1, 600, "auto_close", None), (3, 2, 10, "accept", None),
                (2, 0, 500, "close", 2), (1, 1, 5, "close", None)], first=2)
def test_the_closure_sla_report_from_its_rollup_equals_the_verdicts_judged_from_the_raw_decisions(
        sla_desk, settings, zone, steps, first):
    settings.TIME_ZONE = zone
    with transaction.atomic():
        history = DeskHistory(sla_desk)
        history.set_targets(first)  # the targets the history starts under (2: none)
        for priority, group, wait, outcome, targets in steps:
            if targets is not None:
                history.set_targets(targets)
            _decide(history, priority, group, wait, outcome)
        kept = _snapshot()
        for period in (parse_period("2026-02-23", "2026-06-28"), parse_period("2026-03-04", "2026-03-20")):
            new = closure_sla_report(sla_desk.default, period)
            old = raw_figures.closure_sla(sla_desk.default, period, history.policy_of)
            assert _comparable(new) == _comparable(old)
            assert new.chart == old.chart
        rebuild_rollups()
        assert _snapshot() == kept, "the roll-up kept verdict by verdict differs from a rebuild from the decisions"
        transaction.set_rollback(True)
