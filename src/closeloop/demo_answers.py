"""The demo desk's contact answers: one resolution the contact accepted (waiting for the closure group, the
confirmation shown) and one the contact refused (back with its resolver), through the real links.

The links are made and answered exactly as a contact's click on the resolved e-mail would: signed tokens
read by `closeloop.calls.acceptance.answer_resolution`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from closeloop.accounts.models import Analyst
from closeloop.calls import services as calls
from closeloop.calls.acceptance import answer_resolution
from closeloop.calls.links import Answer, acceptance_links
from closeloop.calls.models import Call
from closeloop.contacts.models import Contact
from closeloop.desk import DEFAULT_PARTITION
from closeloop.partitions import quality
from closeloop.partitions.models import IpkGroup, Partition

__all__ = ["CONFIRMED_BY_CONTACT", "load_contact_answers"]

# The demo checklist item the contact's acceptance answers for the closer.
CONFIRMED_BY_CONTACT = "User confirmed service restored"
ACCEPTED = ("Docking station does not wake the second screen",
            "Updated the dock firmware and the display driver; both screens wake after sleep.")
REFUSED = ("Scanner on floor 2 sends empty PDFs",
           "Reinstalled the scan-to-mail profile on the multifunction printer.",
           "The PDFs still arrive empty when I scan more than five pages.")


def _answer(call: Call, answer: Answer, at: datetime, words: str = "") -> Call:
    links = acceptance_links(call, at)
    url = links.accept if answer is Answer.ACCEPT else links.refuse
    token = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return answer_resolution(token, answer, words, at=at)


def _resolved(partition: Partition, summary: str, resolution: str, at: datetime, reporter: int) -> Call:
    desk_group = IpkGroup.objects.get(partition=partition, name="Service Desk")
    alice, rita = Analyst.objects.get(username="alice"), Analyst.objects.get(username="rita")
    contact = Contact.objects.filter(partition=partition, active=True).exclude(email="").order_by("id")[reporter]
    call = calls.log_call(partition, "incident", summary, description="Reported by phone.", priority=3,
                          contact=contact, log_group=desk_group, assigned_group=IpkGroup.objects.get(
                              partition=partition, name="Desktop Support"), assigned_analyst=rita, actor=alice, at=at)
    return calls.resolve_call(call.ref, rita, resolution, at=at + timedelta(hours=3))


def load_contact_answers(now: datetime) -> list[str]:
    """Answer two fresh resolutions as their contacts would; returns the calls' references."""
    partition = Partition.objects.get(name=DEFAULT_PARTITION)
    for item in quality.checklist(partition):
        if item.text == CONFIRMED_BY_CONTACT:
            quality.set_checklist_item(item, "Demo desk: the contact's acceptance answers this check",
                                       answered_by_contact=True)
    accepted = _resolved(partition, *ACCEPTED, now - timedelta(days=2), reporter=0)
    _answer(accepted, Answer.ACCEPT, now - timedelta(days=1, hours=20))
    refused = _resolved(partition, *REFUSED[:2], now - timedelta(days=1), reporter=1)
    _answer(refused, Answer.REFUSE, now - timedelta(hours=18), REFUSED[2])
    return [accepted.ref, refused.ref]
