"""Random sequences of actions by random analysts, through the real services, keep the desk's invariants:

- a call in a closure status always has an eligible closer for its target;
- only eligible closers ever close (checked against the database, not the rules under test);
- closed calls have closure comments and a reason linked to their type;
- every status change has its history event, chained from status to status.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from closeloop.accounts.models import Membership
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.closure import CLOSURE_STATUSES, CloseloopError, Status
from closeloop.closure.routing import target_has_eligible_closer
from closeloop.partitions import services as partitions
from tests.desk import build_desk

pytestmark = pytest.mark.django_db(transaction=False)

WHO = st.integers(min_value=0, max_value=7)
PICK = st.integers(min_value=0, max_value=1000)
TARGET = st.sampled_from([None, "analyst", "group"])


class DeskMachine(RuleBasedStateMachine):
    # Set-up is an initialize rule, not __init__: hypothesis may build a machine it never runs, and only
    # a run is followed by teardown, which rolls this example's data back.
    @initialize()
    def open_the_desk(self) -> None:
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.desk = d = build_desk()
        self.people = [d.alice, d.rita, d.bob, d.carol, d.dave, d.mia, d.erin, d.admin]
        self.groups = [d.service_desk, d.network, d.closure_group]
        self.refs: list[str] = []

    def teardown(self) -> None:
        if hasattr(self, "_savepoint"):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

    def _call(self, pick: int) -> Call | None:
        if not self.refs:
            return None
        return Call.objects.get(ref=self.refs[pick % len(self.refs)])

    def _target(self, kind: str | None, pick: int) -> dict:
        if kind == "analyst":
            return {"analyst": self.people[pick % len(self.people)]}
        if kind == "group":
            return {"group": self.groups[pick % len(self.groups)]}
        return {}

    @rule(who=WHO, group=PICK, assign=st.booleans())
    def log(self, who: int, group: int, assign: bool) -> None:
        analyst = self.people[who]
        mine = [g for g in self.groups if g.members.filter(pk=analyst.pk).exists()]
        log_group = mine[group % len(mine)] if mine else None
        try:
            call = calls.log_call(self.desk.default, "incident", "Something broke", actor=analyst,
                                  log_group=log_group, assigned_group=log_group if assign else None)
        except CloseloopError:
            return
        self.refs.append(call.ref)

    @rule(pick=PICK, who=WHO, kind=TARGET, to=PICK)
    def resolve(self, pick: int, who: int, kind: str | None, to: int) -> None:
        call, chosen = self._call(pick), self._target(kind, to)
        if call is None:
            return
        try:
            calls.resolve_call(call.ref, self.people[who], "Did the fix", closer=chosen.get("analyst"),
                               closer_group=chosen.get("group"))
        except CloseloopError:
            pass

    @rule(pick=PICK, who=WHO)
    def take(self, pick: int, who: int) -> None:
        if (call := self._call(pick)) is not None:
            try:
                calls.take_call(call.ref, self.people[who])
            except CloseloopError:
                pass

    @rule(pick=PICK, who=WHO, with_reason=st.booleans())
    def close(self, pick: int, who: int, with_reason: bool) -> None:
        call, analyst = self._call(pick), self.people[who]
        if call is None:
            return
        settings_before = partitions.load_settings(self.desk.default)
        try:
            calls.close_call(call.ref, analyst, "Checked with the user", reason="FIXED" if with_reason else None)
        except CloseloopError:
            return
        # An independent oracle: what the database says about the closer just before the close.
        assert analyst.is_active
        assert Membership.objects.get(analyst=analyst, partition=self.desk.default).ipk_role.close
        if call.status == Status.FORWARD_TO_YOU_FOR_CLOSE:
            assert call.closure_target_analyst_id == analyst.id
        else:
            assert call.closure_target_group.members.filter(pk=analyst.pk).exists()
        if settings_before.require_independent_closer:
            assert call.resolved_by_id != analyst.id

    @rule(pick=PICK, who=WHO)
    def reject(self, pick: int, who: int) -> None:
        if (call := self._call(pick)) is not None:
            try:
                calls.reject_resolution(call.ref, self.people[who], "Not fixed")
            except CloseloopError:
                pass

    @rule(pick=PICK, who=WHO, kind=st.sampled_from(["analyst", "group"]), to=PICK)
    def forward(self, pick: int, who: int, kind: str, to: int) -> None:
        call, chosen = self._call(pick), self._target(kind, to)
        if call is None:
            return
        try:
            calls.forward_call(call.ref, self.people[who], "Second opinion", to_analyst=chosen.get("analyst"),
                               to_group=chosen.get("group"))
        except CloseloopError:
            pass

    @rule(method=st.sampled_from(["rules", "comments"]),
          closure_rule=st.sampled_from(["logged_by", "log_group", "closure_group"]),
          independent=st.booleans(), designated=st.booleans())
    def change_settings(self, method: str, closure_rule: str, independent: bool, designated: bool) -> None:
        try:
            partitions.update_closure_settings(self.desk.default, "random change", self.desk.admin,
                                               closure_method=method, closure_rule=closure_rule,
                                               require_independent_closer=independent,
                                               allow_designated_closer=designated)
        except CloseloopError:
            pass

    @rule(who=WHO)
    def deactivate(self, who: int) -> None:
        from closeloop.accounts.services import deactivate_analyst

        try:
            deactivate_analyst(self.people[who], self.desk.admin)
        except CloseloopError:
            pass
        self.people[who].refresh_from_db()

    @rule(group=PICK, who=WHO)
    def remove_member(self, group: int, who: int) -> None:
        try:
            partitions.remove_group_member(self.groups[group % len(self.groups)], self.people[who], self.desk.admin)
        except CloseloopError:
            pass

    @invariant()
    @precondition(lambda self: hasattr(self, "desk"))
    def calls_awaiting_closure_always_have_an_eligible_closer(self) -> None:
        settings_now = partitions.load_settings(self.desk.default)
        directory = partitions.load_directory(self.desk.default)
        for call in Call.objects.filter(status__in=[s.value for s in CLOSURE_STATUSES]):
            assert target_has_eligible_closer(call.facts(), settings_now, directory), call.ref

    @invariant()
    @precondition(lambda self: hasattr(self, "desk"))
    def closed_calls_have_comments_and_a_linked_reason(self) -> None:
        for call in Call.objects.filter(status=Status.CLOSED).select_related("closure_reason"):
            assert call.closure_comments.strip()
            assert call.closure_reason is not None and call.call_type in call.closure_reason.call_types

    @invariant()
    @precondition(lambda self: hasattr(self, "desk"))
    def every_status_change_has_its_event(self) -> None:
        for call in Call.objects.prefetch_related("events"):
            events = list(call.events.all())
            assert events[0].action == "log" and events[0].from_status == ""
            for before, after in zip(events, events[1:], strict=False):
                assert after.from_status == before.to_status
            assert events[-1].to_status == call.status
            assert call.version == len(events)


def test_random_desk_activity_keeps_the_closure_invariants(db):
    run_state_machine_as_test(DeskMachine, settings=settings(
        max_examples=40, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
