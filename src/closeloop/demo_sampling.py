"""The demo desk's sampling policy: Facilities validates every P1/P2 call, every call sent back before, and a
fifth of the rest; a few fresh resolutions show a sampled call, unsampled calls and one closed on its
contact's acceptance without waiting for the closure group."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.calls.acceptance import answer_resolution
from closeloop.calls.links import Answer, acceptance_links
from closeloop.calls.models import Call
from closeloop.calls.sampling import drawing_from
from closeloop.contacts.models import Contact
from closeloop.partitions import services as partitions
from closeloop.partitions.models import IpkGroup, Partition
from closeloop.partitions.sampling import set_sampling_policy

__all__ = ["SAMPLED_PARTITION", "load_demo_sampling"]

SAMPLED_PARTITION = "Facilities"
REASON = "Demo desk: the closure group validates urgent and sent-back calls and a fifth of the rest"
# (summary, resolution, priority, whether the contact accepts)
CALLS = [("Fire door on floor 2 does not close", "Adjusted the door closer and tested the latch.", 2, True),
         ("Kitchen tap dripping on floor 4", "Replaced the tap washer.", 4, True),
         ("Meeting room 3 blinds stuck", "Re-threaded the blind cord.", 4, False),
         ("Coat hook loose in reception", "Re-fixed the hook with wall plugs.", 3, False)]


def _accept(call: Call, at: datetime) -> Call:
    token = urlsplit(acceptance_links(call, at).accept).path.rstrip("/").rsplit("/", 1)[-1]
    return answer_resolution(token, Answer.ACCEPT, at=at)


def load_demo_sampling(now: datetime, seed: int = 12) -> list[str]:
    """Set the policy on Facilities and resolve a few calls under it; returns their references."""
    partition = Partition.objects.get(name=SAMPLED_PARTITION)
    partitions.update_closure_settings(partition, "Demo desk: unsampled calls close with this reason on the "
                                                  "contact's acceptance", acceptance_reason="FIXED")
    set_sampling_policy(partition, REASON, enabled=True, min_priority=2, rejected_or_refused_before=True,
                        random_percent=20)
    frank, helpdesk = Analyst.objects.get(username="frank"), IpkGroup.objects.get(partition=partition,
                                                                                  name="Facilities Helpdesk")
    contact = Contact.objects.filter(partition=partition, active=True).exclude(email="").order_by("id").first()
    refs = []
    with drawing_from(random.Random(seed).random):
        for number, (summary, resolution, priority, accepts) in enumerate(CALLS):
            at = now - timedelta(hours=30 - 6 * number)
            call = calls.log_call(partition, "incident", summary, priority=priority, contact=contact,
                                  assigned_group=helpdesk, assigned_analyst=frank, actor=frank, at=at)
            call = calls.resolve_call(call.ref, frank, resolution, at=at + timedelta(hours=1))
            if accepts:
                _accept(Call.objects.get(pk=call.pk), at + timedelta(hours=3))
            refs.append(call.ref)
    return refs
