"""The daily roll-ups against the raw rows: random desk histories, built through the services, must give the
same report figures from the roll-ups as from a scan of the calls, events and decisions (`raw_figures`),
and the roll-ups kept step by step must equal a rebuild from scratch; a rolled-back change leaves them as
they were. The histories set and change closure SLA targets and calendars on the way: the raw Closure SLA
figures judge each decision from scratch on the settings in force when it was made. Also: the
backfill/rebuild command and the bulk loads that call it."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from closeloop.autoclose import services as autoclose
from closeloop.calls import services as calls
from closeloop.calls.editing import edit_call
from closeloop.calls.models import Call, ClosureDecision
from closeloop.calls.sampling import drawing_from
from closeloop.calls.unresolved import close_unresolved_call
from closeloop.cli.main import main
from closeloop.closure import CLOSURE_STATUSES, CloseloopError
from closeloop.closure.sla import ClosureSlaPolicy
from closeloop.partitions import closure_sla, quality
from closeloop.partitions.sampling import set_sampling_policy
from closeloop.reports import autoclosed, closure_stage, rollups, trends
from closeloop.reports.base import parse_period
from closeloop.reports.closure_sla import closure_sla_report
from closeloop.reports.models import CallFlowDay, CallFlowKey, ClosedCallDay, ClosureSlaDay, DecisionDay
from closeloop.reports.rollups import catch_up, rebuild_rollups
from closeloop.reports.waits import PRECISION, bucket_wait, percentile_wait, wait_bucket

from . import raw_figures
from .conftest import at

pytestmark = pytest.mark.django_db

TYPES = ["incident", "service_request", "problem"]
REASON = {"incident": "FIXED", "service_request": "FULFILLED", "problem": "ROOT_CAUSE"}
ACTIONS = ["log", "log", "assign", "retype", "resolve", "resolve", "take", "reject", "close", "close",
           "cancel", "auto_close", "sampling", "targets", "decide", "decide", "fold"]
# closure SLA targets a history sets (the last choice also moves the working week: Tuesday to Saturday)
TARGETS = [{"p1": "1h", "p2": "4h", "p3": "8h", "p4": None}, {"p1": None, "p2": None, "p3": "2h", "p4": "16h"},
           {"p1": None, "p2": None, "p3": None, "p4": None}, {"p1": "30m", "p2": "1h", "p3": "3h", "p4": "8h"}]
REPORTS = [
    (trends.trends, raw_figures.trends),
    (closure_stage.time_to_close, raw_figures.time_to_close),
    (closure_stage.rejection_rate, raw_figures.rejection_rate),
    (closure_stage.closure_reasons, raw_figures.closure_reasons),
    (autoclosed.auto_closed, raw_figures.auto_closed),
]


class Rollback(Exception):
    """Raised to undo a change on purpose."""


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every roll-up row that counts something (a history moved away leaves rows of zeros behind), every change
    folded in first."""
    catch_up()
    def rows(model: Any, counts: list[str]) -> list[tuple[Any, ...]]:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return sorted(tuple(r) for r in model.objects.values_list(*fields) if any(
            r[fields.index(c)] for c in counts))
    return {"flow": rows(CallFlowDay, ["logged", "resolved", "closed", "auto_closed"]),
            "keys": rows(CallFlowKey, ["call_type"]), "decisions": rows(DecisionDay, ["decisions"]),
            "closed": rows(ClosedCallDay, ["calls"]), "verdicts": rows(ClosureSlaDay, ["verdicts"])}


def _comparable(report: Any) -> list[tuple[Any, ...]]:
    """A report's rows in a fixed order (the raw queries let each engine order NULL names its own way)."""
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in report.rows)


def _assert_same_figures(partition: Any, period: Any, history: DeskHistory) -> None:
    def raw_closure_sla(partition: Any, period: Any) -> Any:
        return raw_figures.closure_sla(partition, period, history.policy_of)

    for from_rollups, from_raw in [*REPORTS, (closure_sla_report, raw_closure_sla)]:
        new, old = from_rollups(partition, period), from_raw(partition, period)
        if new.name == "time-to-close":
            _assert_close_times(new, old)
        else:
            assert _comparable(new) == _comparable(old), new.name
            assert new.chart == old.chart, new.name


