"""The contact accepts or refuses a resolution through the links of the resolved e-mail, on a real database."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from closeloop.calls import services as calls
from closeloop.calls.acceptance import LinkUsed, answer_resolution, read_answer_link
from closeloop.calls.links import Answer, LinkExpired, acceptance_links
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.calls.present import call_as_dict, event_as_dict
from closeloop.closure import InvalidInput, NotFound, Status
from closeloop.contacts.models import Contact
from closeloop.partitions import quality

pytestmark = pytest.mark.django_db


class FrozenClock:
    """The clock the link signer reads, stopped at a chosen moment (the signer calls `time.time()`)."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at


def token_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def resolved(desk, contact: str | None = "Nora Quinn") -> Call:
    call = calls.log_call(desk.default, "incident", "Printer on floor 3 jams", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    if contact is not None:  # the contact a call is logged for (set as the contacts area records it)
        person = Contact.objects.create(partition=desk.default, name=contact, email="nora@example.com")
        Call.objects.filter(pk=call.pk).update(contact=person)
    return calls.resolve_call(call.ref, desk.rita, "Replaced the fuser unit")


def links(call: Call) -> tuple[str, str]:
    made = acceptance_links(Call.objects.get(pk=call.pk), timezone.now())
    return token_of(made.accept), token_of(made.refuse)


def last_event(call: Call) -> CallEvent:
    return CallEvent.objects.filter(call=call).order_by("-id").first()


class TestAccept:
    def test_accepting_leaves_the_call_for_the_closure_group_with_the_confirmation_shown(self, desk):
        call = resolved(desk)
        accept, _ = links(call)
        assert read_answer_link(accept).ref == call.ref
        done = answer_resolution(accept, Answer.ACCEPT)
        assert done.status == Status.FORWARD_FOR_CLOSURE and done.closure_target_group == desk.service_desk
        assert done.user_confirmed_at is not None
        event = last_event(call)
        assert (event.action, event.actor, event.actor_name) == ("user_accept", None, "the contact, Nora Quinn")
        assert event.note == "The contact confirmed the resolution"
        assert event_as_dict(event)["actor"] == "the contact, Nora Quinn"
        assert not ClosureDecision.objects.filter(call=call).exists()  # the closer still decides
        as_dict = call_as_dict(Call.objects.get(pk=call.pk))
        assert as_dict["user_confirmed_at"] == done.user_confirmed_at.isoformat() and as_dict["times_refused"] == 0

    def test_the_closer_then_closes_with_the_contacts_checklist_item_ticked_for_them(self, desk):
        item = quality.add_checklist_item(desk.default, "User confirmed the fix", "test")
        quality.set_checklist_item(item, "answered by the contact", answered_by_contact=True)
        call = resolved(desk)
        answer_resolution(links(call)[0], "accept")
        closed = calls.close_call(call.ref, desk.carol, "Confirmed by Nora", reason="FIXED")
        assert closed.status == Status.CLOSED
        decision = ClosureDecision.objects.get(call=call)
        assert decision.checklist_answers[0]["ticked"] is True

    def test_without_the_contacts_confirmation_the_closer_must_tick_the_item(self, desk):
        item = quality.add_checklist_item(desk.default, "User confirmed the fix", "test")
        quality.set_checklist_item(item, "answered by the contact", answered_by_contact=True)
        call = resolved(desk)
        with pytest.raises(InvalidInput, match="User confirmed the fix"):
            calls.close_call(call.ref, desk.carol, "Looks fine", reason="FIXED")

    def test_accepting_closes_the_call_when_the_partition_says_so_with_the_acceptance_reason(self, desk):
        desk.configure(acceptance_closes=True, acceptance_reason="FIXED")
        call = resolved(desk)
        done = answer_resolution(links(call)[0], Answer.ACCEPT)
        assert (done.status, done.closed_by, done.closure_reason.code) == (Status.CLOSED, None, "FIXED")
        assert done.closure_comments == "Closed on the contact's confirmation"
        assert done.closed_at == done.user_confirmed_at
        event = last_event(call)
        assert (event.action, event.details["reason"], event.details["contact"]) == (
            "accept_and_close", "FIXED", "Nora Quinn")
        decision = ClosureDecision.objects.get(call=call)
        assert (decision.outcome, decision.decided_by) == (ClosureDecision.Outcome.CLOSED_FIRST_TIME, None)

    def test_a_call_without_a_contact_names_nobody(self, desk):
        call = resolved(desk, contact=None)
        answer_resolution(links(call)[0], Answer.ACCEPT)
        event = last_event(call)
        assert event.actor_name == "the contact" and "contact" not in event.details


class TestRefuse:
    def test_refusing_sends_the_call_back_to_its_resolver_and_counts_it_apart(self, desk):
        call = resolved(desk)
        done = answer_resolution(links(call)[1], Answer.REFUSE, "It still jams on double-sided jobs")
        assert (done.status, done.assigned_analyst, done.closure_target_group) == (Status.ASSIGNED, desk.rita, None)
        assert (done.times_refused, done.times_rejected) == (1, 0)
        event = last_event(call)
        assert (event.action, event.note, event.details["back_to"]) == (
            "user_refuse", "It still jams on double-sided jobs", "rita")
        decision = ClosureDecision.objects.get(call=call)
        assert decision.outcome == ClosureDecision.Outcome.REFUSED_BY_USER
        assert decision.reason == "It still jams on double-sided jobs" and decision.resolver == desk.rita

    def test_a_refusal_needs_the_contacts_words_and_changes_nothing_without_them(self, desk):
        call = resolved(desk)
        with pytest.raises(InvalidInput, match="What is still wrong is required") as refused:
            answer_resolution(links(call)[1], Answer.REFUSE, "  ")
        assert refused.value.field == "words"
        assert Call.objects.get(pk=call.pk).status == Status.FORWARD_FOR_CLOSURE
        assert not ClosureDecision.objects.exists()

    def test_a_link_answers_only_with_its_own_answer(self, desk):
        call = resolved(desk)
        with pytest.raises(InvalidInput, match="for the answer 'accept'"):
            answer_resolution(links(call)[0], Answer.REFUSE, "no")

    def test_a_closure_after_a_refusal_counts_as_closed_after_being_sent_back(self, desk):
        call = resolved(desk)
        answer_resolution(links(call)[1], Answer.REFUSE, "Still jams")
        calls.resolve_call(call.ref, desk.rita, "Replaced the rollers too")
        calls.close_call(call.ref, desk.carol, "Checked", reason="FIXED")
        closed = ClosureDecision.objects.get(call=call, outcome__startswith="closed")
        assert (closed.outcome, closed.rejections_before) == (ClosureDecision.Outcome.CLOSED_AFTER_REJECTION, 1)


class TestLinksThatNoLongerWork:
    def test_a_link_works_once(self, desk):
        call = resolved(desk)
        accept, refuse = links(call)
        answer_resolution(accept, Answer.ACCEPT)
        for token, answer in ((accept, Answer.ACCEPT), (refuse, Answer.REFUSE)):
            with pytest.raises(LinkUsed, match="This resolution was already answered"):
                answer_resolution(token, answer, "changed my mind")
            with pytest.raises(LinkUsed):
                read_answer_link(token)
        assert CallEvent.objects.filter(call=call, action="user_accept").count() == 1

    def test_a_refused_resolution_cannot_be_accepted_afterwards(self, desk):
        call = resolved(desk)
        accept, refuse = links(call)
        answer_resolution(refuse, Answer.REFUSE, "No")
        with pytest.raises(LinkUsed, match="back with the service desk"):
            answer_resolution(accept, Answer.ACCEPT)

    def test_a_link_is_superseded_once_the_call_is_resolved_again(self, desk):
        call = resolved(desk)
        old_accept, _ = links(call)
        calls.reject_resolution(call.ref, desk.carol, "Not documented")
        calls.resolve_call(call.ref, desk.rita, "Replaced the fuser and documented it")
        with pytest.raises(LinkUsed, match="superseded"):
            answer_resolution(old_accept, Answer.ACCEPT)
        new_accept, _ = links(call)
        assert answer_resolution(new_accept, Answer.ACCEPT).user_confirmed_at is not None

    def test_a_link_to_a_closed_call_is_used(self, desk):
        call = resolved(desk)
        accept, _ = links(call)
        calls.close_call(call.ref, desk.carol, "Checked", reason="FIXED")
        with pytest.raises(LinkUsed, match="is closed"):
            answer_resolution(accept, Answer.ACCEPT)

    def test_an_expired_link_is_refused_with_a_frozen_clock(self, desk, settings, monkeypatch):
        call = resolved(desk)
        accept, _ = links(call)
        days = settings.ACCEPTANCE_LINK_DAYS
        signed_at = time.time()
        monkeypatch.setattr(signing, "time", FrozenClock(signed_at + timedelta(days=days, seconds=-60).total_seconds()))
        assert read_answer_link(accept).ref == call.ref  # a minute before it expires it still works
        monkeypatch.setattr(signing, "time", FrozenClock(signed_at + timedelta(days=days, seconds=2).total_seconds()))
        with pytest.raises(LinkExpired, match="expired"):
            answer_resolution(accept, Answer.ACCEPT)
        assert Call.objects.get(pk=call.pk).user_confirmed_at is None

    @pytest.mark.parametrize("damage", [lambda t: t[:-2], lambda t: t.replace(":", ";", 1), lambda t: "x" + t,
                                        lambda t: "", lambda t: "not-a-token"])
    def test_a_tampered_link_is_refused_as_not_valid(self, desk, damage):
        call = resolved(desk)
        accept, _ = links(call)
        with pytest.raises(InvalidInput, match="not valid"):
            answer_resolution(damage(accept), Answer.ACCEPT)
        assert Call.objects.get(pk=call.pk).user_confirmed_at is None

    def test_a_genuine_link_to_a_call_that_is_gone_is_not_found(self, desk):
        call = resolved(desk)
        accept, _ = links(call)
        Call.objects.filter(pk=call.pk).update(ref="INC-999999")
        with pytest.raises(NotFound):
            read_answer_link(accept)
