"""Template helpers for the closure-stage SLA: a verdict in words (the colour is never the only cue)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from closeloop.closure.calendar import format_business_duration
from closeloop.closure.sla import SlaState, SlaVerdict

register = template.Library()


def _due(verdict: SlaVerdict) -> str:
    return date_format(timezone.localtime(verdict.due_at), "D j M H:i")


@register.filter
def sla_short(verdict: SlaVerdict | None) -> str:
    """For a table cell: "3h left", "About to breach: 45m left", "Breached: 2h over"."""
    if verdict is None:
        return ""
    if verdict.state is SlaState.BREACHED:
        over = -verdict.remaining
        return f"Breached: {format_business_duration(over)} over" if over.total_seconds() >= 60 else "Breached"
    left = f"{format_business_duration(verdict.remaining)} left"
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
