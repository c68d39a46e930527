"""The migration that gives an existing desk's closure decisions their priority and closure SLA verdict
(`calls/0013`): each decision gets its call's priority and a verdict on the targets and calendar in force."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps

from closeloop.calls import services as calls
from closeloop.calls.models import ClosureDecision
from closeloop.partitions import closure_sla

from .test_report import at, resolved

pytestmark = pytest.mark.django_db

backfill = import_module("closeloop.calls.migrations.0013_decision_closure_sla_verdict")


def test_the_migration_judges_every_decision_of_a_partition_with_targets_on_them(desk, settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    quick, slow, untimed = (resolved(desk, at("2026-03-02", "09:00"), p) for p in (3, 3, 2))
    for call, hours in ((quick, 7), (slow, 9), (untimed, 30)):
        calls.take_call(call.ref, desk.carol, at=at("2026-03-02", "09:30"))
        calls.close_call(call.ref, desk.carol, "Works", reason="FIXED", at=at("2026-03-02", "09:00") + timedelta(
            hours=hours))
    # as the desk was before the migration: no verdicts, and the column's default priority
    ClosureDecision.objects.update(closure_sla_met=None, priority=4)
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London")
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed", targets={"p3": "8h"})
    backfill.record_verdicts(apps, None)
    judged = dict(ClosureDecision.objects.values_list("call__ref", "closure_sla_met"))
    assert judged == {quick.ref: True, slow.ref: False, untimed.ref: None}
    assert dict(ClosureDecision.objects.values_list("call__ref", "priority")) == {
        quick.ref: 3, slow.ref: 3, untimed.ref: 2}
