"""Where a call stands against its partition's closure-stage SLA, as pages, the API and the worker read it.

The clock starts at `resolved_at`: when the call entered the closure stage with its current resolution
(a rejection or a refusal sends it back, and resolving it again restarts the clock; taking it, forwarding
it or an auto-close escalation within the stage does not). Calls not in the closure stage have no verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from closeloop.accounts.models import Analyst
from closeloop.closure.calendar import format_business_duration
from closeloop.closure.sla import ClosureSlaPolicy, SlaVerdict
from closeloop.partitions.closure_sla import load_closure_sla_policies
from closeloop.partitions.models import Partition

from .models import Call

__all__ = ["closure_clock_start", "closure_sla_of", "closure_sla_as_dict", "policies_for", "verdicts_for",
           "verdict_for", "call_closure_sla", "decision_met"]


def closure_clock_start(call: Call) -> datetime | None:
    """When the closure-stage clock of a call in that stage started (None outside the stage)."""
    if not call.in_closure_stage:
        return None
    return call.resolved_at or call.forwarded_at


def closure_sla_of(call: Call, policy: ClosureSlaPolicy, now: datetime | None = None) -> SlaVerdict | None:
    """The call's verdict now, under its partition's policy (None: not in the stage, or no target)."""
    if not policy.active:
        return None
    return policy.verdict(call.priority, closure_clock_start(call), now or timezone.now())


def call_closure_sla(call: Call, now: datetime | None = None) -> SlaVerdict | None:
    """One call's verdict, reading its partition's policy (one query; none outside the closure stage)."""
    if not call.in_closure_stage:
        return None
    return verdict_for(call, policies_for(None, call.partition_id), now)


def policies_for(viewer: Analyst | None, partition_id: int | None = None) -> dict[int, ClosureSlaPolicy]:
    """The closure-stage SLA of the partitions a page shows (one, or all the viewer's), read once for all
    its rows in one query; partitions without targets are left out."""
    if partition_id is not None:
        return load_closure_sla_policies([partition_id])
    return load_closure_sla_policies(Partition.objects.visible_to(viewer))


def verdicts_for(calls: Iterable[Call], policies: Mapping[int, ClosureSlaPolicy],
                 now: datetime | None = None) -> dict[int, SlaVerdict | None]:
    """Each call's verdict, all measured at the same moment (no query)."""
    now = now or timezone.now()
    return {call.id: closure_sla_of(call, policies[call.partition_id], now) if call.partition_id in policies
            else None for call in calls}


def verdict_for(call: Call, policies: Mapping[int, ClosureSlaPolicy], now: datetime | None = None
                ) -> SlaVerdict | None:
    """One call's verdict under the page's policies (no query)."""
    policy = policies.get(call.partition_id)
    return closure_sla_of(call, policy, now) if policy is not None else None


def decision_met(call: Call, decided_at: datetime) -> bool | None:
    """The verdict on a closure decision about the call's resolution made at `decided_at`: met (True),
    breached (False) or none (no target for its priority), on the partition's targets and calendar in force
    now. Recorded with the decision (`ClosureDecision.closure_sla_met`), it keeps them when they change."""
    policy = policies_for(None, call.partition_id).get(call.partition_id)
    return policy.met(call.priority, call.resolved_at, decided_at) if policy is not None else None


def closure_sla_as_dict(verdict: SlaVerdict | None) -> dict[str, Any] | None:
    """A verdict as the API and `--json` show it (business time in seconds; negative once overdue)."""
    if verdict is None:
        return None
    return {"target": format_business_duration(verdict.target),
            "target_seconds": int(verdict.target.total_seconds()),
            "due_at": verdict.due_at.isoformat(), "warn_at": verdict.warn_at.isoformat(),
            "remaining_seconds": int(verdict.remaining.total_seconds()),
            "remaining": format_business_duration(verdict.remaining),
            "state": verdict.state.value, "state_label": verdict.state.label}
