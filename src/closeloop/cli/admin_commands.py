"""Handlers for set-up and administration commands (init, demo, serve, partitions, groups, analysts,
settings, reasons, tokens). Each parses nothing itself: it calls one use case and shapes the output."""

from __future__ import annotations

import argparse
import os
import sys
from argparse import Namespace
from typing import Any

from closeloop.accounts import services as accounts
from closeloop.accounts.models import Analyst
from closeloop.calls.preview import preview_closure_settings
from closeloop.closure import InvalidInput, NotAllowed
from closeloop.partitions import lists
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ClosureReason, IpkGroup
from closeloop.partitions.services import UNSET

from .commands import CommandTree, Output

Actor = Analyst | None


def init(args: Namespace, actor: Actor) -> Output:
    from closeloop.desk import init_desk

    result = init_desk(args.admin_password)
    text = "Desk ready: Default partition, roles and administrator in place."
    if result.admin_password:
        text += f"\nAdministrator: {result.admin_username} / {result.admin_password} (shown once)"
    return Output(text, {"admin": result.admin_username, "admin_created": result.admin_created,
                         "admin_password": result.admin_password})


def demo(args: Namespace, actor: Actor) -> Output:
    from closeloop.demo import DEMO_PASSWORD, load_demo

    result = load_demo()
    users = ", ".join(["admin", *result.analysts])
    text = (f"Demo desk loaded: {result.calls} calls." if result.created else "Demo desk already loaded.")
    text += f"\nSign in as any of: {users} - password: {DEMO_PASSWORD}"
    return Output(text, {"created": result.created, "calls": result.calls, "users": ["admin", *result.analysts],
                         "password": DEMO_PASSWORD})


def serve(args: Namespace, actor: Actor) -> Output:
    from django.conf import settings
    from django.core.management import call_command

    if args.workers < 1:
        raise InvalidInput("--workers must be at least 1", field="workers")
    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
    print(f"Closeloop on http://{args.host}:{args.port}/ ({args.workers} workers)", file=sys.stderr)
    sys.stderr.flush()
    # A password check (Argon2id, 19 MiB) allocates in one block: above a fixed 1 MiB threshold glibc maps such
    # blocks and gives them back at once. Left to glibc's sliding threshold, every worker kept each sign-in's
    # 19 MiB for good (docs/deploy.md, "Memory"); an operator's own setting wins.
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(1024 * 1024))
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "closeloop.site.wsgi:application",
                               "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers),
                               "--access-logfile", "-", "--timeout", "60"])
    raise AssertionError("exec does not return")


def partition_add(args: Namespace, actor: Actor) -> Output:
    p = partitions.create_partition(args.name, actor)
    return Output(f"Partition {p.name} added.", {"name": p.name})


def partition_list(args: Namespace, actor: Actor) -> Output:
    names = [p.name for p in partitions.partitions_for(actor)]
    return Output("\n".join(names), names)


