"""Each analyst's choice of the notifications they want (the web page, the API and the CLI all use these)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import require_admin
from closeloop.closure import AdminRight, InvalidInput
from closeloop.closure.notices import ANALYST_KINDS, NoticeKind

from .models import NotificationPreference

__all__ = ["Preference", "notification_preferences", "set_notification_preferences", "parse_kind"]


@dataclass(frozen=True)
class Preference:
    """Whether an analyst wants one kind of notification."""

    kind: NoticeKind
    enabled: bool

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def description(self) -> str:
        return self.kind.description


def parse_kind(raw: str | NoticeKind, field: str = "kind") -> NoticeKind:
    """A kind an analyst may choose, by its name ('forwarded_to_you', 'forwarded-to-you') or its label."""
    text = str(raw).strip()
    key = text.lower().replace("-", "_").replace(" ", "_")
    for kind in ANALYST_KINDS:
        if key == kind.value or text.lower() == kind.label.lower():
            return kind
    allowed = ", ".join(k.value for k in ANALYST_KINDS)
    raise InvalidInput(f"{field} must be one of: {allowed} (got {text!r})", field=field)


def notification_preferences(analyst: Analyst) -> list[Preference]:
    """Every kind an analyst may receive, in a fixed order, and whether they want it (no row: they do)."""
    off = set(NotificationPreference.objects.filter(analyst=analyst, enabled=False).values_list("kind", flat=True))
    return [Preference(kind, kind.value not in off) for kind in ANALYST_KINDS]


def _may_change(actor: Analyst | None, analyst: Analyst) -> None:
    if actor is not None and actor.pk != analyst.pk:
        require_admin(actor, AdminRight.SECURITY_ADMIN)


@transaction.atomic
def set_notification_preferences(analyst: Analyst, wanted: Mapping[str | NoticeKind, bool],
                                 actor: Analyst | None = None) -> list[Preference]:
    """Turn kinds on or off for an analyst (themselves, or anyone for a Security Admin or the system operator)."""
    _may_change(actor, analyst)
    choices = {parse_kind(kind): bool(on) for kind, on in wanted.items()}
    for kind, on in choices.items():
        NotificationPreference.objects.update_or_create(analyst=analyst, kind=kind.value,
                                                        defaults={"enabled": on})
    return notification_preferences(analyst)
