"""Who reported a call: the rules a call's contact must meet, in plain Python.

A contact is the end user who reported the call (not an analyst). The desk acknowledges the call to
them, tells them it is resolved and asks them to accept or refuse the resolution, so a new call names
one when its partition requires it. Problems and known errors are the desk's own records of a cause
(raised by analysts from the calls they link), not reports from a person: no contact is required
for them, though one may be given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidInput
from .model import CallType, PartitionSettings

__all__ = ["ContactFacts", "USER_REPORTED_TYPES", "contact_needed", "check_call_contact", "clean_phone"]

# The call types a person reports to the desk.
USER_REPORTED_TYPES = frozenset({CallType.INCIDENT, CallType.MAJOR_INCIDENT, CallType.SERVICE_REQUEST})

# Digits with the usual separators, an optional leading +, and an optional extension ("x 123", "ext. 123").
_PHONE = re.compile(r"(?=[^0-9]*[0-9])\+?[0-9(][0-9 ()./-]*(\s*(x|ext\.?)\s*[0-9]+)?", re.IGNORECASE)


@dataclass(frozen=True)
class ContactFacts:
    """A contact as the rules see them: which partition they belong to, and whether they are active."""

    contact_id: int
    name: str
    partition_id: int
    active: bool


def contact_needed(settings: PartitionSettings, call_type: CallType) -> bool:
    """Whether a new call of this type must name its contact in a partition with these settings."""
    return settings.contact_required and call_type in USER_REPORTED_TYPES


def check_call_contact(settings: PartitionSettings, call_type: CallType, partition_id: int,
                       partition_name: str, contact: ContactFacts | None) -> None:
    """Refuse (on field `contact`) a contact of another partition, a deactivated one, or none where one is
    required."""
    if contact is None:
        if contact_needed(settings, call_type):
            raise InvalidInput(f"A contact is required for a new {call_type.label.lower()} in partition "
                               f"{partition_name}: pick the person who reported it", field="contact")
        return
    if contact.partition_id != partition_id:
        raise InvalidInput(f"Contact #{contact.contact_id} is not in partition {partition_name}", field="contact")
    if not contact.active:
        raise InvalidInput(f"Contact {contact.name} is deactivated: reactivate them or pick another contact",
                           field="contact")


def clean_phone(value: str) -> str:
    """A phone number as given (spaces collapsed), or refused on field `phone` if it is not one."""
    text = " ".join(value.split())
    if text and not _PHONE.fullmatch(text):
        raise InvalidInput(f"{text!r} is not a phone number: use digits, spaces, + ( ) - . / and an optional "
                           "extension such as 'x 123'", field="phone")
    return text