def _within(shown: float | None, exact: float | None) -> bool:
    """A time read off the histogram is within the documented precision of the exact one (both rounded)."""
    if shown is None or exact is None:
        return shown is exact
    return abs(shown - exact) <= exact * PRECISION + 0.0101


def _assert_close_times(new: Any, old: Any) -> None:
    times = ("median_hours", "p90_hours")
    key = [(r["dimension"], r["name"]) for r in new.rows]
    assert sorted(key) == sorted((r["dimension"], r["name"]) for r in old.rows)
    exact = {(r["dimension"], r["name"]): r for r in old.rows}
    for row in new.rows:
        raw = exact[(row["dimension"], row["name"])]
        assert {k: v for k, v in row.items() if k not in times} == {k: v for k, v in raw.items() if k not in times}
        for name in times:
            assert _within(row[name], raw[name]), (row, raw)
    for (name, values), (_same, raw_values) in zip(new.chart.series, old.chart.series, strict=True):
        assert all(_within(v, r) for v, r in zip(values, raw_values, strict=True)), name


class DeskHistory:
    """Plays a list of (action, call number, choice, hours later) steps on the test desk, skipping the steps
    the desk refuses (a close of a call not yet resolved...): refused steps are rolled back by their service."""

    def __init__(self, desk: Any) -> None:
        self.desk, self.refs, self.now = desk, [], at(2, 8)
        self.groups = [(desk.service_desk, desk.alice), (desk.network, desk.bob), (desk.service_desk, desk.rita)]
        # the closure SLA in force from each decision on: (the last decision before it was set, the policy)
        self.policies: list[tuple[int, ClosureSlaPolicy]] = [(0, closure_sla.load_closure_sla(desk.default))]

    def policy_of(self, decision_id: int) -> ClosureSlaPolicy:
        """The closure SLA in force when the decision was made (the last one set before it)."""
        return [policy for after, policy in self.policies if decision_id > after][-1]

    def set_targets(self, choice: int) -> None:
        desk = self.desk
        closure_sla.set_closure_sla(desk.default, desk.admin, "reports fixture", targets=TARGETS[choice],
                                    warn_percent=60 + choice)
        if choice == 3:
            closure_sla.set_calendar(desk.default, desk.admin, "reports fixture",
                                     hours={"mon": "closed", "sat": "08:00-20:00"})
        last = ClosureDecision.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.policies.append((last, closure_sla.load_closure_sla(desk.default)))

    def play(self, action: str, number: int, choice: int) -> None:
        if action == "targets":
            self.set_targets(choice)
            return
        if action == "fold":  # the worker's pass, between two changes
            catch_up()
            return
        ref = self.refs[number % len(self.refs)] if self.refs else None
        if action == "log" or ref is None:
            group, analyst = self.groups[choice % 3] if choice < 3 else (None, None)
            call = calls.log_call(self.desk.default, TYPES[choice % 3], "Printer jams", priority=1 + number % 4,
                                  log_group=self.desk.service_desk, assigned_group=group, assigned_analyst=analyst,
                                  actor=self.desk.alice, at=self.now)
            self.refs.append(call.ref)
            return
        desk = self.desk
        if action == "decide":  # a closer's verdict on a call waiting for closure (a random call seldom is)
            waiting = list(Call.objects.filter(ref__in=self.refs, status__in=[s.value for s in CLOSURE_STATUSES])
                           .order_by("id").values_list("ref", flat=True))
            if not waiting:
                return
            ref = waiting[number % len(waiting)]
        call = Call.objects.get(ref=ref)
        if action == "decide":
            closer = desk.mia if call.closure_target_group_id == desk.network.id else desk.carol
            if choice % 2:
                calls.reject_resolution(ref, closer, "Still jams", at=self.now)
            else:
                calls.close_call(ref, closer, "Checked with the user", reason=REASON[call.call_type],
                                 ticked=[i.id for i in quality.checklist(desk.default)], at=self.now)
        elif action == "assign":
            group, analyst = self.groups[choice % 3]
            calls.assign_call(ref, desk.admin, group=group, analyst=analyst, at=self.now)
        elif action == "retype":
            edit_call(ref, desk.alice, expected_version=None, call_type=TYPES[choice % 3], at=self.now)
        elif action == "resolve":
            resolver = next((a for g, a in self.groups if a.id == call.assigned_analyst_id), desk.alice)
            calls.resolve_call(ref, resolver, "Cleaned the rollers", at=self.now)
        elif action == "take":
            calls.take_call(ref, desk.carol, at=self.now)
        elif action == "reject":
            calls.reject_resolution(ref, desk.carol, "Still jams", category="not_fixed" if choice % 2 else None,
                                    at=self.now)
        elif action == "close":
            calls.close_call(ref, desk.carol, "Checked with the user", reason=REASON[call.call_type],
                             ticked=[i.id for i in quality.checklist(desk.default)], at=self.now)
        elif action == "cancel":
            close_unresolved_call(ref, desk.carol, "cancelled", reason="CANCELLED", comments="Logged in error",
                                  at=self.now)
        elif action == "auto_close":
            autoclose.auto_close_pass(self.now)
        elif action == "sampling":  # a policy in force or not: the rejection rate splits decisions by sampling
            set_sampling_policy(desk.default, "reports fixture", desk.admin, enabled=choice % 2 == 0,
                                min_priority=2, random_percent=50)


