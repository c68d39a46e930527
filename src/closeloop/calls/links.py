"""Addresses of a call for e-mails: its page for analysts, and the contact's accept/refuse links.

The accept and refuse links are signed (`django.core.signing`) and expire after ACCEPTANCE_LINK_DAYS. A
link names the call and the resolution it answers (by when the call was resolved), so it works once: after
the contact answers, or once the call is resolved again, rejected or closed, the link no longer matches
the call and is refused as used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse

from closeloop.closure import InvalidInput

from .models import Call

__all__ = ["ANSWER_PATH", "Answer", "AcceptanceLinks", "AcceptanceToken", "LinkExpired", "call_url", "acceptance_links",
           "read_acceptance_token"]

_SALT = "closeloop.acceptance-link"
# The public page (no sign-in) where the contact answers; web/urls.py serves `ANSWER_PATH<token>/`.
ANSWER_PATH = "answer/"


class Answer(StrEnum):
    """The contact's answer to a resolution."""

    ACCEPT = "accept"
    REFUSE = "refuse"


class LinkExpired(InvalidInput):
    """An accept/refuse link older than ACCEPTANCE_LINK_DAYS."""


@dataclass(frozen=True)
class AcceptanceLinks:
    """The two links of a resolved e-mail, and until when they work."""

    accept: str
    refuse: str
    expires_at: datetime


@dataclass(frozen=True)
class AcceptanceToken:
    """What a genuine link says: which call, which answer, and the resolution it answers."""

    ref: str
    answer: Answer
    resolved_at: str

    def matches(self, call: Call) -> bool:
        """The link answers the call's current resolution (else it was used or superseded)."""
        resolved = call.resolved_at.isoformat() if call.resolved_at is not None else None
        return call.ref == self.ref and resolved == self.resolved_at


def call_url(call: Call) -> str:
    """The call's page, as an absolute address for e-mails."""
    return settings.BASE_URL + reverse("call", args=[call.ref])


def _token(call: Call, answer: Answer) -> str:
    assert call.resolved_at is not None, "only a resolved call has acceptance links"
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"ref": call.ref, "answer": answer.value, "resolved_at": call.resolved_at.isoformat()})


def acceptance_links(call: Call, now: datetime) -> AcceptanceLinks:
    """The accept and refuse links for the call's current resolution."""
    return AcceptanceLinks(
        accept=f"{settings.BASE_URL}/{ANSWER_PATH}{_token(call, Answer.ACCEPT)}/",
        refuse=f"{settings.BASE_URL}/{ANSWER_PATH}{_token(call, Answer.REFUSE)}/",
        expires_at=now + timedelta(days=settings.ACCEPTANCE_LINK_DAYS))


def read_acceptance_token(token: str) -> AcceptanceToken:
    """The link's content; `LinkExpired` when too old, `InvalidInput` when forged or damaged."""
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=timedelta(days=settings.ACCEPTANCE_LINK_DAYS))
    except signing.SignatureExpired:
        raise LinkExpired("This link has expired: reply to the e-mail or call the service desk",
                          field="token") from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise InvalidInput("This link is not valid: it may have been cut short or changed", field="token") from None
    try:
        return AcceptanceToken(str(data["ref"]), Answer(data["answer"]), str(data["resolved_at"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("This link is not valid: it may have been cut short or changed", field="token") from None
