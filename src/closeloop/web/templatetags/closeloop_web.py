"""Template helpers: status badges, call type and action labels."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from closeloop.closure import CallType, Status

register = template.Library()

# The two closure statuses get their own look, so "waiting for me" and "waiting for my group" differ.
_BADGES = {
    Status.LOGGED: "logged",
    Status.ASSIGNED: "assigned",
    Status.ON_HOLD: "hold",
    Status.FORWARD_TO_YOU_FOR_CLOSE: "to-you",
    Status.FORWARD_FOR_CLOSURE: "for-closure",
    Status.CLOSED: "closed",
    Status.CLOSED_UNRESOLVED: "unresolved",
}


@register.filter
def status_badge(value: str) -> SafeString:
    """A status as a badge with its text (colour is never the only cue)."""
    if not value:
        return format_html("")
    status = Status(value)
    return format_html('<span class="badge badge-{}">{}</span>', _BADGES[status], status.label)


@register.filter
def priority_label(value: object) -> str:
    """"P2 High" for 2: the priority as the impact × urgency matrix names it."""
    from closeloop.closure.priority import priority_label as label

    return label(int(value)) if isinstance(value, int) or str(value).isdigit() else str(value)


@register.filter
def call_type_label(value: str) -> str:
    return CallType(value).label


@register.filter
def action_label(value: str) -> str:
    return value.replace("_", " ").capitalize()


@register.filter
def event_details(details: object) -> SafeString:
    """A history event's details in users' words, the calls it names as links ("Calls: INC-000001, ...")."""
    from django.urls import reverse
    from django.utils.html import format_html_join

    from closeloop.calls.wording import detail_label, detail_refs, detail_text

    if not isinstance(details, dict):
        return format_html("")
    parts = []
    for key, value in details.items():
        refs = detail_refs(value)
        if refs:
            shown = format_html_join(", ", '<a href="{}">{}</a>', ((reverse("call", args=[r]), r) for r in refs))
        else:
            shown = format_html("{}", detail_text(key, value))
        parts.append(shown if key in ("changes", "sampling") else format_html("{}: {}", detail_label(key), shown))
    return format_html_join(" · ", "{}", ((p,) for p in parts))


@register.filter
def age(value: object) -> str:
    """A timedelta as '3d 4h', '5h 12m' or '8m'."""
    seconds = int(getattr(value, "total_seconds", lambda: 0)())
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


@register.filter
def edit_lines(details: object) -> list[str]:
    """An edit's changes, one "Summary: ‘old’ → ‘new’" line per field."""
    from closeloop.calls.present import describe_edit

    return describe_edit(details if isinstance(details, dict) else None)


@register.filter
def category_path(category: object) -> str:
    """"Hardware › Laptop" for a call's category."""
    from closeloop.partitions.catalogue import category_path as path

    return path(category) or "" if category is not None else ""  # type: ignore[arg-type]


@register.filter
def level_label(value: object) -> str:
    """"High", "Medium" or "Low" for an impact or urgency."""
    return {1: "High", 2: "Medium", 3: "Low"}.get(int(value) if str(value).isdigit() else 0, str(value))


@register.filter
def may_edit(call: object, viewer: object) -> bool:
    """Whether the call page offers Edit to this viewer (the service decides)."""
    from closeloop.calls.editing import may_edit_call

    return may_edit_call(call, viewer)  # type: ignore[arg-type]
