"""Contacts' refusals count in the closure reports apart from closers' rejections; a close on acceptance is a
closure by the system."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from closeloop.calls import services as calls
from closeloop.calls.acceptance import answer_resolution
from closeloop.calls.links import Answer, acceptance_links
from closeloop.calls.models import Call
from closeloop.reports.base import parse_period
from closeloop.reports.closure_stage import rejection_rate, time_to_close

from .conftest import about, at

pytestmark = pytest.mark.django_db


def _resolved(desk, summary: str, day: int) -> Call:  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice, at=at(day, 8))
    return calls.resolve_call(call.ref, desk.rita, "Fixed it", at=at(day, 9))


def answer_at(call: Call, answer: Answer, when: datetime, words: str = "") -> Call:
    """The call's contact answers through the link of the resolved e-mail, at `when`."""
    links = acceptance_links(Call.objects.get(pk=call.pk), timezone.now())
    token = urlsplit(links.accept if answer is Answer.ACCEPT else links.refuse).path.rstrip("/").rsplit("/", 1)[-1]
    return answer_resolution(token, answer, words, at=when)


def _answer(call: Call, answer: Answer, day: int, words: str = "") -> Call:
    return answer_at(call, answer, at(day, 10), words)


def test_user_refusals_are_counted_apart_from_closer_rejections(desk):
    refused = _resolved(desk, "Wi-Fi drops", 3)
    _answer(refused, Answer.REFUSE, 3, "Still drops in room 4")
    rejected = _resolved(desk, "Mail is slow", 3)
    calls.reject_resolution(rejected.ref, desk.carol, "No root cause given", at=at(3, 11))
    for call in (refused, rejected):
        calls.resolve_call(call.ref, desk.rita, "Fixed it properly", at=at(4, 9))
        calls.close_call(call.ref, desk.carol, "Checked", reason="FIXED", at=at(4, 12))
    report = rejection_rate(desk.default, parse_period("2026-03-02", "2026-03-08"))
    partition = next(r for r in report.rows if r["dimension"] == "partition")
    assert {k: partition[k] for k in ("decisions", "rejected", "refused_by_user", "closed_first_time",
                                      "closed_after_rejection", "rejection_rate", "user_refusal_rate",
                                      "first_time_validation_rate")} == {
        "decisions": 4, "rejected": 1, "refused_by_user": 1, "closed_first_time": 0, "closed_after_rejection": 2,
        "rejection_rate": 25.0, "user_refusal_rate": 25.0, "first_time_validation_rate": 0.0}
    assert [r["name"] for r in report.rows if r["dimension"] == "rejection category"] == ["(no category)"]
    assert [s[0] for s in report.chart.series] == ["rejection rate", "user refusal rate",
                                                    "first-time validation rate"]


def test_a_close_on_the_contacts_acceptance_is_a_first_time_closure_by_the_system(desk):
    desk.configure(acceptance_closes=True, acceptance_reason="FIXED")
    _answer(_resolved(desk, "Printer offline", 5), Answer.ACCEPT, 5)
    period = parse_period("2026-03-02", "2026-03-08")
    partition = next(r for r in rejection_rate(desk.default, period).rows if r["dimension"] == "partition")
    assert (partition["decisions"], partition["closed_first_time"], partition["first_time_validation_rate"]) == (
        1, 1, 100.0)
    closers = {r["name"]: r for r in time_to_close(desk.default, period).rows if r["dimension"] == "closer"}
    assert closers["system"]["closed"] == 1 and closers["system"]["median_hours"] == about(1.0)
