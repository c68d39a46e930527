"""Template helpers for the closure-stage SLA: a verdict in words (the colour is never the only cue)."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from closeloop.closure.calendar import format_business_duration
from closeloop.closure.sla import SlaState, SlaVerdict

register = template.Library()


def _rounded(value: timedelta) -> str:
    """Business time as people glance at it: whole hours from ten hours on ("350h", not "350h42m")."""
    if abs(value) >= timedelta(hours=10):
        return f"{int(abs(value).total_seconds() // 3600)}h"
    return format_business_duration(abs(value))


def _due(verdict: SlaVerdict) -> str:
    return date_format(timezone.localtime(verdict.due_at), "D j M H:i")


@register.filter
def sla_short(verdict: SlaVerdict | None) -> str:
    """For a table cell: "3h left", "About to breach: 45m left", "Breached: 2h over"."""
    if verdict is None:
        return ""
    if verdict.state is SlaState.BREACHED:
        over = -verdict.remaining
        return f"Breached: {_rounded(over)} over" if over.total_seconds() >= 60 else "Breached"
    left = f"{_rounded(verdict.remaining)} left"
    return f"About to breach: {left}" if verdict.state is SlaState.AT_RISK else left


@register.filter
def sla_long(verdict: SlaVerdict | None) -> str:
    """For the call page: the state, the business time left or over, the target and when it is due."""
    if verdict is None:
        return ""
    target = format_business_duration(verdict.target)
    if verdict.state is SlaState.BREACHED:
        return (f"Breached: {format_business_duration(-verdict.remaining)} of business time over the {target} "
                f"target; it was due {_due(verdict)}")
    return (f"{verdict.state.label}: {format_business_duration(verdict.remaining)} of business time left of "
            f"{target}; due {_due(verdict)}")


@register.filter
def verdict_in(call: object, verdicts: dict[int, SlaVerdict | None] | None) -> SlaVerdict | None:
    """The call's verdict from the page's verdicts (computed once for the page, no query)."""
    return (verdicts or {}).get(getattr(call, "id", 0))
