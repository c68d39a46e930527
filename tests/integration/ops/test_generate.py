"""`closeloop generate` writes rows directly; these tests hold it to the invariants the services keep."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from django.db.models import Sum

from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent, ClosureDecision, RefCounter
from closeloop.cli.main import main
from closeloop.closure import CLOSURE_STATUSES, Status
from closeloop.closure.routing import is_eligible_closer, target_has_eligible_closer
from closeloop.closure.sla import SlaState
from closeloop.ops.generate import generate_desk
from closeloop.ops.synthetic_desk import partition_name
from closeloop.partitions.closure_sla import load_closure_sla, set_closure_sla
from closeloop.partitions.models import ClosureReasonType, Partition
from closeloop.partitions.services import load_directory, load_settings
from closeloop.reports.models import ClosureSlaDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(db):  # type: ignore[no-untyped-def]
    return generate_desk(1500, 2, 14, seed=5)


def test_generated_desk_has_every_status_and_the_counts_it_reports(generated):
    statuses = Counter(Call.objects.values_list("status", flat=True))
    assert set(statuses) == {s.value for s in Status}
    assert (Call.objects.count(), CallEvent.objects.count(), ClosureDecision.objects.count()) == (
        generated.calls, generated.events, generated.decisions)


def test_every_call_in_a_closure_status_has_an_eligible_closer_for_its_target(generated):
    waiting = Call.objects.filter(status__in=[s.value for s in CLOSURE_STATUSES]).select_related("partition")
    assert waiting.exists()
    for call in waiting:
        settings, directory = load_settings(call.partition), load_directory(call.partition)
        assert target_has_eligible_closer(call.facts(), settings, directory), call.ref
        if call.status == Status.FORWARD_TO_YOU_FOR_CLOSE:
            candidate = directory.analysts[call.closure_target_analyst_id]
            assert is_eligible_closer(candidate, settings, call.resolved_by_id), call.ref
        assert call.forwarded_at is not None and call.resolved_at is not None


def test_closed_calls_have_comments_a_reason_for_their_type_and_a_closer(generated):
    linked = set(ClosureReasonType.objects.values_list("reason_id", "call_type"))
    for call in Call.objects.filter(status=Status.CLOSED.value):
        assert call.closure_comments and call.closed_by_id and call.closed_at, call.ref
        assert (call.closure_reason_id, call.call_type) in linked, call.ref
        assert call.resolved_at <= call.closed_at


def test_history_chains_from_logged_to_the_current_status_in_time_order(generated):
    events = defaultdict(list)
    for event in CallEvent.objects.order_by("at", "id"):
        events[event.call_id].append(event)
    for call in Call.objects.all():
        chain = events[call.id]
        assert (chain[0].action, chain[0].from_status, chain[0].to_status) == ("log", "", "logged"), call.ref
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_status == before.to_status, call.ref
            assert after.at >= before.at
        assert chain[-1].to_status == call.status and call.version == len(chain), call.ref
        assert chain[-1].at <= call.updated_at


def test_closure_decisions_match_rejections_and_closes(generated):
    outcomes = defaultdict(Counter)
    for call_id, outcome in ClosureDecision.objects.values_list("call_id", "outcome"):
        outcomes[call_id][outcome] += 1
    rejected_somewhere = 0
    for call in Call.objects.all():
        seen = outcomes[call.id]
        assert seen["rejected"] == call.times_rejected, call.ref
        closes = seen["closed_first_time"] + seen["closed_after_rejection"]
        assert closes == (1 if call.status == Status.CLOSED else 0), call.ref
        if closes:
            expected = "closed_after_rejection" if call.times_rejected else "closed_first_time"
            assert seen[expected] == 1, call.ref
        rejected_somewhere += bool(call.times_rejected)
    assert rejected_somewhere > 0


def test_references_are_unique_and_the_counters_move_past_them(generated):
    refs = list(Call.objects.values_list("ref", flat=True))
    assert len(refs) == len(set(refs))
    highest = Counter()
    for ref in refs:
        prefix, number = ref.split("-")
        highest[prefix] = max(highest[prefix], int(number))
    counters = dict(RefCounter.objects.values_list("prefix", "last"))
    assert all(counters[p] >= n for p, n in highest.items())


def test_generated_calls_keep_working_through_the_services(generated):
    waiting = Call.objects.filter(status=Status.FORWARD_TO_YOU_FOR_CLOSE.value).select_related(
        "closure_target_analyst", "partition").first()
    reason = ClosureReasonType.objects.filter(reason__partition=waiting.partition,
                                              call_type=waiting.call_type).first().reason
    ticked = waiting.partition.checklist_items.filter(active=True).values_list("id", flat=True)
    closed = calls.close_call(waiting.ref, waiting.closure_target_analyst, "Checked with the user",
                              reason=reason.code, ticked=list(ticked))
    assert closed.status == Status.CLOSED.value
    new = calls.log_call(waiting.partition, "incident", "After the generator", actor=None)
    assert new.id > max(Call.objects.exclude(pk=new.pk).values_list("id", flat=True))
    assert not Call.objects.filter(ref=new.ref).exclude(pk=new.pk).exists()


def test_the_same_seed_loads_the_same_desk(db):
    generate_desk(200, 1, 6, seed=9)
    first = list(Call.objects.order_by("id").values_list("status", "call_type", "priority", "times_rejected"))
    Call.objects.all().delete()
    generate_desk(200, 1, 6, seed=9)
    second = list(Call.objects.order_by("id").values_list("status", "call_type", "priority", "times_rejected"))
    assert first == second


def test_generate_command_prints_the_result_and_draws_progress_on_stderr(capsys, db):
    code = main(["generate", "--calls", "300", "--partitions", "1", "--analysts", "5", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["calls"] == 300
    assert "Generating [" in err and "300/300 calls" in err


@pytest.mark.parametrize("argv, field", [(["--calls", "0"], "calls"), (["--calls", "5", "--days", "10"], "days"),
                                         (["--calls", "5", "--partitions", "0"], "partitions")])
def test_generate_refuses_impossible_sizes_naming_the_option(capsys, db, argv, field):
    code = main(["generate", *argv, "--json"])
    error = json.loads(capsys.readouterr().err)
    assert (code, error["field"]) == (2, field)


def test_generated_duplicates_point_at_a_call_of_their_partition_whose_history_records_the_link(generated):
    duplicates = Call.objects.filter(unresolved_kind="duplicate").select_related("duplicate_of")
    assert duplicates.exists() and Call.objects.filter(unresolved_kind="cancelled").exists()
    for call in duplicates:
        assert call.status == Status.CLOSED_UNRESOLVED.value and call.resolution == ""
        assert call.duplicate_of.partition_id == call.partition_id, call.ref
        assert CallEvent.objects.filter(call=call.duplicate_of, action="link_duplicate",
                                        note=f"{call.ref} was closed as a duplicate of this call").exists(), call.ref


def test_generated_decisions_record_the_closure_sla_verdict_the_services_would_record(db):
    generate_desk(150, 1, 6, seed=3)
    before = ClosureDecision.objects.order_by("-id").values_list("id", flat=True).first()
    assert not ClosureDecision.objects.exclude(closure_sla_met=None).exists()  # no targets yet: no verdicts
    partition = Partition.objects.get(name=partition_name(0))
    set_closure_sla(partition, None, "Agreed", targets={"p1": "4h", "p2": "8h", "p3": "16h"})
    generate_desk(400, 1, 6, seed=4)  # topped up under the targets
    policy = load_closure_sla(partition)
    verdicts = Counter()
    for d in ClosureDecision.objects.filter(id__gt=before).select_related("call"):
        expected = policy.verdict(d.priority, d.resolved_at, d.decided_at, d.decided_at)
        assert d.closure_sla_met == (None if expected is None else expected.state is SlaState.MET), d.call.ref
        verdicts[d.closure_sla_met] += 1
    assert verdicts[True] and verdicts[False] and verdicts[None]  # P4 has no target
    assert dict(ClosureSlaDay.objects.values_list("met").annotate(n=Sum("verdicts")).order_by()) == {
        True: verdicts[True], False: verdicts[False]}  # rebuilt from the recorded verdicts after the load
