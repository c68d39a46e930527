"""The demo desk's notification choices: a few analysts who chose which e-mails they want."""

from __future__ import annotations

from closeloop.accounts.models import Analyst
from closeloop.closure.notices import NoticeKind

from .preferences import set_notification_preferences

__all__ = ["load_demo_preferences"]

# carol works from the Closure Group's queue and does not want an e-mail per resolved call; mia closes
# Network's calls and does not want the auto-close reminders.
DEMO_PREFERENCES = {
    "carol": {NoticeKind.FORWARDED_TO_GROUP: False},
    "mia": {NoticeKind.REMINDER: False},
}


def load_demo_preferences() -> None:
    """Each demo analyst's choices, made as they would make them (before the demo calls are played)."""
    for username, choices in DEMO_PREFERENCES.items():
        analyst = Analyst.objects.get(username=username)
        set_notification_preferences(analyst, choices, actor=analyst)
