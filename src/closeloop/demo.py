"""`closeloop demo`: a realistic desk to explore, built through the same services analysts use.

Two partitions, groups with a Closure Group, analysts of every role, a closure checklist and rejection
categories, and a few hundred calls in every status over the last eight weeks: rejections with their
categories, recurring issues (one already raised as a Problem) and weekly trends for every report.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import add_analyst, get_access_role, get_ipk_role, set_password
from closeloop.autoclose.demo import load_demo_auto_close
from closeloop.calls import services as calls
from closeloop.calls.demo_searches import load_demo_saved_searches
from closeloop.calls.models import Call
from closeloop.closure import CloseloopError
from closeloop.contacts.demo_data import add_demo_contacts, pick_demo_contact
from closeloop.demo_answers import load_contact_answers
from closeloop.demo_bulk import load_bulk_demo
from closeloop.demo_catalogue import load_demo_catalogue
from closeloop.demo_closure_sla import load_demo_closure_sla, set_demo_closure_sla
from closeloop.demo_notes import load_demo_notes
from closeloop.demo_sampling import load_demo_sampling
from closeloop.demo_unresolved import load_unresolved_demo
from closeloop.desk import DEFAULT_PARTITION, init_desk
from closeloop.notifications.delivery import deliver_demo_outbox
from closeloop.notifications.demo import load_demo_preferences
from closeloop.partitions import quality
from closeloop.partitions import services as partitions
from closeloop.partitions.models import IpkGroup, Partition
from closeloop.partitions.snapshot import desk_snapshot

__all__ = ["DEMO_PASSWORD", "DEMO_ANALYSTS", "DemoResult", "load_demo"]

DEMO_PASSWORD = "closeloop-demo"

# username: (partition, IPK role, groups, General Access role, full name)
DEMO_ANALYSTS: dict[str, tuple[str, str, list[str], str, str]] = {
    "alice": (DEFAULT_PARTITION, "Analyst", ["Service Desk"], "Standard", "Alice Archer"),
    "bob": (DEFAULT_PARTITION, "Analyst", ["Network"], "Standard", "Bob Baker"),
    "rita": (DEFAULT_PARTITION, "Analyst", ["Desktop Support"], "Standard", "Rita Resolver"),
    "carol": (DEFAULT_PARTITION, "Closer", ["Closure Group", "Service Desk"], "Standard", "Carol Closer"),
    "dave": (DEFAULT_PARTITION, "Closer", ["Closure Group", "Desktop Support"], "Standard", "Dave Dawson"),
    "mia": (DEFAULT_PARTITION, "Closer", ["Network"], "Standard", "Mia Manager"),
    "erin": (DEFAULT_PARTITION, "Read only", [], "Standard", "Erin Observer"),
    "sam": (DEFAULT_PARTITION, "Analyst", ["Service Desk"], "Administrator", "Sam Setup"),
    "frank": ("Facilities", "Analyst", ["Facilities Helpdesk"], "Standard", "Frank Fixer"),
    "grace": ("Facilities", "Closer", ["Facilities Closure", "Facilities Helpdesk"], "Standard", "Grace Green"),
}

GROUPS = {
    DEFAULT_PARTITION: ["Service Desk", "Network", "Desktop Support", "Closure Group"],
    "Facilities": ["Facilities Helpdesk", "Facilities Closure"],
}

REASONS = [
    ("FIXED", "Fixed", ["incident", "major_incident", "problem"]),
    ("WORKAROUND", "Workaround provided", ["incident", "major_incident", "known_error"]),
    ("NO_FAULT", "No fault found", ["incident"]),
    ("FULFILLED", "Request fulfilled", ["service_request"]),
    ("ROOT_CAUSE", "Root cause removed", ["problem", "known_error"]),
]

# Recurring issues: each theme appears many times with small variations, so the reports find clusters.
THEMES = [
    ("Outlook keeps asking for password", "Cleared cached credentials in Credential Manager and re-ran "
     "the Outlook profile repair.", "Service Desk"),
    ("VPN disconnects every few minutes", "Updated the VPN client and set the MTU on the tunnel adapter.",
     "Network"),
    ("Printer on floor {n} shows paper jam", "Removed jammed paper from tray 2 and cleaned the rollers.",
     "Desktop Support"),
    ("Laptop will not connect to office Wi-Fi", "Re-enrolled the device certificate for the corporate SSID.",
     "Network"),
    ("New starter needs account and laptop", "Created the account, assigned licences and imaged a laptop.",
     "Service Desk"),
    ("Shared drive S: not mapped after login", "Fixed the login script mapping for the user's department.",
     "Desktop Support"),
    ("Teams calls drop audio", "Updated the headset firmware and Teams client.", "Desktop Support"),
    ("Password reset for {who}", "Reset the password and confirmed the user can sign in.", "Service Desk"),
]
FACILITY_THEMES = [
    ("Air conditioning too cold in meeting room {n}", "Adjusted the thermostat schedule."),
    ("Light flickering in corridor {n}", "Replaced the fluorescent tube."),
    ("Desk booking screen frozen on floor {n}", "Restarted the booking kiosk."),
]
PEOPLE = ["J. Smith", "P. Patel", "L. Chen", "M. Garcia", "K. Novak", "A. Okafor"]
# (rejection text, category code): what a closer writes when sending a resolution back, and its category.
REJECTIONS = [("Resolution does not say what was changed", "incomplete_documentation"),
              ("User reports the problem is still happening", "not_fixed"),
              ("Wrong closure reason for a workaround", "wrong_closure_reason"),
              ("Duplicate of a call already being worked", "other")]
REJECTION_CATEGORIES = [("incomplete_documentation", "Incomplete documentation"), ("not_fixed", "Not fixed"),
                        ("wrong_closure_reason", "Wrong closure reason"), ("other", "Other")]
# (text, required): the checks a closer makes before closing.
CHECKLIST = [("Resolution describes the root cause", True), ("User confirmed service restored", True),
             ("Knowledge article linked or not needed", False)]
FACILITIES_CHECKLIST = [("Work area left clean and safe", True), ("Requester confirmed the fix", True)]
# The recurring issue the demo's closure group has already raised a Problem for.
RAISED_THEME = "VPN disconnects every few minutes"
DEMO_GROUP_MAILBOX = "facilities-closure@example.com"


@dataclass
class DemoResult:
    """What the demo loaded (nothing if the desk already had it)."""

    created: bool
    calls: int = 0
    analysts: list[str] = field(default_factory=list)


def load_demo(calls_per_partition: int = 240, seed: int = 7) -> DemoResult:
    """Load the demo desk once; running it again changes nothing."""
    if init_desk().admin_created:
        admin = Analyst.objects.get(username="admin")
        set_password(admin, DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    if Partition.objects.filter(name="Facilities").exists():
        return DemoResult(created=False, analysts=sorted(DEMO_ANALYSTS))
    rng = random.Random(seed)
    with transaction.atomic():
        _build_desk()
        load_demo_preferences()
    count = 0
    now = timezone.now()
    set_demo_closure_sla(now.date())  # before the calls: their decisions are judged on the targets of their day
    with desk_snapshot():  # the desk's people and settings do not change while its calls are played
        for partition_name, themes, volume in ((DEFAULT_PARTITION, THEMES, calls_per_partition),
                                               ("Facilities", FACILITY_THEMES, calls_per_partition // 4)):
            partition = Partition.objects.get(name=partition_name)
            for i in range(volume):
                at = now - timedelta(days=56) + timedelta(minutes=int(56 * 24 * 60 * (i / volume)))
                _demo_call(rng, partition, themes, at, now)
                count += 1
    _raise_demo_problem(Partition.objects.get(name=DEFAULT_PARTITION), now)
    count += len(load_contact_answers(now))
    load_demo_auto_close(now)
    load_unresolved_demo(now)
    count += len(load_bulk_demo(now))
    load_demo_catalogue(now)
    load_demo_notes(now)
    load_demo_closure_sla(now)
    load_demo_saved_searches()
    count += len(load_demo_sampling(now))
    deliver_demo_outbox()  # last: every message the demo's calls caused is in the outbox by now
    return DemoResult(created=True, calls=count, analysts=sorted(DEMO_ANALYSTS))


def _raise_demo_problem(partition: Partition, now: datetime) -> None:
    """Carol has spotted one recurring issue and raised a Problem for its calls closed in the last weeks."""
    from closeloop.reports.services import raise_problem

    refs = list(Call.objects.filter(partition=partition, status="closed", summary=RAISED_THEME,
                                    closed_at__gte=now - timedelta(days=28)).values_list("ref", flat=True))
    if refs:
        raise_problem(partition, refs, f"Recurring: {RAISED_THEME}", Analyst.objects.get(username="carol"),
                      description="The closure group saw the same VPN fault closed again and again.",
                      group="Network", at=now)  # the network team works the Problem: it waits in its queue


def _build_desk() -> None:
    default = Partition.objects.get(name=DEFAULT_PARTITION)
    facilities = partitions.create_partition("Facilities")
    for partition in (default, facilities):
        add_demo_contacts(partition)
        for name in GROUPS[partition.name]:
            if not IpkGroup.objects.filter(partition=partition, name=name).exists():
                partitions.create_group(partition, name)
    for username, (pname, role, groups, access, full_name) in DEMO_ANALYSTS.items():
        partition = Partition.objects.get(name=pname)
        first, last = full_name.split(" ", 1)
        add_analyst(username, partition, get_ipk_role(role),
                    groups=[IpkGroup.objects.get(partition=partition, name=g) for g in groups],
                    access_role=get_access_role(access), password=DEMO_PASSWORD, first_name=first,
                    last_name=last, email=f"{username}@example.com")
    admin = Analyst.objects.get(username="admin")
    partitions.add_group_member(IpkGroup.objects.get(partition=default, name="Closure Group"), admin)
    for code, label, types in REASONS:
        partitions.add_closure_reason(default, code, label, types)
    partitions.add_closure_reason(facilities, "FIXED", "Fixed", ["incident", "service_request"])
    for partition, items in ((default, CHECKLIST), (facilities, FACILITIES_CHECKLIST)):
        for text, required in items:
            quality.add_checklist_item(partition, text, "Demo desk: the closure group's standard checks",
                                       required=required)
        for code, label in REJECTION_CATEGORIES:
            quality.add_rejection_category(partition, code, label, "Demo desk: why resolutions are sent back")
    partitions.update_closure_settings(
        default, "Demo desk: calls are validated by the group that logged them", closure_method="rules",
        closure_rule="log_group", closure_group="Closure Group", allow_designated_closer=True)
    partitions.update_closure_settings(
        facilities, "Demo desk: facilities calls go to the facilities closure group", closure_method="rules",
        closure_rule="closure_group", closure_group="Facilities Closure")
    # the facilities closure group shares one mailbox: its Forward for Closure notices and reminders go there
    partitions.set_group_mailbox(IpkGroup.objects.get(partition=facilities, name="Facilities Closure"),
                                 DEMO_GROUP_MAILBOX)


def _demo_call(rng: random.Random, partition: Partition, themes: list[tuple[str, ...]],
               at: datetime, now: datetime) -> None:
    theme = rng.choice(themes)
    summary = theme[0].format(n=rng.randint(1, 6), who=rng.choice(PEOPLE))
    resolution = theme[1]
    group_name = theme[2] if len(theme) > 2 else "Facilities Helpdesk"
    group = IpkGroup.objects.get(partition=partition, name=group_name)
    members = list(group.members.filter(is_active=True).exclude(username="admin").order_by("username"))
    logger = rng.choice(members)
    worker = rng.choice(members)
    kind = "service_request" if "starter" in summary or "Password" in summary else rng.choice(
        ["incident"] * 6 + ["problem", "major_incident", "known_error"])
    if partition.name == "Facilities":
        kind = rng.choice(["incident", "service_request"])
    contact = pick_demo_contact(rng, partition)
    call = calls.log_call(partition, kind, summary, description=f"Reported by {contact.name}, {contact.organisation}.",
                          priority=rng.choice([1, 2, 3, 3, 3, 4, 4]), log_group=group, actor=logger, at=at,
                          contact=contact)
    age = now - at
    step = min(timedelta(hours=rng.randint(1, 30)), age / 6)
    stage = rng.random()
    try:
        calls.assign_call(call.ref, logger, group=group, analyst=worker, at=at + step)
        if stage < 0.08 or age < timedelta(hours=6):
            return
        if stage < 0.14:
            calls.hold_call(call.ref, worker, "Waiting for the user", at=at + 2 * step)
            return
        call = calls.resolve_call(call.ref, worker, resolution, at=at + 2 * step)
        if stage < 0.26:
            return  # waiting in the closure stage
        closer = _closer_for(call, rng)
        if closer is None:
            return
        if call.status == "forward_for_closure":
            calls.take_call(call.ref, closer, at=at + 3 * step)
        if rng.random() < 0.18:
            text, category = rng.choice(REJECTIONS) if partition.name == DEFAULT_PARTITION else REJECTIONS[1]
            calls.reject_resolution(call.ref, closer, text, category=category, at=at + 4 * step,
                                    ticked=_ticks(call, required_only=True)[:1])
            if stage < 0.32:
                return
            call = calls.resolve_call(call.ref, worker, resolution + " Confirmed with the user by phone.",
                                      at=at + 5 * step)
            closer = _closer_for(call, rng)
            if closer is None:
                return
            if call.status == "forward_for_closure":
                calls.take_call(call.ref, closer, at=at + 5 * step + step / 2)
        reason = _reason_for(call, rng)
        calls.close_call(call.ref, closer, "Resolution checked with the user; documentation complete.",
                         reason=reason, ticked=_ticks(call, required_only=rng.random() < 0.3), at=at + 6 * step)
    except CloseloopError:
        return  # a demo step the rules refuse is simply skipped, as an analyst would


def _ticks(call: Call, required_only: bool) -> list[int]:
    """The checklist items a closer ticks: every required one, and the optional ones unless in a hurry."""
    return [item.id for item in quality.checklist(call.partition) if item.required or not required_only]


def _closer_for(call: Call, rng: random.Random) -> Analyst | None:
    if call.closure_target_analyst_id:
        return call.closure_target_analyst
    candidates = list(call.closure_target_group.members.filter(
        is_active=True, memberships__partition=call.partition, memberships__ipk_role__close=True
    ).exclude(username="admin").exclude(pk=call.resolved_by_id))
    return rng.choice(candidates) if candidates else None


def _reason_for(call: Call, rng: random.Random) -> str:
    if call.partition.name == "Facilities":
        return "FIXED"
    choices = {"incident": ["FIXED"] * 6 + ["WORKAROUND"] * 3 + ["NO_FAULT"],
               "major_incident": ["FIXED"] * 3 + ["WORKAROUND"], "problem": ["ROOT_CAUSE", "ROOT_CAUSE", "FIXED"],
               "known_error": ["WORKAROUND", "WORKAROUND", "ROOT_CAUSE"], "service_request": ["FULFILLED"]}
    return rng.choice(choices[call.call_type])
