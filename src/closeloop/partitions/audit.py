"""The one audited path for a partition's configuration: right, change reason, before and after, event.

Every setter of closure settings, closure reasons, the closure checklist and rejection categories makes
its change inside `audited_change()`. It checks the IPK Setup right and the change reason, takes the
partition's configuration lock, reads the audited values before and after the change and, when they
differ, records who changed what, when and why (with the settings version), and publishes the change
for the handlers of other areas, all in the changing transaction. A dry run is the same change rolled
back: it is refused exactly as the change would be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import require_admin
from closeloop.closure import AdminRight, limits
from closeloop.closure.events import DeskEvent, SettingsChanged, publish

from .models import Partition, SettingsChange

__all__ = ["AuditedChange", "audited_change", "record_settings_change"]

_EVENT_FOR = {
    SettingsChange.Subject.CLOSURE_SETTINGS: DeskEvent.CLOSURE_SETTINGS_CHANGED,
    SettingsChange.Subject.CLOSURE_REASONS: DeskEvent.CLOSURE_REASONS_CHANGED,
    SettingsChange.Subject.CHECKLIST: DeskEvent.CHECKLIST_CHANGED,
    SettingsChange.Subject.REJECTION_CATEGORIES: DeskEvent.REJECTION_CATEGORIES_CHANGED,
    SettingsChange.Subject.AUTO_CLOSE_RULES: DeskEvent.AUTO_CLOSE_RULES_CHANGED,
    SettingsChange.Subject.CATEGORIES: DeskEvent.CATEGORIES_CHANGED,
    SettingsChange.Subject.PRIORITY_MATRIX: DeskEvent.PRIORITY_MATRIX_CHANGED,
    SettingsChange.Subject.BUSINESS_CALENDAR: DeskEvent.BUSINESS_CALENDAR_CHANGED,
    SettingsChange.Subject.CLOSURE_SLA: DeskEvent.CLOSURE_SLA_CHANGED,
    SettingsChange.Subject.SAMPLING_POLICY: DeskEvent.SAMPLING_POLICY_CHANGED,
}


def record_settings_change(partition: Partition, subject: str, actor: Analyst | None, reason: str,
                           before: dict[str, Any], after: dict[str, Any],
                           version: int | None = None) -> SettingsChange:
    """Write one row of the audit trail (changes made through `audited_change`, and directory changes)."""
    return SettingsChange.objects.create(partition=partition, subject=subject, version=version,
                                         changed_by=actor, change_reason=reason, before=before, after=after)


@dataclass
class AuditedChange:
    """The change under way: the values before it and, for versioned settings, the new version."""

    before: dict[str, Any]
    reason: str
    version: int | None = None


class _DryRun(Exception):
    """Rolls back a change that was only a check."""


@contextmanager
def audited_change(partition: Partition, subject: SettingsChange.Subject, actor: Analyst | None,
                   change_reason: str | None, values: Callable[[], dict[str, Any]], *,
                   dry_run: bool = False) -> Iterator[AuditedChange]:
    """Make the change in the `with` block; it is audited and published if `values()` changed."""
    require_admin(actor, AdminRight.IPK_SETUP)
    reason = limits.CHANGE_REASON.clean(change_reason)
    Partition.objects.select_for_update().get(pk=partition.pk)  # one configuration change at a time
    change = AuditedChange(values(), reason)
    try:
        with transaction.atomic():
            yield change
            after = values()
            if after != change.before:
                record_settings_change(partition, subject, actor, reason, change.before, after, change.version)
                label = SettingsChange.Subject(subject).label.lower()
                publish(SettingsChanged(_EVENT_FOR[subject], partition.id, f"the {label} changed ({reason})"))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