STEPS = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 7), st.integers(0, 3), st.integers(0, 40)),
                 min_size=8, max_size=30)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
# each example plays a history through the services: shrinking a failure would take minutes, so it is off
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# most histories start under closure SLA targets (which a "targets" step may change or remove)
@given(steps=STEPS, split=st.integers(0, 20), targets=st.sampled_from([None, 0, 1, 3]))
# a desk with a sampling policy in force: sampled calls wait, the others close at the rule's expiry
@example(steps=[("sampling", 0, 0, 0), *[(a, n, 0, 1) for n in range(4) for a in ("log", "resolve")],
                ("close", 0, 0, 1), ("reject", 1, 1, 1), ("auto_close", 0, 0, 60), ("sampling", 0, 1, 1),
                ("log", 5, 0, 1), ("resolve", 4, 0, 1), ("close", 4, 0, 1)], split=3, targets=None)
# closure SLA targets set after the first verdicts, then changed (the working week too) and removed
@example(steps=[*[(a, n, n % 3, 2) for n in range(4) for a in ("log", "resolve")], ("close", 0, 0, 1),
                ("targets", 0, 0, 0), ("take", 1, 0, 1), ("close", 1, 0, 3), ("reject", 2, 1, 30),
                ("close", 3, 0, 1), ("resolve", 2, 0, 1), ("targets", 0, 3, 1), ("log", 2, 1, 1),
                ("resolve", 4, 1, 2), ("close", 2, 0, 20), ("auto_close", 0, 0, 60), ("targets", 0, 2, 1),
                ("close", 4, 0, 1)], split=0, targets=None)
def test_reports_from_the_rollups_equal_the_reports_from_the_raw_rows(rolling_desk, settings, monkeypatch, zone,
                                                                     steps, split, targets):
    settings.TIME_ZONE = zone
    monkeypatch.setattr(rollups, "BATCH", 2 + split % 5)  # a catch-up of several batches, a call split over two
    with transaction.atomic(), drawing_from(random.Random(split).random):
        history = DeskHistory(rolling_desk)
        if targets is not None:
            history.set_targets(targets)
        for action, number, choice, later in steps:
            history.now += timedelta(hours=later)
            try:
                history.play(action, number, choice)
            except CloseloopError:
                pass  # refused, and rolled back by the service: the roll-ups must not have counted it
        kept = _snapshot()
        for period in (parse_period("2026-02-23", "2026-04-19"),
                       parse_period(f"2026-03-{2 + split:02d}", f"2026-03-{5 + split:02d}")):
            _assert_same_figures(rolling_desk.default, period, history)
        rebuild_rollups()
        assert _snapshot() == kept, "the roll-ups kept change by change differ from a rebuild from the calls"
        transaction.set_rollback(True)


