"""The demo desk's morning batch for bulk actions: password resets the Service Desk resolved overnight, waiting
in its queue for closure, so a closer (carol) can take or close them all at once from Calls Outstanding."""

from __future__ import annotations

from datetime import datetime, timedelta

from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.contacts.models import Contact
from closeloop.desk import DEFAULT_PARTITION
from closeloop.partitions.models import IpkGroup, Partition

__all__ = ["load_bulk_demo"]

BATCH = 6


def load_bulk_demo(now: datetime) -> list[Call]:
    """Six password resets logged by alice and resolved by sam for Service Desk: Forward for Closure to it."""
    default = Partition.objects.get(name=DEFAULT_PARTITION)
    desk = IpkGroup.objects.get(partition=default, name="Service Desk")
    alice, sam = Analyst.objects.get(username="alice"), Analyst.objects.get(username="sam")
    contacts = list(Contact.objects.filter(partition=default, active=True).order_by("name")[:BATCH])
    batch = []
    for n, contact in enumerate(contacts):
        at = now - timedelta(hours=14) + timedelta(minutes=9 * n)
        call = calls.log_call(default, "service_request", f"Password reset for {contact.name}", priority=3,
                              log_group=desk, assigned_group=desk, assigned_analyst=sam, contact=contact,
                              actor=alice, at=at)
        batch.append(calls.resolve_call(call.ref, sam, "Reset the password; the user signed in and changed it.",
                                        at=at + timedelta(minutes=20)))
    return batch
