"""The command-line surface: every sub-command, its options, and which handler runs it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Output", "build_parser", "resolve_actor"]


@dataclass
class Output:
    """What a command prints: a sentence for people, data for --json."""

    text: str
    data: Any


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


def build_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from . import admin_commands as adm
    from . import call_commands as cc

    common = _common()
    parser = parser_class(prog="closeloop", description="Closeloop service desk: two-part call close.",
                          parents=[common])
    top = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=parser_class)

    def leaf(group: Any, name: str, handler: Callable[..., Any], help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text,
                                                        parents=[common])
        sub.set_defaults(handler=handler)
        return sub

    def family(name: str, help_text: str) -> Any:
        return top.add_parser(name, help=help_text, parents=[common]).add_subparsers(
            title="sub-commands", metavar="ACTION", parser_class=parser_class)

    p = leaf(top, "init", adm.init, "create the database, the Default partition, roles and an admin")
    p.add_argument("--admin-password", help="password for the 'admin' user (default: a generated one)")
    leaf(top, "demo", adm.demo, "load a realistic demo desk (does nothing if already loaded)")
    p = leaf(top, "serve", adm.serve, "serve the web app and API with gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)

    part = family("partition", "partitions")
    p = leaf(part, "add", adm.partition_add, "add a partition")
    p.add_argument("name")
    leaf(part, "list", adm.partition_list, "list partitions")

    grp = family("group", "IPK groups")
    p = leaf(grp, "add", adm.group_add, "add an IPK group to a partition")
    p.add_argument("partition")
    p.add_argument("name")
    p.add_argument("--member", action="append", default=[], metavar="USER")
    for name, handler, text in (("add-member", adm.group_add_member, "add an analyst to a group"),
                                ("remove-member", adm.group_remove_member, "remove an analyst from a group")):
        p = leaf(grp, name, handler, text)
        p.add_argument("partition")
        p.add_argument("name")
        p.add_argument("user")
    p = leaf(grp, "list", adm.group_list, "list a partition's groups and members")
    p.add_argument("partition")

    ana = family("analyst", "analysts and their roles")
    p = leaf(ana, "add", adm.analyst_add, "add an analyst to a partition (creating them if new)")
    p.add_argument("user")
    p.add_argument("--partition", required=True)
    p.add_argument("--role", required=True, help="IPK security role, e.g. Analyst, Closer, 'Read only'")
    p.add_argument("--group", action="append", default=[])
    p.add_argument("--access", help="General Access role, e.g. Administrator, Standard")
    p.add_argument("--password")
    p.add_argument("--first-name", default="")
    p.add_argument("--last-name", default="")
    p.add_argument("--email", default="")
    p = leaf(ana, "role", adm.analyst_role, "change an analyst's IPK role in a partition")
    p.add_argument("user")
    p.add_argument("--partition", required=True)
    p.add_argument("--role", required=True)
    p = leaf(ana, "deactivate", adm.analyst_deactivate, "deactivate an analyst (re-routes their closures)")
    p.add_argument("user")
    p = leaf(ana, "list", adm.analyst_list, "list analysts")
    p.add_argument("--partition")

    st = family("settings", "partition closure settings")
    p = leaf(st, "show", adm.settings_show, "show a partition's closure settings")
    p.add_argument("partition")
    p = leaf(st, "history", adm.settings_history, "show the audited changes of a partition's settings")
    p.add_argument("partition")
    p = leaf(st, "set", adm.settings_set, "change closure settings (needs --change-reason)")
    p.add_argument("partition")
    p.add_argument("--method", choices=["immediate", "comments", "rules"])
    p.add_argument("--rule", choices=["logged_by", "log_group", "closure_group"])
    p.add_argument("--closure-group", metavar="GROUP")
    p.add_argument("--no-closure-group", action="store_true", help="clear the closure group")
    for flag in ("require-independent-closer", "allow-designated-closer", "closure-reason-required"):
        p.add_argument(f"--{flag}", dest=flag.replace("-", "_"), action=argparse.BooleanOptionalAction,
                       default=None)
    p.add_argument("--change-reason", required=True)
    p.add_argument("--dry-run", action="store_true", help="check the settings without saving them")

    rs = family("reason", "closure reasons")
    p = leaf(rs, "add", adm.reason_add, "add a closure reason linked to call types")
    p.add_argument("partition")
    p.add_argument("code")
    p.add_argument("label")
    p.add_argument("--type", action="append", default=[], required=True, dest="types")
    p = leaf(rs, "list", adm.reason_list, "list a partition's closure reasons")
    p.add_argument("partition")
    for name, handler in (("deactivate", adm.reason_deactivate), ("activate", adm.reason_activate)):
        p = leaf(rs, name, handler, f"{name} a closure reason")
        p.add_argument("partition")
        p.add_argument("code")

    tk = family("token", "personal API tokens")
    p = leaf(tk, "create", adm.token_create, "create an API token for the --as analyst (shown once)")
    p.add_argument("--name", default="API token")
    p = leaf(tk, "revoke", adm.token_revoke, "revoke one of the --as analyst's tokens")
    p.add_argument("token_id", type=int)
    leaf(tk, "list", adm.token_list, "list the --as analyst's tokens")

    cl = family("call", "calls")
    p = leaf(cl, "log", cc.call_log, "log a call")
    p.add_argument("--partition", required=True)
    p.add_argument("--type", required=True, help="incident, problem, major_incident, known_error, "
                   "service_request")
    p.add_argument("--summary", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--priority", default="3", help="1 (highest) to 4")
    p.add_argument("--group", help="the log group (one of your groups)")
    p.add_argument("--assign-group")
    p.add_argument("--assign-analyst")
    p = leaf(cl, "assign", cc.call_assign, "assign a call to a group and/or an analyst")
    p.add_argument("ref")
    p.add_argument("--group")
    p.add_argument("--analyst")
    for name, handler in (("hold", cc.call_hold), ("resume", cc.call_resume)):
        p = leaf(cl, name, handler, f"{name} a call")
        p.add_argument("ref")
        p.add_argument("--reason", default="")
    p = leaf(cl, "resolve", cc.call_resolve, "resolve a call (it goes to its validator)")
    p.add_argument("ref")
    p.add_argument("--resolution", required=True)
    target = p.add_mutually_exclusive_group()
    target.add_argument("--closer", metavar="USER", help="closing analyst")
    target.add_argument("--closer-group", metavar="GROUP", help="closing group (method comments)")
    p.add_argument("--reason", help="closure reason code (method immediate)")
    p.add_argument("--comments", help="closure comments (method immediate; default: the resolution)")
    p = leaf(cl, "take", cc.call_take, "take a call Forward for Closure to your group")
    p.add_argument("ref")
    p = leaf(cl, "forward", cc.call_forward, "re-forward a call for closure")
    p.add_argument("ref")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to-analyst", metavar="USER")
    target.add_argument("--to-group", metavar="GROUP")
    p.add_argument("--reason", required=True)
    p = leaf(cl, "close", cc.call_close, "validate and close a resolved call")
    p.add_argument("ref")
    p.add_argument("--comments", required=True)
    p.add_argument("--reason", help="closure reason code")
    p.add_argument("--tick", action="append", type=int, default=[], metavar="ITEM_ID",
                   help="closure checklist item ticked (repeat)")
    p = leaf(cl, "reject", cc.call_reject, "reject a resolution: back to the resolver")
    p.add_argument("ref")
    p.add_argument("--reason", required=True)
    p.add_argument("--category", help="rejection category code")
    p = leaf(cl, "show", cc.call_show, "show a call and its history")
    p.add_argument("ref")

    p = leaf(top, "outstanding", cc.outstanding, "your Calls Outstanding (needs --as)")
    p.add_argument("--queue", choices=["mine", "groups", "to_me", "for_closure"])
    p.add_argument("--partition")
    p.add_argument("--limit", type=int, default=50)
    return parser
