"""The words of each notification: a subject line with the call's reference, and a text and an HTML body
rendered from `templates/notifications/<kind>.txt` and `.html`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from closeloop.closure.notices import NoticeKind

__all__ = ["Message", "SUBJECTS", "render_message"]

# What the subject says after the call's reference, before its summary ("[INC-000042] Resolved: printer jams")
SUBJECTS = {
    NoticeKind.ASSIGNED: "Assigned to you",
    NoticeKind.FORWARDED_TO_YOU: "Forward to You for Close",
    NoticeKind.FORWARDED_TO_GROUP: "Forward for Closure to {group}",
    NoticeKind.RESOLUTION_REJECTED: "Resolution rejected",
    NoticeKind.RESOLUTION_REFUSED: "Resolution refused by the user",
    NoticeKind.REMINDER: "Reminder: waiting for a decision",
    NoticeKind.AUTO_CLOSED: "Auto-closed",
    NoticeKind.CLOSURE_SLA_AT_RISK: "About to breach the closure SLA",
    NoticeKind.CLOSURE_SLA_BREACHED: "Closure SLA breached",
    NoticeKind.CALL_LOGGED: "Logged",
    NoticeKind.CALL_RESOLVED: "Resolved",
    NoticeKind.CALL_CLOSED: "{status}",
    NoticeKind.CONTACT_REMINDER: "Reminder: waiting for your answer",
    NoticeKind.NOTE_FOR_CONTACT: "A note from the service desk",
}


@dataclass(frozen=True)
class Message:
    """One rendered e-mail."""

    subject: str
    body_text: str
    body_html: str


def render_message(kind: NoticeKind, context: dict[str, Any]) -> Message:
    """The message of `kind` for the call and event described by `context` (see `handlers._context`)."""
    what = SUBJECTS[kind].format(group=context.get("group_name") or "your group", status=context["status"])
    subject = f"[{context['ref']}] {what}: {context['summary']}"
    context = {**context, "kind": kind, "subject": subject}
    return Message(subject=" ".join(subject.split())[:250],
                   body_text=render_to_string(f"notifications/{kind.value}.txt", context).strip() + "\n",
                   body_html=render_to_string(f"notifications/{kind.value}.html", context))
