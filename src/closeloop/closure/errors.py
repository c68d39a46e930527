"""The one exception tree of Closeloop: every refusal a user can meet is one of these."""

from __future__ import annotations

__all__ = [
    "CloseloopError",
    "NotFound",
    "NotAllowed",
    "InvalidTransition",
    "SettingsRejected",
    "ChangedByOther",
    "InvalidInput",
]


class CloseloopError(Exception):
    """Root of every error Closeloop reports to a user; `code` is its stable machine name."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(CloseloopError):
    """The object does not exist, or is in a partition the user cannot see."""

    code = "not_found"


class NotAllowed(CloseloopError):
    """The user lacks a right (named in the message) in the partition concerned."""

    code = "not_allowed"


class InvalidTransition(CloseloopError):
    """The action is not possible from the call's current status."""

    code = "invalid_transition"


class SettingsRejected(CloseloopError):
    """A settings or membership change was refused because it would strand calls."""

    code = "settings_rejected"


class ChangedByOther(CloseloopError):
    """Someone else changed the record since it was read; reload and try again."""

    code = "changed_by_other"


class InvalidInput(CloseloopError):
    """A value given by the user is missing or malformed; `field` names it."""

    code = "invalid_input"
