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

__all__ = ["main", "EXIT_CODES"]

# Exit code per error family, so scripts can tell a refusal from a typo.
EXIT_CODES = {
    "invalid_input": 2,
    "not_found": 3,
    "not_allowed": 4,
    "invalid_transition": 5,
    "changed_by_other": 5,
    "settings_rejected": 6,
    "configuration": 7,
    "database": 8,
}


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
    return EXIT_CODES.get(code, 1)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
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
        return _emit_error("database", f"database error: {exc} (is DATABASE_URL right, and did you run "
                           "'closeloop init'?)", None, as_json)
    try:
        if as_json:
            print(json.dumps(output.data, indent=2, default=str))
        elif output.text:
            print(output.text)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader (e.g. `| head`) stopped early; the command itself succeeded
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
