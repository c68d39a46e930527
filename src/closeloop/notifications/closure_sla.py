"""The closure SLA pass: tell whoever a call waits for when it is about to breach, or has breached, its
closure-stage target, once per call per closure stage.

The worker runs it every minute. It reads each partition's closure SLA once, picks the calls waiting long
enough (in wall time, which is never less than business time) that have not been told of a breach in this
stage yet, and judges each in memory. For each notice due it locks the call, checks it is still in the same
closure stage, records the notice (a unique row per call, stage and kind, so two passes at once send it
once) and writes the messages into the outbox, all in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from closeloop.calls.closure_sla import closure_clock_start
from closeloop.calls.links import call_url
from closeloop.calls.models import Call
from closeloop.closure import CLOSURE_STATUSES, CallType, Status
from closeloop.closure.calendar import format_business_duration
from closeloop.closure.notices import NoticeKind, closure_sla_notices
from closeloop.closure.sla import ClosureSlaPolicy, SlaState, SlaVerdict
from closeloop.partitions.closure_sla import load_closure_sla_policies
from closeloop.partitions.models import Partition
from closeloop.partitions.services import load_directory, load_settings

from .handlers import _reachable_analysts, _recipient
from .messages import render_message
from .models import ClosureSlaNotice
from .outbox import enqueue

__all__ = ["ClosureSlaPassSummary", "closure_sla_pass"]

log = logging.getLogger("closeloop.closure_sla")

_KIND = {SlaState.AT_RISK: NoticeKind.CLOSURE_SLA_AT_RISK, SlaState.BREACHED: NoticeKind.CLOSURE_SLA_BREACHED}
_WAITING = [s.value for s in CLOSURE_STATUSES]


@dataclass
class ClosureSlaPassSummary:
    """What one pass told, for the worker's log."""

    at_risk: list[str] = field(default_factory=list)
    breached: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.at_risk)} about to breach, {len(self.breached)} breached"


def closure_sla_pass(now: datetime | None = None) -> ClosureSlaPassSummary:
    """One pass over every partition with closure-stage targets: the near-breach and breach notices now due."""
    now = now or timezone.now()
    summary = ClosureSlaPassSummary()
    for partition_id, policy in load_closure_sla_policies(Partition.objects.all()).items():
        for call, verdict in _due(partition_id, policy, now):
            kind = _KIND[verdict.state]
            if _tell(call.id, kind, closure_clock_start(call), verdict, now):
                (summary.breached if kind is NoticeKind.CLOSURE_SLA_BREACHED else summary.at_risk).append(call.ref)
                log.info("Closure SLA: %s %s", call.ref, kind.label.lower())
    return summary


def _due(partition_id: int, policy: ClosureSlaPolicy, now: datetime) -> list[tuple[Call, SlaVerdict]]:
    """Calls of the partition with a notice due: about to breach or breached, and not yet told so this stage."""
    soonest = min(target * policy.warn_percent / 100 for target in policy.targets.values())
    waited = Q(resolved_at__lte=now - soonest) | Q(resolved_at__isnull=True, forwarded_at__lte=now - soonest)
    told_breach = ClosureSlaNotice.objects.filter(call=OuterRef("pk"), stage_started_at=OuterRef("resolved_at"),
                                                  kind=NoticeKind.CLOSURE_SLA_BREACHED.value)
    calls = list(Call.objects.filter(waited, partition_id=partition_id, status__in=_WAITING,
                                     priority__in=list(policy.targets)).exclude(Exists(told_breach)).only(
        "id", "ref", "status", "priority", "resolved_at", "forwarded_at", "partition_id").order_by("resolved_at"))
    told = set(ClosureSlaNotice.objects.filter(call__in=[c.id for c in calls]).values_list(
        "call_id", "stage_started_at", "kind"))
    due = []
    for call in calls:
        verdict = policy.verdict(call.priority, closure_clock_start(call), now)
        if verdict is None or verdict.state not in _KIND:
            continue
        if (call.id, closure_clock_start(call), _KIND[verdict.state].value) not in told:
            due.append((call, verdict))
    return due


@transaction.atomic
def _tell(call_id: int, kind: NoticeKind, stage: datetime | None, verdict: SlaVerdict, now: datetime) -> bool:
    """Lock the call, check it still waits in the same stage, record the notice once and queue its messages."""
    call = Call.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "partition", "contact", "closure_target_group").filter(pk=call_id).first()
    if call is None or stage is None or Status(call.status) not in CLOSURE_STATUSES or \
            closure_clock_start(call) != stage:
        return False  # another pass holds it, or it was decided or resolved again meanwhile
    try:
        with transaction.atomic():
            ClosureSlaNotice.objects.create(call=call, stage_started_at=stage, kind=kind.value, sent_at=now)
    except IntegrityError:
        return False  # told already, by another pass
    directory = load_directory(call.partition)
    group = call.closure_target_group
    mailboxes = {group.id: group.mailbox} if group is not None and group.mailbox else {}
    notices = closure_sla_notices(kind, call.facts(), load_settings(call.partition), directory, mailboxes.keys())
    analysts = _reachable_analysts(notices)
    context = _context(call, verdict)
    for notice in notices:
        recipient = _recipient(notice, call, analysts, mailboxes, directory)
        if recipient is None:
            continue
        address, name, analyst = recipient
        message = render_message(kind, {**context, "recipient_name": name, "call_url": call_url(call)})
        enqueue(partition=call.partition, call=call, kind=kind.value, analyst=analyst, recipient=address,
                recipient_name=name[:150], subject=message.subject, body_text=message.body_text,
                body_html=message.body_html, now=now)
    return True


def _context(call: Call, verdict: SlaVerdict) -> dict[str, Any]:
    group = call.closure_target_group
    return {"ref": call.ref, "summary": call.summary, "type": CallType(call.call_type).label,
            "status": Status(call.status).label, "priority": call.priority, "partition": call.partition.name,
            "group_name": group.name if group is not None and call.status == Status.FORWARD_FOR_CLOSURE else None,
            "due_at": verdict.due_at, "target": format_business_duration(verdict.target),
            "remaining": format_business_duration(max(verdict.remaining, timedelta(0)))}
