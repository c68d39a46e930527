"""Handlers for `closeloop call ...` and `closeloop outstanding`."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.calls.present import call_as_dict, duplicate_refs, event_as_dict
from closeloop.calls.queries import QUEUES, age_of, outstanding_calls, outstanding_summary
from closeloop.calls.unresolved import close_unresolved_call
from closeloop.calls.wording import action_words, details_text
from closeloop.closure import NotAllowed, Status
from closeloop.closure.priority import priority_label
from closeloop.contacts.services import find_contact
from closeloop.partitions.services import UNSET, get_colleague, get_group, get_partition, load_directory, partition_for

from .catalogue_commands import add_call_edit
from .commands import CommandTree, Output
from .note_commands import register_call_commands as register_note_commands
from .search_commands import register_call_list

Actor = Any


def _analyst(actor: Actor, name: str | None, field: str) -> Any:
    return get_colleague(actor, name, field=field) if name else None


def _result(call: Call, verb: str) -> Output:
    data = call_as_dict(call, load_directory(call.partition))  # as the action left it: no re-read
    where = ""
    if data["closure_target_analyst"] and call.in_closure_stage:
        where = f" -> {data['closure_target_analyst']}"
    elif data["closure_target_group"] and call.in_closure_stage:
        where = f" -> group {data['closure_target_group']}"
    return Output(f"{call.ref} {verb}: {data['status_label']}{where}", data)


def call_log(args: Namespace, actor: Actor) -> Output:
    partition = partition_for(args.partition, actor)
    call = calls.log_call(
        partition, args.type, args.summary, description=args.description,
        priority=args.priority if args.priority is not None else UNSET, impact=args.impact, urgency=args.urgency,
        category=args.category,
        log_group=get_group(partition, args.group, field="group") if args.group else None,
        assigned_group=get_group(partition, args.assign_group, field="assign_group") if args.assign_group else None,
        assigned_analyst=_analyst(actor, args.assign_analyst, "assign_analyst"), actor=actor,
        contact=find_contact(partition, args.contact) if args.contact else None)
    return _result(call, "logged")


def call_assign(args: Namespace, actor: Actor) -> Output:
    call = calls.assign_call(args.ref, actor, group=args.group,
                             analyst=_analyst(actor, args.analyst, "analyst"))
    return _result(call, "assigned")


def call_hold(args: Namespace, actor: Actor) -> Output:
    return _result(calls.hold_call(args.ref, actor, args.reason), "put on hold")


def call_resume(args: Namespace, actor: Actor) -> Output:
    return _result(calls.resume_call(args.ref, actor, args.reason), "resumed")


def call_resolve(args: Namespace, actor: Actor) -> Output:
    call = calls.resolve_call(args.ref, actor, args.resolution, closer=_analyst(actor, args.closer, "closer"),
                              closer_group=args.closer_group,
                              reason=args.reason, comments=args.comments)
    return _result(call, "resolved")


def call_take(args: Namespace, actor: Actor) -> Output:
    return _result(calls.take_call(args.ref, actor, note=args.note), "taken")


def call_forward(args: Namespace, actor: Actor) -> Output:
    call = calls.forward_call(args.ref, actor, args.reason, to_analyst=_analyst(actor, args.to_analyst, "to_analyst"),
                              to_group=args.to_group)
    return _result(call, "forwarded")


def call_close(args: Namespace, actor: Actor) -> Output:
    return _result(calls.close_call(args.ref, actor, args.comments, reason=args.reason, ticked=args.tick),
                   "closed")


def call_close_unresolved(args: Namespace, actor: Actor) -> Output:
    call = close_unresolved_call(args.ref, actor, args.kind, reason=args.reason, comments=args.comments,
                                 duplicate_of=args.duplicate_of)
    result = _result(call, "closed")
    return Output(f"{call.ref} closed: {call.status_headline}", result.data)


def call_reject(args: Namespace, actor: Actor) -> Output:
    return _result(calls.reject_resolution(args.ref, actor, args.reason, category=args.category),
                   "resolution rejected")


def call_show(args: Namespace, actor: Actor) -> Output:
    call = calls.get_call(args.ref, actor)
    data = call_as_dict(call)
    data["duplicates"] = duplicate_refs(call)
    data["history"] = [event_as_dict(e) for e in call.events.select_related("actor")]
    lines = [f"{call.ref} [{data['type_label']}] {priority_label(call.priority)} {call.status_headline} - "
             f"{call.summary}"]
    if contact := data["contact"]:
        lines.append("  contact: " + ", ".join(x for x in (contact["name"], contact["email"], contact["phone"],
                                                         contact["organisation"]) if x))
    for key in ("partition", "category", "logged_by", "log_group", "assigned_group", "assigned_analyst", "resolution",
                "resolved_by", "closure_target_analyst", "closure_target_group", "closure_reason",
                "closure_comments", "closed_by", "times_rejected", "user_confirmed_at", "times_refused",
                "duplicates"):
        if data[key] not in (None, "", 0, []):
            shown = ", ".join(data[key]) if isinstance(data[key], list) else data[key]
            lines.append(f"  {key.replace('_', ' ')}: {shown}")
    lines.append("  history:")
    for e in data["history"]:
        move = f"{Status(e['from_status']).label if e['from_status'] else '-'} -> {Status(e['to_status']).label}"
        lines.append(f"    {e['at'][:16]} {e['actor']}: {action_words(e['action'])} ({move}) {e['note']}".rstrip())
        if e["details"]:
            lines.append(f"      {details_text(e['details'])}")
    return Output("\n".join(lines), data)


def _came_back(call: dict[str, Any]) -> str:
    """What Calls Outstanding's badges say, for the terminal: " [rejected ×2, refused by contact]"."""
    marks = [f"rejected ×{call['times_rejected']}"] if call["times_rejected"] else []
    if call["times_refused"]:
        marks.append("refused by contact" + (f" ×{call['times_refused']}" if call["times_refused"] > 1 else ""))
    return f" [{', '.join(marks)}]" if marks else ""


