"""How the partitions area reacts to changes of people and groups: each one goes into the audit trail."""

from __future__ import annotations

from closeloop.accounts.models import Analyst
from closeloop.closure.events import DeskEvent, DirectoryChanged, subscribe

from .audit import record_settings_change
from .models import Partition, SettingsChange

__all__ = ["audit_directory_change", "subscribe_handlers"]

_SUBJECT = {
    DeskEvent.GROUP_CREATED: SettingsChange.Subject.GROUPS,
    DeskEvent.GROUP_MEMBER_ADDED: SettingsChange.Subject.GROUPS,
    DeskEvent.ANALYST_JOINED: SettingsChange.Subject.ANALYSTS,
    DeskEvent.GROUP_MEMBER_REMOVED: SettingsChange.Subject.GROUPS,
    DeskEvent.GROUP_MAILBOX_CHANGED: SettingsChange.Subject.GROUPS,
    DeskEvent.ANALYST_ROLE_CHANGED: SettingsChange.Subject.ANALYSTS,
    DeskEvent.ANALYST_DEACTIVATED: SettingsChange.Subject.ANALYSTS,
}


def audit_directory_change(event: DirectoryChanged) -> None:
    """Record who changed which group or analyst, when, with the before and after."""
    actor = Analyst.objects.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    record_settings_change(Partition(pk=event.partition_id), _SUBJECT[event.name], actor, event.because,
                           dict(event.before), dict(event.after))


def subscribe_handlers() -> None:
    subscribe(DirectoryChanged, audit_directory_change)
