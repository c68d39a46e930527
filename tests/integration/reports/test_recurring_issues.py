"""Recurring issues from closed calls, and a closer raising a Problem for one (one transaction)."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent
from closeloop.closure import Action, InvalidInput, NotAllowed, NotFound
from closeloop.reports.base import parse_period
from closeloop.reports.recurring import recurring_issues
from closeloop.reports.services import raise_problem

from .conftest import at

pytestmark = pytest.mark.django_db

PERIOD = ("2026-03-02", "2026-03-15")


def closed(desk, summary, resolution, day):  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk, actor=desk.alice,
                          at=at(day, 8))
    calls.assign_call(call.ref, desk.alice, analyst=desk.alice, at=at(day, 8))
    calls.resolve_call(call.ref, desk.alice, resolution, at=at(day, 9))
    calls.close_call(call.ref, desk.carol, "Checked", reason="FIXED", at=at(day, 10))
    return call.ref


@pytest.fixture
def recurring(desk):  # type: ignore[no-untyped-def]
    vpn = "Updated the VPN client and set the MTU on the tunnel adapter."
    return {
        "vpn": [closed(desk, "VPN disconnects every few minutes", vpn, 3),
                closed(desk, "VPN disconnects every few minutes", vpn + " Confirmed by phone.", 5),
                closed(desk, "VPN keeps disconnecting every few minutes", vpn, 9)],
        "printer": [closed(desk, "Printer on floor 2 shows paper jam", "Cleared tray 2 and cleaned the rollers.", 4),
                    closed(desk, "Printer on floor 4 shows paper jam", "Cleared tray 2 and cleaned the rollers.", 12)],
        "alone": [closed(desk, "Monitor flickers", "Replaced the display cable.", 6)],
        "outside": [closed(desk, "VPN disconnects every few minutes", vpn, 20)],
    }


def test_clusters_are_ranked_by_size_then_recency_each_with_its_calls(desk, recurring):
    report = recurring_issues(desk.default, parse_period(*PERIOD))
    assert [(r["rank"], r["calls"], r["issue"]) for r in report.rows] == [
        (1, 3, "VPN keeps disconnecting every few minutes"), (2, 2, "Printer on floor 4 shows paper jam")]
    vpn = report.rows[0]
    assert vpn["refs"].split() == list(reversed(recurring["vpn"]))
    assert (vpn["latest_closed"], vpn["first_closed"], vpn["problem"]) == ("2026-03-09", "2026-03-03", "")
    assert report.chart.series == [("calls", [3.0, 2.0])]


def test_an_empty_partition_has_no_recurring_issues(desk):
    assert recurring_issues(desk.other, parse_period(*PERIOD)).rows == []


def test_a_closer_raises_a_problem_that_links_every_call_with_a_history_entry(desk, recurring):
    problem = raise_problem(desk.default, recurring["vpn"], "Recurring: VPN drops", desk.carol, at=at(13, 9))
    assert (problem.call_type, problem.summary, problem.logged_by) == ("problem", "Recurring: VPN drops", desk.carol)
    assert sorted(c.ref for c in problem.linked_calls.all()) == sorted(recurring["vpn"])
    for ref in recurring["vpn"]:
        event = CallEvent.objects.filter(call__ref=ref).latest("id")
        assert (event.action, event.actor, event.details["problem"]) == (Action.LINK_PROBLEM, desk.carol, problem.ref)
        assert event.from_status == event.to_status == "closed"
    report = recurring_issues(desk.default, parse_period(*PERIOD))
    assert report.rows[0]["problem"] == problem.ref


def test_linking_a_call_that_already_has_a_problem_changes_nothing(desk, recurring):
    first = raise_problem(desk.default, recurring["vpn"][:1], "Recurring: VPN drops", desk.carol)
    problems = Call.objects.filter(call_type="problem").count()
    with pytest.raises(InvalidInput, match=f"already linked to {first.ref}"):
        raise_problem(desk.default, recurring["vpn"], "Recurring: VPN drops again", desk.carol)
    assert Call.objects.filter(call_type="problem").count() == problems
    assert not Call.objects.filter(ref=recurring["vpn"][1]).exclude(problem=None).exists()
    assert not CallEvent.objects.filter(call__ref=recurring["vpn"][1], action=Action.LINK_PROBLEM).exists()


def test_only_closers_raise_problems(desk, recurring):
    with pytest.raises(NotAllowed, match="Closure Comments"):
        raise_problem(desk.default, recurring["printer"], "Printers", desk.alice)
    assert not Call.objects.filter(call_type="problem").exists()


def test_unknown_or_foreign_calls_are_refused_naming_them(desk, recurring):
    with pytest.raises(NotFound, match="INC-999999") as refused:
        raise_problem(desk.default, [*recurring["printer"], "inc-999999"], "Printers", desk.carol)
    assert refused.value.field == "refs"
    with pytest.raises(InvalidInput) as refused:
        raise_problem(desk.default, [" "], "Printers", desk.carol)
    assert refused.value.field == "refs"
    with pytest.raises(InvalidInput) as refused:
        raise_problem(desk.default, recurring["printer"], "  ", desk.carol)
    assert refused.value.field == "summary"
    assert not Call.objects.filter(call_type="problem").exists()
