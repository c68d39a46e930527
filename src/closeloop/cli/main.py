"""The `closeloop` command: parses arguments, runs one use case, prints the result.

Errors are turned into a message (or a JSON body with --json) and an exit code in one place.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from closeloop.closure.errors import ERROR_CODES, error_code

__all__ = ["main", "EXIT_CODES"]

# Exit code per error code, from the one error map, so scripts can tell a refusal from a typo.
EXIT_CODES = {entry.code: entry.exit_code for entry in ERROR_CODES}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closeloop.site.settings")
    import django

    django.setup()


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in the same shape as every other error."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _emit_error(code: str, message: str, field: str | None, as_json: bool) -> int:
    if as_json:
        body = {"error": code, "message": message}
        if field:
            body["field"] = field
        print(json.dumps(body), file=sys.stderr)
    else:
        print(f"error: {message}", file=sys.stderr)
    return error_code(code).exit_code


def _unreadable_argument(argv: Sequence[str]) -> tuple[str, str] | None:
    """(field, message) for the first argument holding text no database can store: bytes that are not
    UTF-8 reach Python as lone surrogates, which would fail deep inside the first query."""
    from closeloop.closure.limits import unstorable_character

    for index, arg in enumerate(argv):
        if bad := unstorable_character(arg):
            named = arg.partition("=")[0] if arg.startswith("--") and "=" in arg else argv[index - 1] if index else ""
            option = named if named.startswith("--") and not unstorable_character(named) else f"argument {index + 1}"
            return option.removeprefix("--"), (f"{option} holds a character that cannot be stored ({bad}): pass "
                                               "valid UTF-8 text without NUL characters")
    return None


def _database_error(exc: Exception) -> tuple[str, str]:
    """The error code and message for a database error: only a missing database or table gets the set-up
    hint; a value the database refused is the bad input it is."""
    from django.db import DataError, IntegrityError, OperationalError, ProgrammingError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, DataError | IntegrityError):
        return "invalid_input", f"the database refused a value: {text}"
    missing_table = getattr(exc.__cause__, "sqlstate", None) == "42P01" or "no such table" in text
    if isinstance(exc, OperationalError) or (isinstance(exc, ProgrammingError) and missing_table):
        return "database", (f"database error: {text} (is DATABASE_URL right, and did you run "
                            "'closeloop init'?)")
    return "database", f"database error: {text}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    if unreadable := _unreadable_argument(argv):
        return _emit_error("invalid_input", unreadable[1], unreadable[0], as_json)
    try:
        _setup_django()
    except Exception as exc:  # ImproperlyConfigured and friends: bad environment variables
        return _emit_error("configuration", str(exc), None, as_json)
    from .commands import build_parser

    parser = build_parser(_Parser)
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        return _emit_error("invalid_input", str(exc), None, as_json)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2

    from django.db import DatabaseError

    from closeloop.closure import CloseloopError

    from .commands import Output, resolve_actor

    try:
        actor = resolve_actor(getattr(args, "as_user", None))
        output: Output = args.handler(args, actor)
    except CloseloopError as exc:
        return _emit_error(exc.code, exc.message, exc.field, as_json)
    except DatabaseError as exc:
        return _emit_error(*_database_error(exc), None, as_json)
    try:
        if as_json:
            print(json.dumps(output.data, indent=2, default=str))
        elif output.text:
            print(output.text)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader (e.g. `| head`) stopped early; the command itself succeeded
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return output.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
