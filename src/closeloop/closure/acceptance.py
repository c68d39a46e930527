"""The contact's answer to a resolution, from the accept/refuse links of the resolved e-mail.

Accepting records the contact's confirmation on the call; where the partition closes on acceptance
(`acceptance_closes`), the system closes the call at once on the contact's word, with the partition's
acceptance reason. Refusing, in the contact's own words, sends the call back to its resolver (Assigned)
and counts a user refusal, apart from the closers' rejections. Each resolution is answered once.

Under a sampling policy the call's recorded decision takes over from `acceptance_closes`: a sampled call
waits for its closure target (the acceptance is recorded), an unsampled one closes on the contact's word.
"""

from __future__ import annotations

from datetime import datetime

from .changes import CallChange, _apply
from .errors import InvalidInput, InvalidTransition
from .guards import check_close_values
from .lifecycle import Action, next_status
from .limits import REFUSAL_WORDS
from .model import CallFacts, PartitionSettings, ReasonFacts
from .sampling import SamplingDecision

__all__ = ["ACCEPTED", "CLOSED_ON_ACCEPTANCE", "user_accept", "user_refuse", "check_unanswered"]

ACCEPTED = "The contact confirmed the resolution"
CLOSED_ON_ACCEPTANCE = "Closed on the contact's confirmation"


def check_unanswered(call: CallFacts, action: Action) -> None:
    """Only a resolution awaiting closure, not yet confirmed by the contact, can be answered."""
    next_status(call.status, action, call.ref)
    if call.user_confirmed_at is not None:
        raise InvalidTransition(f"The contact already confirmed the resolution of {call.ref}")


def _closing_problem(call: CallFacts, settings: PartitionSettings, reason: ReasonFacts | None) -> str | None:
    """Why acceptance cannot close this call with the acceptance reason (it then waits for its closer)."""
    if reason is None:
        return "the partition has no acceptance reason"
    try:
        check_close_values(call, settings, CLOSED_ON_ACCEPTANCE, reason)
    except InvalidInput as exc:
        return exc.message
    return None


def user_accept(call: CallFacts, settings: PartitionSettings, reason: ReasonFacts | None,
                at: datetime, sampling: SamplingDecision | None = None) -> CallChange:
    """The contact confirms the resolution: recorded on the call for its closer, or, where the partition
    closes on acceptance, the call is closed by the system with the acceptance reason.

    If the acceptance reason cannot close this call (no longer in use, or not linked to its type), the
    confirmation is still recorded and the call waits for its closer; the history says why.

    `sampling`, the decision recorded when the call was resolved: under a policy, a sampled call is never
    closed by acceptance and an unsampled one is, whatever `acceptance_closes` says.
    """
    check_unanswered(call, Action.USER_ACCEPT)
    if sampling is not None and sampling.requires_validation:
        return _apply(call, Action.USER_ACCEPT, f"{ACCEPTED}; not closed: sampled for validation ("
                      f"{'; '.join(sampling.reasons)})", user_confirmed_at=at)
    unsampled = sampling is not None and sampling.closes_unvalidated
    if settings.acceptance_closes or unsampled:
        problem = _closing_problem(call, settings, reason)
        if problem is None and reason is not None:
            text = f"{CLOSED_ON_ACCEPTANCE} ({'; '.join(sampling.reasons)})" if sampling and unsampled else \
                CLOSED_ON_ACCEPTANCE
            return _apply(call, Action.ACCEPT_AND_CLOSE, text, {"reason": reason.code},
                          user_confirmed_at=at, closure_comments=text,
                          closure_reason_id=reason.reason_id, closed_by_id=None, closed_at=at)
        return _apply(call, Action.USER_ACCEPT, f"{ACCEPTED}; not closed at once because {problem}",
                      user_confirmed_at=at)
    return _apply(call, Action.USER_ACCEPT, ACCEPTED, user_confirmed_at=at)


def user_refuse(call: CallFacts, words: str | None) -> CallChange:
    """The contact says the problem is not solved: the call goes back to its resolver (Assigned), with the
    contact's words, and the refusal is counted (`times_refused`)."""
    check_unanswered(call, Action.USER_REFUSE)
    text = REFUSAL_WORDS.clean(words)
    back_to = call.resolved_by_id if call.resolved_by_id is not None else call.assigned_analyst_id
    return _apply(call, Action.USER_REFUSE, text, assigned_analyst_id=back_to, target_analyst_id=None,
                  target_group_id=None, forwarded_at=None, times_refused=call.times_refused + 1)