def group_add(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    members = [accounts.get_analyst(u, field="member") for u in args.member]
    group = partitions.create_group(partition, args.name, members, actor)
    return Output(f"Group {group.name} added to {partition.name}.",
                  {"partition": partition.name, "name": group.name, "members": args.member})


def _group(args: Namespace, actor: Actor) -> IpkGroup:
    return partitions.get_group(partitions.get_partition(args.partition, actor), args.name)


def group_add_member(args: Namespace, actor: Actor) -> Output:
    group = _group(args, actor)
    partitions.add_group_member(group, accounts.get_analyst(args.user), actor)
    return Output(f"{args.user} added to {group.name}.", {"group": group.name, "member": args.user})


def group_remove_member(args: Namespace, actor: Actor) -> Output:
    group = _group(args, actor)
    moved = partitions.remove_group_member(group, accounts.get_analyst(args.user), actor)
    return Output(f"{args.user} removed from {group.name}; {moved} call(s) re-routed.",
                  {"group": group.name, "removed": args.user, "calls_rerouted": moved})


def group_mailbox(args: Namespace, actor: Actor) -> Output:
    if args.clear == bool(args.address):
        raise InvalidInput("Give the group's mailbox address, or --clear to remove it (not both)", field="mailbox")
    group = partitions.set_group_mailbox(_group(args, actor), "" if args.clear else args.address, actor)
    said = f"Mailbox of {group.name} set to {group.mailbox}." if group.mailbox else \
        f"{group.name} has no mailbox: its notices go to its closers."
    return Output(said, {"group": group.name, "mailbox": group.mailbox or None})


def group_list(args: Namespace, actor: Actor) -> Output:
    data = [{"name": g.name, "active": g.active, "mailbox": g.mailbox or None,
             "members": sorted(m.username for m in g.members.all())}
            for g in lists.groups(actor, args.partition)]
    return Output("\n".join(f"{g['name']}: {', '.join(g['members']) or '(no members)'}"
                            + (f" (mailbox {g['mailbox']})" if g["mailbox"] else "") for g in data), data)


def analyst_add(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    analyst = accounts.add_analyst(
        args.user, partition, accounts.get_ipk_role(args.role),
        groups=[partitions.get_group(partition, g) for g in args.group],
        access_role=accounts.get_access_role(args.access) if args.access else None,
        password=args.password, first_name=args.first_name, last_name=args.last_name, email=args.email,
        actor=actor)
    return Output(f"{analyst.username} works in {partition.name} as {args.role}.",
                  {"username": analyst.username, "partition": partition.name, "role": args.role,
                   "groups": args.group})


def analyst_role(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    analyst = accounts.get_analyst(args.user)
    accounts.set_membership(analyst, partition, accounts.get_ipk_role(args.role), actor)
    return Output(f"{analyst.username} now has role {args.role} in {partition.name}.",
                  {"username": analyst.username, "partition": partition.name, "role": args.role})


def analyst_deactivate(args: Namespace, actor: Actor) -> Output:
    moved = accounts.deactivate_analyst(accounts.get_analyst(args.user), actor)
    return Output(f"{args.user} deactivated; {moved} call(s) re-routed.",
                  {"username": args.user, "active": False, "calls_rerouted": moved})


def analyst_unlock(args: Namespace, actor: Actor) -> Output:
    analyst = accounts.get_analyst(args.user)
    was_locked = accounts.unlock_analyst(analyst, actor)
    text = (f"{analyst.username} may sign in again: lockout lifted." if was_locked
            else f"{analyst.username} was not locked out; their failed sign-ins are forgotten.")
    return Output(text, {"username": analyst.username, "was_locked_out": was_locked, "locked_out": False})


def analyst_list(args: Namespace, actor: Actor) -> Output:
    analysts = list(partitions.colleagues(actor, args.partition).order_by("username"))
    locked = accounts.locked_out_usernames(a.username for a in analysts)
    data = [{"username": a.username, "active": a.is_active, "locked_out": a.username in locked,
             "roles": {m.partition.name: m.ipk_role.name for m in a.memberships.all()}} for a in analysts]
    lines = [f"{d['username']}{'' if d['active'] else ' (deactivated)'}{' (locked out)' if d['locked_out'] else ''}: "
             + ", ".join(f"{p}={r}" for p, r in d["roles"].items()) for d in data]
    return Output("\n".join(lines), data)


def _settings_data(row: Any) -> dict[str, Any]:
    return {"partition": row.partition.name, "version": row.version, **partitions.audited_settings(row)}


def settings_show(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    data = _settings_data(partition.closure_settings)
    return Output("\n".join(f"{k}: {v}" for k, v in data.items()), data)


def settings_set(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    if args.closure_group and args.no_closure_group:
        raise InvalidInput("Give --closure-group or --no-closure-group, not both", field="closure_group")
    group = args.closure_group if args.closure_group else (None if args.no_closure_group else UNSET)
    row = partitions.update_closure_settings(
        partition, args.change_reason, actor,
        closure_method=args.method or UNSET, closure_rule=args.rule or UNSET, closure_group=group,
        require_independent_closer=_flag(args.require_independent_closer),
        allow_designated_closer=_flag(args.allow_designated_closer),
        closure_reason_required=_flag(args.closure_reason_required),
        contact_required=_flag(args.contact_required), acceptance_closes=_flag(args.acceptance_closes),
        acceptance_reason=_acceptance_reason(args),
        resolver_may_close_unresolved=_flag(args.resolver_may_close_unresolved), dry_run=args.dry_run)
    data = _settings_data(row)
    if not args.dry_run:
        return Output(f"Closure settings of {partition.name} saved as version {row.version}.",
                      {**data, "dry_run": False})
    preview = preview_closure_settings(partition, row.as_value())
    text = "\n".join([f"Closure settings of {partition.name} would be accepted (dry run, not saved).",
                      *preview.lines()])
    return Output(text, {**data, "dry_run": True, "preview": preview.as_dict()})


def _acceptance_reason(args: Namespace) -> Any:
    if args.acceptance_reason and args.no_acceptance_reason:
        raise InvalidInput("Give --acceptance-reason or --no-acceptance-reason, not both", field="acceptance_reason")
    return args.acceptance_reason if args.acceptance_reason else (None if args.no_acceptance_reason else UNSET)


def _flag(value: bool | None) -> Any:
    return UNSET if value is None else value


def settings_history(args: Namespace, actor: Actor) -> Output:
    changes = lists.settings_changes(actor, args.partition)
    data = [{"at": c.changed_at.isoformat(), "by": c.changed_by_name, "subject": c.subject,
             "version": c.version, "reason": c.change_reason,
             "diff": {k: {"before": b, "after": a} for k, (b, a) in c.diff.items()}} for c in changes]
    lines = [f"{d['at']} {d['by']} [{d['subject']}] {d['reason']}: "
             + "; ".join(f"{k} {v['before']} -> {v['after']}" for k, v in d["diff"].items()) for d in data]
    return Output("\n".join(lines) or "No changes recorded.", data)


def reason_add(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    reason = partitions.add_closure_reason(partition, args.code, args.label, args.types, actor,
                                           unresolved=args.unresolved)
    kind = " (for Closed/Unresolved calls)" if reason.unresolved else ""
    return Output(f"Closure reason {reason.code} added for {', '.join(sorted(reason.call_types))}{kind}.",
                  {"code": reason.code, "label": reason.label, "types": sorted(reason.call_types),
                   "unresolved": reason.unresolved})


def reason_list(args: Namespace, actor: Actor) -> Output:
    data = [{"code": r.code, "label": r.label, "active": r.active, "types": sorted(r.call_types),
             "unresolved": r.unresolved} for r in lists.closure_reasons(actor, args.partition)]
    return Output("\n".join(f"{d['code']}: {d['label']} ({', '.join(d['types'])})"
                            f"{' [Closed/Unresolved]' if d['unresolved'] else ''}"
                            f"{'' if d['active'] else ' [inactive]'}" for d in data), data)


def _reason_active(args: Namespace, actor: Actor, active: bool) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    reason = ClosureReason.objects.filter(partition=partition, code=args.code).first()
    if reason is None:
        raise InvalidInput(f"No closure reason {args.code!r} in partition {partition.name}", field="code")
    partitions.set_closure_reason(reason, actor, active=active)
    state = "active" if active else "inactive"
    return Output(f"Closure reason {reason.code} is now {state}.", {"code": reason.code, "active": active})


def reason_deactivate(args: Namespace, actor: Actor) -> Output:
    return _reason_active(args, actor, False)


def reason_activate(args: Namespace, actor: Actor) -> Output:
    return _reason_active(args, actor, True)


def _token_owner(actor: Actor) -> Analyst:
    if actor is None:
        raise NotAllowed("API tokens belong to an analyst: run this with --as USERNAME")
    return actor


def token_create(args: Namespace, actor: Actor) -> Output:
    token, key = accounts.create_token(_token_owner(actor), args.name)
    return Output(f"Token #{token.id} ({token.name}) for {token.analyst.username} - copy it now, it is not "
                  f"shown again:\n{key}", {"id": token.id, "name": token.name, "token": key})


def token_revoke(args: Namespace, actor: Actor) -> Output:
    token = accounts.revoke_token(_token_owner(actor), args.token_id)
    return Output(f"Token #{token.id} revoked.", {"id": token.id, "revoked": True})


def token_list(args: Namespace, actor: Actor) -> Output:
    data = [{"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
             "last_used_at": t.last_used_at and t.last_used_at.isoformat(), "revoked": t.revoked_at is not None}
            for t in _token_owner(actor).api_tokens.all()]
    return Output("\n".join(f"#{d['id']} {d['name']} {d['prefix']}…{' (revoked)' if d['revoked'] else ''}"
                            for d in data) or "No tokens.", data)


def register(tree: CommandTree) -> None:
    """Set-up and administration commands."""
    p = tree.leaf(tree.top, "init", init, "create the database, the Default partition, roles and an admin")
    p.add_argument("--admin-password", help="password for the 'admin' user (default: a generated one)")
    tree.leaf(tree.top, "demo", demo, "load a realistic demo desk (does nothing if already loaded)")
    p = tree.leaf(tree.top, "serve", serve, "serve the web app and API with gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)

    part = tree.family("partition", "partitions")
    p = tree.leaf(part, "add", partition_add, "add a partition")
    p.add_argument("name")
    tree.leaf(part, "list", partition_list, "list partitions")

    grp = tree.family("group", "IPK groups")
    p = tree.leaf(grp, "add", group_add, "add an IPK group to a partition")
    p.add_argument("partition")
    p.add_argument("name")
    p.add_argument("--member", action="append", default=[], metavar="USER")
    for name, handler, text in (("add-member", group_add_member, "add an analyst to a group"),
                                ("remove-member", group_remove_member, "remove an analyst from a group")):
        p = tree.leaf(grp, name, handler, text)
        p.add_argument("partition")
        p.add_argument("name")
        p.add_argument("user")
    p = tree.leaf(grp, "mailbox", group_mailbox, "set or clear a group's own mailbox address")
    p.add_argument("partition")
    p.add_argument("name")
    p.add_argument("address", nargs="?", default="")
    p.add_argument("--clear", action="store_true", help="no mailbox: notices go to each of its closers")
    p = tree.leaf(grp, "list", group_list, "list a partition's groups and members")
    p.add_argument("partition")

    ana = tree.family("analyst", "analysts and their roles")
    p = tree.leaf(ana, "add", analyst_add, "add an analyst to a partition (creating them if new)")
    p.add_argument("user")
    p.add_argument("--partition", required=True)
    p.add_argument("--role", required=True, help="IPK security role, e.g. Analyst, Closer, 'Read only'")
    p.add_argument("--group", action="append", default=[])
    p.add_argument("--access", help="General Access role, e.g. Administrator, Standard")
    p.add_argument("--password")
    p.add_argument("--first-name", default="")
    p.add_argument("--last-name", default="")
    p.add_argument("--email", default="")
    p = tree.leaf(ana, "role", analyst_role, "change an analyst's IPK role in a partition")
    p.add_argument("user")
    p.add_argument("--partition", required=True)
    p.add_argument("--role", required=True)
    p = tree.leaf(ana, "deactivate", analyst_deactivate, "deactivate an analyst (re-routes their closures)")
    p.add_argument("user")
    p = tree.leaf(ana, "unlock", analyst_unlock, "let an analyst locked out by failed sign-ins sign in again")
    p.add_argument("user")
    p = tree.leaf(ana, "list", analyst_list, "list analysts (and who is locked out)")
    p.add_argument("--partition")

    st = tree.family("settings", "partition closure settings")
    p = tree.leaf(st, "show", settings_show, "show a partition's closure settings")
    p.add_argument("partition")
    p = tree.leaf(st, "history", settings_history, "show the audited changes of a partition's settings")
    p.add_argument("partition")
    p = tree.leaf(st, "set", settings_set, "change closure settings (needs --change-reason)")
    p.add_argument("partition")
    p.add_argument("--method", choices=["immediate", "comments", "rules"])
    p.add_argument("--rule", choices=["logged_by", "log_group", "closure_group"])
    p.add_argument("--closure-group", metavar="GROUP")
    p.add_argument("--no-closure-group", action="store_true", help="clear the closure group")
    p.add_argument("--acceptance-reason", metavar="CODE",
                   help="closure reason of calls closed on the contact's acceptance")
    p.add_argument("--no-acceptance-reason", action="store_true", help="clear the acceptance reason")
    for flag in ("require-independent-closer", "allow-designated-closer", "closure-reason-required",
                 "contact-required", "acceptance-closes", "resolver-may-close-unresolved"):
        p.add_argument(f"--{flag}", dest=flag.replace("-", "_"), action=argparse.BooleanOptionalAction,
                       default=None)
    p.add_argument("--change-reason", required=True)
    p.add_argument("--dry-run", action="store_true", help="check the settings without saving them")

    rs = tree.family("reason", "closure reasons")
    p = tree.leaf(rs, "add", reason_add, "add a closure reason linked to call types")
    p.add_argument("partition")
    p.add_argument("code")
    p.add_argument("label")
    p.add_argument("--type", action="append", default=[], required=True, dest="types")
    p.add_argument("--unresolved", action="store_true",
                   help="a reason for Closed/Unresolved calls (cancelled, duplicate, no response)")
    p = tree.leaf(rs, "list", reason_list, "list a partition's closure reasons")
    p.add_argument("partition")
    for name, handler in (("deactivate", reason_deactivate), ("activate", reason_activate)):
        p = tree.leaf(rs, name, handler, f"{name} a closure reason")
        p.add_argument("partition")
        p.add_argument("code")

    tk = tree.family("token", "personal API tokens")
    p = tree.leaf(tk, "create", token_create, "create an API token for the --as analyst (shown once)")
    p.add_argument("--name", default="API token")
    p = tree.leaf(tk, "revoke", token_revoke, "revoke one of the --as analyst's tokens")
    p.add_argument("token_id", type=int)
    tree.leaf(tk, "list", token_list, "list the --as analyst's tokens")

