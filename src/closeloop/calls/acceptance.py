"""Use cases for the contact's answer to a resolution, through the accept/refuse links of the resolved e-mail.

The links are public (no sign-in), so the link itself is the only credential: it is signed, expires, and
answers one resolution. A link is used once the call no longer waits for that resolution's answer: the
contact answered it, or the service desk resolved the call again, rejected or closed it. Reading a link
(`read_answer_link`) changes nothing, since mail scanners open links; only `answer_resolution` acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from closeloop.closure import Action, CallType, InvalidInput, InvalidTransition, NotFound, ReasonFacts, Status
from closeloop.closure.acceptance import user_accept, user_refuse
from closeloop.closure.guards import ticked_by_contact
from closeloop.partitions.models import ClosureReason
from closeloop.partitions.services import load_directory, load_settings

from .links import AcceptanceToken, Answer, read_acceptance_token
from .models import Call, ClosureDecision
from .services import _answers, _checklist, _closed_outcome, _decision, _item_facts, save_change

__all__ = ["LinkUsed", "AnswerLink", "read_answer_link", "answer_resolution"]


class LinkUsed(InvalidTransition):
    """An accept/refuse link whose resolution was already answered, or superseded by a new resolution."""


@dataclass(frozen=True)
class AnswerLink:
    """What the contact's page shows: the call's reference, summary and resolution, and the question asked."""

    ref: str
    summary: str
    resolution: str
    answer: Answer
    resolved_at: datetime | None


def _call_of(token: AcceptanceToken, *, lock: bool) -> Call:
    calls = Call.objects.select_related("partition", "contact")
    if lock:
        calls = calls.select_for_update(of=("self",))
    call = calls.filter(ref=token.ref).first()
    if call is None:
        raise NotFound("This link names a call the service desk does not have", field="token")
    return call


def _check_live(token: AcceptanceToken, call: Call) -> None:
    """Refuse a link whose resolution is no longer waiting for the contact's answer, saying what happened."""
    if not token.matches(call):
        raise LinkUsed(f"This link was superseded: {call.ref} was resolved again since. Use the links of the "
                       "latest e-mail about it, or reply to that e-mail", field="token")
    status = Status(call.status)
    if call.user_confirmed_at is not None or status in (Status.CLOSED, Status.CLOSED_UNRESOLVED):
        what = "confirmed" if call.user_confirmed_at is not None else status.label
        raise LinkUsed(f"This resolution was already answered: {call.ref} is {what.lower()}. There is nothing "
                       "more to do", field="token")
    if not call.in_closure_stage:
        raise LinkUsed(f"This resolution was already answered: {call.ref} is back with the service desk, "
                       "who will tell you when it is resolved again", field="token")


def read_answer_link(token: str) -> AnswerLink:
    """The call a link answers, if the link still works (else `LinkExpired`, `LinkUsed`, `InvalidInput`)."""
    read = read_acceptance_token(token)
    call = _call_of(read, lock=False)
    _check_live(read, call)
    return AnswerLink(call.ref, call.summary, call.resolution, read.answer, call.resolved_at)


def _acceptance_reason(call: Call, reason_id: int | None) -> ReasonFacts | None:
    reason = ClosureReason.objects.filter(partition=call.partition_id, pk=reason_id).prefetch_related(
        "type_links").first() if reason_id is not None else None
    if reason is None:
        return None
    return ReasonFacts(reason.code, reason.active, frozenset(CallType(t) for t in reason.call_types), reason.id,
                       reason.unresolved)


@transaction.atomic
def answer_resolution(token: str, answer: Answer | str, words: str = "", at: datetime | None = None) -> Call:
    """Record the contact's answer given through a link: accept (confirmed, or closed where the partition
    closes on acceptance or its sampling policy left the call out of the sample) or refuse in their own
    words (back to the resolver). One transaction."""
    read = read_acceptance_token(token)
    if str(answer) != read.answer.value:
        raise InvalidInput(f"This link is for the answer {read.answer.value!r}, not {str(answer)!r}", field="answer")
    call = _call_of(read, lock=True)
    _check_live(read, call)
    now = at or timezone.now()
    contact = call.contact.name if call.contact is not None else None
    if read.answer is Answer.ACCEPT:
        settings = load_settings(call.partition)
        change = user_accept(call.facts(), settings, _acceptance_reason(call, settings.acceptance_reason_id), now,
                             call.sampling())
        if change.action is Action.ACCEPT_AND_CLOSE:
            items = _checklist(call)
            _decision(call, None, _closed_outcome(call), now, reason=change.note, checklist_answers=_answers(
                items, set(ticked_by_contact(change.after, _item_facts(items)))))
        return save_change(call, None, change, now, contact=contact)
    change = user_refuse(call.facts(), words)
    back_to = change.after.assigned_analyst_id
    _decision(call, None, ClosureDecision.Outcome.REFUSED_BY_USER, now, reason=change.note)
    back_name = load_directory(call.partition).analyst_name(back_to) if back_to is not None else None
    return save_change(call, None, change, now, contact=contact, back_to=back_name)
