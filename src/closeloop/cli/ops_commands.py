"""Handlers for operator commands: `generate`, `backup`, `restore` and `check`.

Progress goes to stderr so stdout stays the result (and --json stays parseable).
"""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Callable
from typing import Any

from closeloop.closure import NotAllowed

from .commands import CommandTree, Output

Actor = Any


def _operator_only(actor: Actor, what: str) -> None:
    # These commands touch the whole database; they run as the operator of the install.
    if actor is not None:
        raise NotAllowed(f"{what} runs as the system operator: leave out --as")


def _table_progress(verb: str) -> Callable[[str, int], None]:
    def report(table: str, rows: int) -> None:
        print(f"\r{verb} {table}: {rows:,} rows", end="", file=sys.stderr, flush=True)

    return report


def generate(args: Namespace, actor: Actor) -> Output:
    from closeloop.ops.generate import generate_desk
    from closeloop.ops.progress import ProgressBar

    _operator_only(actor, "generate")
    bar = ProgressBar("Generating", args.calls)
    result = generate_desk(args.calls, args.partitions, args.analysts, seed=args.seed, days=args.days,
                           password=args.password, progress=bar.update)
    data = {"calls": result.calls, "events": result.events, "decisions": result.decisions,
            "partitions": result.partitions, "analysts": result.analysts}
    text = (f"Generated {result.calls:,} calls ({result.events:,} history events, {result.decisions:,} closure "
            f"decisions) in {result.partitions} partition(s) with {result.analysts} analysts.")
    if not args.password:
        text += "\nThe generated analysts cannot sign in: give --password to let them."
    return Output(text, data)


def backup(args: Namespace, actor: Actor) -> Output:
    from closeloop.ops.backup import backup_desk

    _operator_only(actor, "backup")
    result = backup_desk(args.file, progress=_table_progress("Saving"))
    print("", file=sys.stderr)
    tables = {name: vars(check) for name, check in result.tables.items()}
    missing = f" {len(result.missing_files)} attached files were missing from storage." \
        if result.missing_files else ""
    return Output(f"Backed up {result.rows:,} rows from {len(tables)} tables and {result.files:,} attached files "
                  f"to {result.path}.{missing}", {"file": str(result.path), "tables": tables, "files": result.files,
                                                  "missing_files": result.missing_files})


def restore(args: Namespace, actor: Actor) -> Output:
    from closeloop.ops.backup import restore_desk

    _operator_only(actor, "restore")
    result = restore_desk(args.file, force=args.force, progress=_table_progress("Loading"))
    print("", file=sys.stderr)
    tables = {name: vars(check) for name, check in result.tables.items()}
    return Output(f"Restored {result.rows:,} rows into {len(tables)} tables and {result.files:,} attached files "
                  f"from {result.path}; every table's row count and checksum match the backup.",
                  {"file": str(result.path), "tables": tables, "files": result.files, "verified": True})


def check(args: Namespace, actor: Actor) -> Output:
    from closeloop.ops.checks import check_deploy

    ran = check_deploy()
    return Output("Ready to serve: " + ", ".join(ran) + " - all passed.", {"ok": True, "checks": ran})


def register(tree: CommandTree) -> None:
    """Operator commands: synthetic desks, backup and restore, deploy checks."""
    p = tree.leaf(tree.top, "generate", generate, "load a realistic synthetic desk (for trials and benchmarks)")
    p.add_argument("--calls", type=int, required=True, help="how many calls to load")
    p.add_argument("--partitions", type=int, default=3, help="partitions to spread them over (default 3)")
    p.add_argument("--analysts", type=int, default=60, help="analysts across the partitions (default 60)")
    p.add_argument("--days", type=int, default=3 * 365, help="days of history, at least 56 (default 3 years)")
    p.add_argument("--seed", type=int, default=1, help="random seed: the same seed loads the same desk")
    p.add_argument("--password", help="password for the generated analysts (default: they cannot sign in)")
    p = tree.leaf(tree.top, "backup", backup, "save the whole desk to a file (with per-table checksums)")
    p.add_argument("file", help="backup file to write, e.g. desk-2026-11-23.closeloop.gz")
    p = tree.leaf(tree.top, "restore", restore, "load a backup into an empty database and verify it")
    p.add_argument("file", help="backup file written by `closeloop backup`")
    p.add_argument("--force", action="store_true", help="replace everything in a database that holds a desk")
    tree.leaf(tree.top, "check", check, "check this install is ready to serve (Django deploy checks plus ours)")
