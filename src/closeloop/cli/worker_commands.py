"""Handlers for the worker and the outbox: `worker`, `tick`, `outbox list/show/retry`."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from closeloop.accounts.models import Analyst
from closeloop.closure import InvalidInput
from closeloop.notifications import outbox

from .commands import CommandTree, Output
from .ops_commands import _operator_only

Actor = Analyst | None


def worker(args: Namespace, actor: Actor) -> Output:
    from closeloop.ops.worker import run_worker

    _operator_only(actor, "worker")
    failures = run_worker()
    return Output("", {"stopped": True, "failed_passes": failures})


def tick(args: Namespace, actor: Actor) -> Output:
    from closeloop.notifications.delivery import where_mail_goes
    from closeloop.ops.worker import run_passes

    _operator_only(actor, "tick")
    outcomes = run_passes()
    lines = [str(o) for o in outcomes] + [f"Mail goes to {where_mail_goes()}."]
    data = {"ok": all(o.ok for o in outcomes),
            "passes": [{"name": o.name, "ok": o.ok, "result": str(o), "error": o.error} for o in outcomes]}
    return Output("\n".join(lines), data, exit_code=0 if data["ok"] else 1)


def _line(row: dict[str, Any]) -> str:
    when = row["sent_at"] or row["created_at"]
    text = (f"{row['id']:>6}  {row['state']:<7} {when:%Y-%m-%d %H:%M}  {row['call'] or '-':<11} {row['kind']:<22} "
            f"{row['recipient']}  ({row['attempts']} attempt{'s' if row['attempts'] != 1 else ''})")
    return text + (f"\n        last error: {row['last_error']}" if row["last_error"] and row["state"] != "sent" else "")


def outbox_list(args: Namespace, actor: Actor) -> Output:
    if args.limit < 1:
        raise InvalidInput("--limit must be at least 1", field="limit")
    rows = [outbox.message_row(m) for m in outbox.outbox_messages(actor, args.state, args.partition)[:args.limit]]
    return Output("\n".join(_line(r) for r in rows) or "(no messages)", rows)


def outbox_show(args: Namespace, actor: Actor) -> Output:
    data = outbox.message_detail(outbox.get_message(args.id, actor))
    head = "\n".join(f"{label}: {data[key]}" for label, key in (
        ("To", "recipient"), ("Subject", "subject"), ("Call", "call"), ("Kind", "kind"), ("State", "state"),
        ("Attempts", "attempts"), ("Queued", "created_at"), ("Sent", "sent_at"), ("Last error", "last_error"))
        if data[key] not in (None, ""))
    return Output(f"{head}\n\n{data['body_text']}", data)


def outbox_retry(args: Namespace, actor: Actor) -> Output:
    message = outbox.retry_message(args.id, actor)
    return Output(f"Message {message.pk} to {message.recipient} will be sent again by the worker.",
                  outbox.message_row(message))


def register(tree: CommandTree) -> None:
    """The worker that delivers the outbox and runs the periodic passes, and the outbox itself."""
    tree.leaf(tree.top, "worker", worker, "deliver the outbox and run the periodic passes until SIGTERM or Ctrl-C")
    tree.leaf(tree.top, "tick", tick, "run every periodic pass once (deliver the outbox...), e.g. from cron")
    family = tree.family("outbox", "e-mail notifications waiting, sent or failed (needs IPK Setup)")
    p = tree.leaf(family, "list", outbox_list, "messages of the outbox, newest first")
    p.add_argument("--state", choices=["pending", "sent", "failed"], help="only messages in this state")
    p.add_argument("--partition", help="only messages of this partition")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    p = tree.leaf(family, "show", outbox_show, "one message with what it says")
    p.add_argument("id", type=int, help="the message's number, from `closeloop outbox list`")
    p = tree.leaf(family, "retry", outbox_retry, "send a failed message again")
    p.add_argument("id", type=int, help="the message's number, from `closeloop outbox list --state failed`")
