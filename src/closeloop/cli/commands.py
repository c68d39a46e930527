"""The command-line surface: every sub-command, its options, and which handler runs it."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Output", "CommandTree", "COMMAND_MODULES", "build_parser", "resolve_actor"]


@dataclass
class Output:
    """What a command prints: a sentence for people, data for --json."""

    text: str
    data: Any
    exit_code: int = 0  # non-zero: the command ran, but what it reports is a failure (e.g. `tick`)


def resolve_actor(username: str | None) -> Any:
    """--as USER: act as that analyst with their rights; without it, the system operator (None)."""
    if not username:
        return None
    from closeloop.accounts.services import get_analyst
    from closeloop.closure import NotAllowed

    analyst = get_analyst(username, field="as")
    if not analyst.is_active:
        raise NotAllowed(f"{username} is deactivated and cannot act")
    return analyst


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output on stdout (errors as JSON on stderr)")
    common.add_argument("--as", dest="as_user", metavar="USERNAME", default=argparse.SUPPRESS,
                        help="act as this analyst, with their rights (default: the system operator)")
    return common


class CommandTree:
    """Helps each area of the CLI declare its commands: `family` for a noun, `leaf` for a verb."""

    def __init__(self, parser_class: type[argparse.ArgumentParser]) -> None:
        self.common = _common()
        self.parser = parser_class(prog="closeloop", parents=[self.common],
                                   description="Closeloop service desk: two-part call close.")
        self.parser_class = parser_class
        self.top = self.parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=parser_class)
        self.families: dict[str, Any] = {}  # a noun declared again (by another module) gets its verbs added

    def leaf(self, group: Any, name: str, handler: Callable[..., Any], help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text,
                                                        parents=[self.common])
        sub.set_defaults(handler=handler)
        return sub

    def family(self, name: str, help_text: str) -> Any:
        if name not in self.families:
            self.families[name] = self.top.add_parser(name, help=help_text, parents=[self.common]).add_subparsers(
                title="sub-commands", metavar="ACTION", parser_class=self.parser_class)
        return self.families[name]


# Each module declares its commands in a `register(tree)` function.
COMMAND_MODULES = [
    "closeloop.cli.admin_commands",
    "closeloop.cli.call_commands",
    "closeloop.cli.report_commands",
    "closeloop.cli.ops_commands",
    "closeloop.cli.contact_commands",
    "closeloop.cli.worker_commands",
    "closeloop.cli.notification_commands",
    "closeloop.cli.autoclose_commands",
    "closeloop.cli.bulk_commands",
    "closeloop.cli.catalogue_commands",
    "closeloop.cli.note_commands",
    "closeloop.cli.search_commands",
    "closeloop.cli.closure_sla_commands",
    "closeloop.cli.sampling_commands",
]


def build_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    tree = CommandTree(parser_class)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(tree)
    return tree.parser
