"""`closeloop demo`: a realistic desk to explore, built through the same services analysts use.

Two partitions, groups with a Closure Group, analysts of every role, and a few hundred calls in
every status over the last eight weeks, with rejections and recurring issues for the reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import add_analyst, get_access_role, get_ipk_role
from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.closure import CloseloopError
from closeloop.desk import DEFAULT_PARTITION, init_desk
from closeloop.partitions import services as partitions
from closeloop.partitions.models import IpkGroup, Partition

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
REJECTIONS = ["Resolution does not say what was changed", "User reports the problem is still happening",
              "Wrong closure reason for a workaround"]


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
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    if Partition.objects.filter(name="Facilities").exists():
        return DemoResult(created=False, analysts=sorted(DEMO_ANALYSTS))
    rng = random.Random(seed)
    with transaction.atomic():
        _build_desk()
    count = 0
    now = timezone.now()
    for partition_name, themes, volume in ((DEFAULT_PARTITION, THEMES, calls_per_partition),
                                           ("Facilities", FACILITY_THEMES, calls_per_partition // 4)):
        partition = Partition.objects.get(name=partition_name)
        for i in range(volume):
            at = now - timedelta(days=56) + timedelta(minutes=int(56 * 24 * 60 * (i / volume)))
            _demo_call(rng, partition, themes, at, now)
            count += 1
    return DemoResult(created=True, calls=count, analysts=sorted(DEMO_ANALYSTS))


def _build_desk() -> None:
    default = Partition.objects.get(name=DEFAULT_PARTITION)
    facilities = partitions.create_partition("Facilities")
    for partition in (default, facilities):
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
    partitions.update_closure_settings(
        default, "Demo desk: calls are validated by the group that logged them", closure_method="rules",
        closure_rule="log_group", closure_group="Closure Group", allow_designated_closer=True)
    partitions.update_closure_settings(
        facilities, "Demo desk: facilities calls go to the facilities closure group", closure_method="rules",
        closure_rule="closure_group", closure_group="Facilities Closure")


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
    call = calls.log_call(partition, kind, summary, description=f"Reported by {rng.choice(PEOPLE)}.",
                          priority=rng.choice([1, 2, 3, 3, 3, 4, 4]), log_group=group, actor=logger, at=at)
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
            calls.reject_resolution(call.ref, closer, rng.choice(REJECTIONS), at=at + 4 * step)
            if stage < 0.32:
                return
            call = calls.resolve_call(call.ref, worker, resolution + " Confirmed with the user by phone.",
                                      at=at + 5 * step)
            closer = _closer_for(call, rng)
            if closer is None:
                return
            if call.status == "forward_for_closure":
                calls.take_call(call.ref, closer, at=at + 5 * step + step / 2)
        reason = _reason_for(call)
        calls.close_call(call.ref, closer, "Resolution checked with the user; documentation complete.",
                         reason=reason, at=at + 6 * step)
    except CloseloopError:
        return  # a demo step the rules refuse is simply skipped, as an analyst would


def _closer_for(call: Call, rng: random.Random) -> Analyst | None:
    if call.closure_target_analyst_id:
        return call.closure_target_analyst
    candidates = list(call.closure_target_group.members.filter(
        is_active=True, memberships__partition=call.partition, memberships__ipk_role__close=True
    ).exclude(username="admin").exclude(pk=call.resolved_by_id))
    return rng.choice(candidates) if candidates else None


def _reason_for(call: Call) -> str:
    by_type = {"incident": "FIXED", "major_incident": "FIXED", "problem": "ROOT_CAUSE",
               "known_error": "WORKAROUND", "service_request": "FULFILLED"}
    if call.partition.name == "Facilities":
        return "FIXED"
    return by_type[call.call_type]
