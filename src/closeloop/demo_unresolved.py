"""The demo desk's Closed/Unresolved calls: each partition's reasons for unresolved calls, a call cancelled
because it was logged in error, a duplicate pair linked both ways, and a call closed for no response."""

from __future__ import annotations

from datetime import datetime, timedelta

from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.calls.unresolved import STANDARD_UNRESOLVED_REASONS, close_unresolved_call
from closeloop.contacts.models import Contact
from closeloop.desk import DEFAULT_PARTITION
from closeloop.partitions import services as partitions
from closeloop.partitions.models import IpkGroup, Partition

__all__ = ["load_unresolved_demo"]


def _who(username: str) -> Analyst:
    return Analyst.objects.get(username=username)


def _group(partition: Partition, name: str) -> IpkGroup:
    return IpkGroup.objects.get(partition=partition, name=name)


def _contact(partition: Partition, name: str) -> Contact:
    return Contact.objects.get(partition=partition, name=name)


def load_unresolved_demo(now: datetime) -> None:
    """Add the reasons for unresolved calls, then close three calls as Closed/Unresolved as a desk would."""
    default, facilities = (Partition.objects.get(name=DEFAULT_PARTITION), Partition.objects.get(name="Facilities"))
    for partition in (default, facilities):
        for code, label, types in STANDARD_UNRESOLVED_REASONS:
            partitions.add_closure_reason(partition, code, label, types, unresolved=True)
    desk, network = _group(default, "Service Desk"), _group(default, "Network")
    at = now - timedelta(days=3)
    wrong = calls.log_call(default, "incident", "Monitor flickering on desk 14", priority=4, log_group=desk,
                           description="Logged against the wrong caller.", contact=_contact(default, "Tom Gallagher"),
                           assigned_group=_group(default, "Desktop Support"), actor=_who("alice"), at=at)
    close_unresolved_call(wrong.ref, _who("carol"), "cancelled", reason="CANCELLED",
                          comments="Logged by mistake against Tom Gallagher; the caller's own call is being worked.",
                          at=at + timedelta(hours=2))
    at = now - timedelta(days=2)
    original = calls.log_call(default, "incident", "E-mail unreachable for the whole 3rd floor", priority=2,
                              log_group=desk, assigned_group=network, assigned_analyst=_who("bob"),
                              description="Outlook says disconnected.", contact=_contact(default, "Priya Patel"),
                              actor=_who("alice"),
                              at=at)
    again = calls.log_call(default, "incident", "Cannot get e-mail on floor 3", priority=3, log_group=desk,
                           assigned_group=network, contact=_contact(default, "Li Chen"), actor=_who("sam"),
                           at=at + timedelta(minutes=25))
    close_unresolved_call(again.ref, _who("mia"), "duplicate", reason="DUPLICATE", duplicate_of=original.ref,
                          comments=f"Same outage as {original.ref}; Li Chen added to it as an affected user.",
                          at=at + timedelta(minutes=40))
    at = now - timedelta(days=6)
    silent = calls.log_call(facilities, "service_request", "Move two desks to room 4.12", priority=4,
                            log_group=_group(facilities, "Facilities Helpdesk"), assigned_analyst=_who("frank"),
                            contact=_contact(facilities, "Victor Lindqvist"), actor=_who("frank"), at=at)
    calls.hold_call(silent.ref, _who("frank"), "Asked Victor Lindqvist which desks", at=at + timedelta(hours=1))
    close_unresolved_call(silent.ref, _who("grace"), "no_response", reason="NO-RESPONSE",
                          comments="No answer after three reminders by phone and e-mail.", at=at + timedelta(days=5))
