"""The one exception tree of Closeloop, and the one map of error codes to HTTP statuses and exit codes.

Every refusal a user can meet is one of these exceptions; each has a stable `code`. `ERROR_CODES` says,
for each code, the HTTP status the API answers, the exit code of the `closeloop` command, and when it
happens: the API, the web pages and the CLI read it, and docs/api.md and the README are checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ErrorCode",
    "ERROR_CODES",
    "error_code",
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


@dataclass(frozen=True)
class ErrorCode:
    """One kind of error as every entry point shows it."""

    code: str
    http_status: int
    exit_code: int
    when: str
    api: bool = True  # the REST API answers with it
    cli: bool = True  # the `closeloop` command exits with it


ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode(InvalidInput.code, 400, 2, "a value was refused: blank, over its limit, or holding a character no "
              "database can store; `field` names it"),
    ErrorCode("unauthenticated", 401, 4, "no token, an unknown or revoked token, and no signed-in session",
              cli=False),
    ErrorCode(NotAllowed.code, 403, 4, "a right is missing (the message names it), or a session request lacks "
              "its CSRF token"),
    ErrorCode(NotFound.code, 404, 3, "the object does not exist, or is in a partition you do not work in"),
    ErrorCode("method_not_allowed", 405, 2, "the endpoint does not take this HTTP method (`Allow` lists those "
              "it takes)", cli=False),
    ErrorCode(InvalidTransition.code, 409, 5, "the action is not possible from the call's status"),
    ErrorCode(ChangedByOther.code, 409, 5, "`If-Match` or `version` no longer matches: reload and try again"),
    ErrorCode(SettingsRejected.code, 409, 6, "a settings, membership or role change would strand calls awaiting "
              "closure"),
    ErrorCode("too_large", 413, 2, "the request body is over the upload limit; nothing was read or saved",
              cli=False),
    ErrorCode("too_many_requests", 429, 4, "too many failed sign-ins: the user name is locked out for a while",
              cli=False),
    ErrorCode("server_error", 500, 1, "an error of ours: it is logged, and nothing was half-written"),
    ErrorCode("configuration", 500, 7, "an environment variable has a bad value (the message says how to fix "
              "it)", api=False),
    ErrorCode("database", 503, 8, "the database cannot be reached, or has no Closeloop tables yet "
              "(`closeloop init`)", api=False),
)
_BY_CODE = {e.code: e for e in ERROR_CODES}


def error_code(code: str) -> ErrorCode:
    """The entry of `ERROR_CODES` for a code (an unknown code is an error of ours: 500, exit 1)."""
    return _BY_CODE.get(code) or _BY_CODE["server_error"]
