"""`closeloop call bulk ACTION REF...`: take, close, reject, forward or assign many calls at once.

One line per call (done, or refused with the single command's words), then the summary. The exit code is 0
when every call was done, SOME_REFUSED when some were refused, and the usual error code (2 for bad input)
when the request itself was refused and no call was touched.
"""

from __future__ import annotations

import re
import sys
from argparse import Namespace
from pathlib import Path
from typing import Any

from closeloop.calls.bulk import BulkAction, bulk_action
from closeloop.closure import InvalidInput
from closeloop.partitions.services import get_colleague

from .commands import CommandTree, Output

__all__ = ["SOME_REFUSED", "register"]

# Apart from every error code's exit code: the command ran, and some calls (not all done) were refused.
SOME_REFUSED = 9

_SEPARATORS = re.compile(r"[\s,;]+")


def _refs_from(source: str) -> list[str]:
    """References read from a file (or standard input for "-"): separated by spaces, commas or lines;
    anything after # on a line is a comment."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read references from {source}: {exc}", field="refs_from") from None
    lines = (line.partition("#")[0] for line in text.splitlines())
    return [ref for line in lines for ref in _SEPARATORS.split(line) if ref]


def _inputs(args: Namespace, actor: Any) -> dict[str, Any]:
    """The options the action takes, as the single command reads them; the others must be absent."""
    def colleague(name: str | None, field: str) -> Any:
        return get_colleague(actor, name, field=field) if name else None

    return {"comments": args.comments, "reason": args.reason, "ticked": args.tick, "category": args.category,
            "to_analyst": colleague(args.to_analyst, "to_analyst"), "to_group": args.to_group,
            "group": args.group, "analyst": colleague(args.analyst, "analyst")}


def call_bulk(args: Namespace, actor: Any) -> Output:
    refs = list(args.refs) + (_refs_from(args.refs_from) if args.refs_from else [])
    result = bulk_action(args.action, refs, actor, **_inputs(args, actor))
    done = BulkAction(args.action).done.lower()
    lines = [f"{o.ref:<11} {done}: {o.status.label if o.status else ''}".rstrip() if o.ok
             else f"{o.ref:<11} refused: {o.error.message if o.error else ''}" for o in result.outcomes]
    lines.append(result.summary)
    return Output("\n".join(lines), result.as_dict(), exit_code=0 if result.all_done else SOME_REFUSED)


def register(tree: CommandTree) -> None:
    """`call bulk`."""
    p = tree.leaf(tree.family("call", "calls"), "bulk", call_bulk,
                  "take, close, reject, forward or assign many calls at once (one line per call, then a summary)")
    p.add_argument("action", choices=[a.value for a in BulkAction])
    p.add_argument("refs", nargs="*", metavar="REF", help="call references (or --refs-from)")
    p.add_argument("--refs-from", metavar="FILE", help="read references from a file, or '-' for standard input "
                   "(spaces, commas or lines between them; # starts a comment)")
    p.add_argument("--comments", help="close: closure comments")
    p.add_argument("--reason", help="close: closure reason code; reject: why; forward: why")
    p.add_argument("--tick", action="append", type=int, default=[], metavar="ITEM_ID",
                   help="close: closure checklist item ticked for every call (repeat)")
    p.add_argument("--category", help="reject: rejection category code")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--to-analyst", metavar="USER", help="forward: to this analyst")
    target.add_argument("--to-group", metavar="GROUP", help="forward: to this group")
    p.add_argument("--group", help="assign: to this group")
    p.add_argument("--analyst", metavar="USER", help="assign: to this analyst")
