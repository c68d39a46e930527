"""The demo desk's Call Auto Close rules, and the weeks of auto-close passes that already ran under them."""

from __future__ import annotations

from datetime import datetime, timedelta

from closeloop.partitions.models import Partition

from .services import add_rule, auto_close_pass

__all__ = ["DEMO_RULES", "load_demo_auto_close"]

REASON = "Demo desk: resolved calls must not wait for validation forever"
# (partition, rule fields): ServiceNow's pattern (remind at 5 days, close at 10) for routine incidents,
# business days for service requests, and a stale-hold escalation for facilities.
DEMO_RULES: list[tuple[str, dict[str, object]]] = [
    ("Default", {"name": "Routine incidents", "statuses": ["forward_for_closure", "forward_to_you_for_close"],
                 "call_types": ["incident"], "priorities": [4], "idle_days": 10,
                 "reminders": ["5:target,contact"], "reason": "FIXED",
                 "comments": "The contact was reminded and did not report the problem again."}),
    ("Default", {"name": "Service requests", "statuses": ["forward_for_closure"], "call_types": ["service_request"],
                 "idle_days": 5, "business_days": True, "reminders": ["2:contact", "4:target,contact"],
                 "reason": "FULFILLED"}),
    ("Facilities", {"name": "Stale holds", "statuses": ["on_hold"], "idle_days": 14, "reminders": ["7:target"],
                    "expiry": "escalate", "escalation_group": "Facilities Helpdesk", "raise_priority": 1}),
]


def load_demo_auto_close(now: datetime, days: int = 56) -> None:
    """Add the demo rules and run the pass once a day over the demo's weeks, as the worker would have."""
    for partition_name, fields in DEMO_RULES:
        add_rule(Partition.objects.get(name=partition_name), REASON, **fields)
    for day in range(days, -1, -1):
        auto_close_pass(now - timedelta(days=day))