def test_a_rolled_back_change_leaves_the_rollups_as_they_were(rolling_desk):
    history = DeskHistory(rolling_desk)
    for step in [("log", 0, 0), ("resolve", 0, 0), ("log", 1, 1)]:
        history.play(*step)
        history.now += timedelta(hours=5)
    before = _snapshot()
    # call 0 is Forward for Closure, call 1 a service request assigned to Network
    for action, number, choice in (("resolve", 1, 0), ("take", 0, 0), ("close", 0, 0), ("assign", 1, 0),
                                   ("retype", 1, 2), ("log", 0, 1)):
        with pytest.raises(Rollback), transaction.atomic():
            history.play(action, number, choice)
            assert _snapshot() != before or action == "take", f"{action} should count in the roll-ups"
            raise Rollback
        assert _snapshot() == before, f"a rolled-back {action} left something in the roll-ups"


def test_the_waits_histogram_reads_each_percentile_within_its_precision():
    waits = [30.0, 61.0, 3600.0, 3601.0, 7300.5, 86400.0 * 3, 0.0]
    histogram = [(wait_bucket(w), 1) for w in waits]
    for p in (0.5, 0.9, 1.0):
        exact = sorted(waits)[max(1, -(-int(p * 100) * len(waits) // 100)) - 1]
        shown = percentile_wait(histogram, p)
        assert shown is not None
        assert abs(shown.total_seconds() - max(exact, 1.0)) <= max(exact, 1.0) * PRECISION + 1e-6
    assert percentile_wait([], 0.5) is None
    assert bucket_wait(wait_bucket(10800)).total_seconds() == pytest.approx(10800, rel=PRECISION)


def test_operators_rebuild_the_rollups_from_the_command_line(rolling_desk, capsys):
    history = DeskHistory(rolling_desk)
    for step in [("log", 0, 0), ("resolve", 0, 0), ("take", 0, 0), ("close", 0, 0)]:
        history.play(*step)
        history.now += timedelta(hours=2)
    kept = _snapshot()
    CallFlowDay.objects.all().delete()
    ClosedCallDay.objects.update(calls=7)
    assert main(["report-rollups", "rebuild"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt" in out and "closure SLA days" in out
    assert _snapshot() == kept
    assert main(["report-rollups", "rebuild", "--as", "carol"]) != 0


def test_a_reassigned_call_takes_its_history_to_its_new_group_and_auto_closes_count(rolling_desk):
    history = DeskHistory(rolling_desk)
    for action, number, choice, later in [("log", 0, 0, 1), ("resolve", 0, 0, 1), ("reject", 0, 0, 1),
                                          ("assign", 0, 1, 1), ("resolve", 0, 0, 1), ("log", 1, 2, 60),
                                          ("auto_close", 0, 0, 1)]:
        history.play(action, number, choice)
        history.now += timedelta(hours=later)
    period = parse_period("2026-03-02", "2026-03-08")
    groups = {r["name"]: r for r in trends.trends(rolling_desk.default, period).rows if r["dimension"] == "group"}
    assert {name: (r["logged"], r["resolved"], r["closed"], r["auto_closed"]) for name, r in groups.items()} == {
        "Network": (1, 2, 1, 1), "Service Desk": (1, 0, 0, 0)}
    assert Call.objects.get(ref=history.refs[0]).status == "closed"
    _assert_same_figures(rolling_desk.default, period, history)


def test_the_changes_not_counted_yet_are_found_through_their_own_index(rolling_desk):
    """Each catch-up's reads of the events and decisions not counted yet go through the partial indexes that
    hold only those: a scan of the history every few seconds would grow with the desk."""
    history = DeskHistory(rolling_desk)
    for step in [("log", 0, 0), ("resolve", 0, 0), ("take", 0, 0), ("close", 0, 0)]:
        history.play(*step)
    with CaptureQueriesContext(connection) as ctx:
        catch_up()
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and "NOT rolled_up" in q["sql"]]
    assert len(reads) >= 3  # whether any waits, the events, the decisions
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: only whether the index can serve
        for sql in reads:
            cursor.execute(("EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "not_rolled_up" in plan, f"{sql}\n{plan}"