def outstanding(args: Namespace, actor: Actor) -> Output:
    if actor is None:
        raise NotAllowed("Calls Outstanding is an analyst's own queue: run it with --as USERNAME")
    partition_id = get_partition(args.partition, actor).id if args.partition else None
    summary = outstanding_summary(actor, partition_id)
    rows = outstanding_calls(actor, args.queue, partition_id).order_by("logged_at")[: max(args.limit, 0)]
    items = [{**call_as_dict(c), "age_hours": round(age_of(c).total_seconds() / 3600, 1)} for c in rows]
    lines = [f"Calls Outstanding for {actor.username}: {summary.total}"]
    lines += [f"  {QUEUES[k]}: {v}" for k, v in summary.queues.items()]
    lines += [f"  {c['ref']:<11} {c['status_label']:<25} {priority_label(c['priority']):<12} {c['summary']}"
              f"{_came_back(c)}" for c in items]
    return Output("\n".join(lines), {**summary.as_dict(), "calls": items})


def register(tree: CommandTree) -> None:
    """Call commands and Calls Outstanding."""
    cl = tree.family("call", "calls")
    p = tree.leaf(cl, "log", call_log, "log a call")
    p.add_argument("--partition", help="needed only if you work in several partitions")
    p.add_argument("--type", required=True, help="incident, problem, major_incident, known_error, "
                   "service_request")
    p.add_argument("--summary", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--priority", help="1 (highest) to 4; default: read off the matrix from impact and urgency")
    p.add_argument("--impact", help="high, medium (default) or low")
    p.add_argument("--urgency", help="high, medium (default) or low")
    p.add_argument("--category", metavar="PATH", help="e.g. 'Hardware > Laptop' (see 'closeloop category list')")
    p.add_argument("--group", help="the log group (one of your groups)")
    p.add_argument("--assign-group")
    p.add_argument("--assign-analyst")
    p.add_argument("--contact", metavar="EMAIL_OR_ID", help="who reported it: a contact's e-mail address or id "
                   "(see 'closeloop contact list')")
    p = tree.leaf(cl, "assign", call_assign, "assign a call to a group and/or an analyst")
    p.add_argument("ref")
    p.add_argument("--group")
    p.add_argument("--analyst")
    for name, handler in (("hold", call_hold), ("resume", call_resume)):
        p = tree.leaf(cl, name, handler, f"{name} a call")
        p.add_argument("ref")
        p.add_argument("--reason", default="")
    p = tree.leaf(cl, "resolve", call_resolve, "resolve a call (it goes to its validator)")
    p.add_argument("ref")
    p.add_argument("--resolution", required=True)
    target = p.add_mutually_exclusive_group()
    target.add_argument("--closer", metavar="USER", help="closing analyst")
    target.add_argument("--closer-group", metavar="GROUP", help="closing group (method comments)")
    p.add_argument("--reason", help="closure reason code (method immediate)")
    p.add_argument("--comments", help="closure comments (method immediate; default: the resolution)")
    p = tree.leaf(cl, "take", call_take, "take a call Forward for Closure to your group")
    p.add_argument("ref")
    p.add_argument("--note", default="", help="why you take it (kept in the work log)")
    p = tree.leaf(cl, "forward", call_forward, "re-forward a call for closure")
    p.add_argument("ref")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to-analyst", metavar="USER")
    target.add_argument("--to-group", metavar="GROUP")
    p.add_argument("--reason", required=True)
    p = tree.leaf(cl, "close", call_close, "validate and close a resolved call")
    p.add_argument("ref")
    p.add_argument("--comments", required=True)
    p.add_argument("--reason", help="closure reason code")
    p.add_argument("--tick", action="append", type=int, default=[], metavar="ITEM_ID",
                   help="closure checklist item ticked (repeat)")
    p = tree.leaf(cl, "reject", call_reject, "reject a resolution: back to the resolver")
    p.add_argument("ref")
    p.add_argument("--reason", required=True)
    p.add_argument("--category", help="rejection category code")
    p = tree.leaf(cl, "close-unresolved", call_close_unresolved,
                  "close a call without a resolution (Closed/Unresolved)")
    p.add_argument("ref")
    p.add_argument("--kind", required=True, choices=["cancelled", "duplicate", "no_response"],
                   help="cancelled (logged in error), duplicate (of --duplicate-of) or no_response (from the user)")
    p.add_argument("--reason", help="closure reason code for unresolved calls")
    p.add_argument("--comments", required=True)
    p.add_argument("--duplicate-of", metavar="REF", help="the call this one duplicates (kind duplicate)")
    add_call_edit(tree, cl)
    p = tree.leaf(cl, "show", call_show, "show a call and its history")
    p.add_argument("ref")
    register_note_commands(tree, cl)
    register_call_list(tree, cl)

    p = tree.leaf(tree.top, "outstanding", outstanding, "your Calls Outstanding (needs --as)")
    p.add_argument("--queue", choices=["mine", "groups", "to_me", "for_closure"])
    p.add_argument("--partition")
    p.add_argument("--limit", type=int, default=50)
