"""`closeloop demo` gives every report something to show: rejections with categories, several
recurring issues (one already raised as a Problem), eight weeks of trends, a closure backlog, closure SLA
verdicts met and breached."""

from __future__ import annotations

import pytest

from closeloop.calls.models import Call, ClosureDecision
from closeloop.demo import load_demo
from closeloop.partitions import quality
from closeloop.partitions.models import Partition
from closeloop.reports.services import run_report

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_every_report_of_the_demo_desk_has_meaningful_figures():
    load_demo()
    default = Partition.objects.get(name="Default")
    assert len(quality.checklist(default)) == 3 and len(quality.rejection_categories(default)) == 4

    def rows(name, dimension=None):  # type: ignore[no-untyped-def]
        report = run_report(name, "Default", None)
        return [r for r in report.rows if dimension is None or r.get("dimension") == dimension]

    rejected = ClosureDecision.objects.filter(partition=default, outcome="rejected")
    assert rejected.count() >= 10 and not rejected.filter(rejection_category=None).exists()
    assert {d.rejection_category.code for d in rejected} >= {"not_fixed", "incomplete_documentation"}
    partition = rows("rejection-rate", "partition")[0]
    assert 5 < partition["rejection_rate"] < 40 and partition["closed_after_rejection"] > 0

    recurring = rows("recurring")
    assert len(recurring) >= 5 and all(r["calls"] >= 3 for r in recurring[:5])
    assert sum(1 for r in recurring if r["problem"]) == 1

    weeks = rows("trends", "partition")
    assert len(weeks) >= 8 and sum(1 for w in weeks if w["logged"] and w["resolved"] and w["closed"]) >= 7

    assert sum(r["total"] for r in rows("backlog")) > 10
    assert rows("time-to-close", "partition")[0]["closed"] > 50
    # the demo's cancelled call and duplicate are counted apart, never as validated resolutions
    assert rows("time-to-close", "partition")[0]["closed_unresolved"] == 2
    duplicate = Call.objects.get(partition=default, unresolved_kind="duplicate")
    assert duplicate.duplicate_of.duplicates.get() == duplicate
    # Default had its closure SLA targets before its calls: each verdict was judged on them when it was made
    sla = rows("closure-sla", "partition")[0]
    assert sla["met"] > 20 and sla["breached"] > 5, sla
    reasons = rows("closure-reasons")
    assert len({r["call_type"] for r in reasons}) == 5 and len({r["reason_code"] for r in reasons}) >= 4
