"""`closeloop notifications show/set`: which e-mails an analyst wants (the same kinds as the web and the API)."""

from __future__ import annotations

from argparse import Namespace

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import get_analyst
from closeloop.closure import InvalidInput
from closeloop.closure.notices import ANALYST_KINDS
from closeloop.notifications.preferences import (
    Preference,
    notification_preferences,
    set_notification_preferences,
)

from .commands import CommandTree, Output

__all__ = ["register"]

Actor = Analyst | None


def _analyst(args: Namespace, actor: Actor) -> Analyst:
    if args.analyst:
        return get_analyst(args.analyst, field="analyst")
    if actor is None:
        raise InvalidInput("Name the analyst: --analyst USERNAME (or act as them with --as USERNAME)",
                           field="analyst")
    return actor


def _output(analyst: Analyst, preferences: list[Preference]) -> Output:
    width = max(len(k.value) for k in ANALYST_KINDS)
    lines = [f"E-mails for {analyst.username}" + ("" if analyst.email else " (no e-mail address: none is sent)")]
    lines += [f"  {p.kind.value:<{width}}  {'on ' if p.enabled else 'off'}  {p.label}" for p in preferences]
    data = {"analyst": analyst.username, "email": analyst.email,
            "preferences": [{"kind": p.kind.value, "label": p.label, "enabled": p.enabled} for p in preferences]}
    return Output("\n".join(lines), data)


def notifications_show(args: Namespace, actor: Actor) -> Output:
    analyst = _analyst(args, actor)
    return _output(analyst, notification_preferences(analyst))


def notifications_set(args: Namespace, actor: Actor) -> Output:
    analyst = _analyst(args, actor)
    return _output(analyst, set_notification_preferences(analyst, {args.kind: args.state == "on"}, actor=actor))


def register(tree: CommandTree) -> None:
    """Notification preferences."""
    kinds = ", ".join(k.value for k in ANALYST_KINDS)
    fam = tree.family("notifications", "the e-mails an analyst wants")
    p = tree.leaf(fam, "show", notifications_show, "show which e-mails an analyst gets")
    p.add_argument("--analyst", metavar="USERNAME", help="whose (default: the --as analyst)")
    p = tree.leaf(fam, "set", notifications_set,
                  "turn one kind of e-mail on or off (your own; anyone's with the Security Admin right)")
    p.add_argument("kind", help=f"one of: {kinds}")
    p.add_argument("state", choices=["on", "off"])
    p.add_argument("--analyst", metavar="USERNAME", help="whose (default: the --as analyst)")
