"""Handlers for the reports and closure-quality commands: `report`, `report-rollups`, `raise-problem`,
`checklist` and `rejection-category`. Each calls one use case and shapes its result; the figures come from the same
report functions as the web pages and the API."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from closeloop.accounts.models import Analyst
from closeloop.partitions import quality
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ChecklistItem, RejectionCategory
from closeloop.partitions.services import UNSET
from closeloop.reports.base import Report
from closeloop.reports.export import report_csv
from closeloop.reports.services import REPORTS, raise_problem, rebuild_report_rollups, run_report

from .commands import CommandTree, Output

Actor = Analyst | None


def _text_table(report: Report) -> str:
    """The report as aligned plain-text columns, for people at a terminal."""
    header = [c.label for c in report.columns]
    body = [["" if row.get(c.key) is None else str(row.get(c.key)) for c in report.columns] for row in report.rows]
    widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]
    lines = [f"{report.title} - {report.partition}, {report.period.start} to {report.period.end}"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.extend("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in body)
    if not body:
        lines.append("(no calls in this period)")
    return "\n".join(lines)


def report(args: Namespace, actor: Actor) -> Output:
    result = run_report(args.name, args.partition, actor, args.start, args.end)
    text = report_csv(result).rstrip("\n") if args.csv else _text_table(result)
    return Output(text, result.as_dict())


def rollups_rebuild(args: Namespace, actor: Actor) -> Output:
    days = rebuild_report_rollups(actor)
    return Output(f"Report roll-ups rebuilt: {days['call_flow_days']} call-flow days, {days['decision_days']} "
                  f"decision days, {days['closed_call_days']} closed-call days, {days['closure_sla_days']} "
                  "closure SLA days", days)


def problem_raise(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    problem = raise_problem(partition, args.refs, args.summary, actor, description=args.description,
                            group=args.group)
    refs = [c.ref for c in problem.linked_calls.order_by("ref")]
    group = problem.assigned_group.name if problem.assigned_group else None
    return Output(f"Problem {problem.ref} raised, assigned to {group} and linked to {', '.join(refs)}.",
                  {"problem": problem.ref, "group": group, "calls": refs})


def _item_dict(item: ChecklistItem, place: int) -> dict[str, Any]:
    return {"id": item.id, "position": place, "text": item.text, "required": item.required, "active": item.active,
            "answered_by_contact": item.answered_by_contact}


def _checklist_output(partition_name: str, items: list[ChecklistItem], headline: str = "") -> Output:
    data = [_item_dict(item, place) for place, item in enumerate(items, start=1)]
    lines = [headline] if headline else []
    lines += [f"{d['position']}. [#{d['id']}] {d['text']}{'' if d['required'] else ' (optional)'}"
              f"{' (answered by the contact)' if d['answered_by_contact'] else ''}"
              f"{'' if d['active'] else ' (inactive)'}" for d in data]
    return Output("\n".join(lines) or f"The checklist of {partition_name} is empty.", data)


def checklist_list(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    return _checklist_output(partition.name, quality.checklist(partition, include_inactive=args.all))


def checklist_add(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    item = quality.add_checklist_item(partition, args.text, args.change_reason, actor, required=not args.optional,
                                      answered_by_contact=args.answered_by_contact)
    return Output(f"Checklist item #{item.id} added to {partition.name}: {item.text}",
                  _item_dict(item, item.position + 1))


def checklist_edit(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    item = quality.get_checklist_item(partition, args.item)
    required = UNSET if args.required is None else args.required
    by_contact = UNSET if args.answered_by_contact is None else args.answered_by_contact
    item = quality.set_checklist_item(item, args.change_reason, actor, text=args.text or UNSET, required=required,
                                      answered_by_contact=by_contact)
    return Output(f"Checklist item #{item.id} is now: {item.text}{'' if item.required else ' (optional)'}",
                  _item_dict(item, item.position + 1))


def _checklist_active(args: Namespace, actor: Actor, active: bool) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    item = quality.set_checklist_item(quality.get_checklist_item(partition, args.item), args.change_reason, actor,
                                      active=active)
    return Output(f"Checklist item #{item.id} is now {'active' if active else 'inactive'}.",
                  _item_dict(item, item.position + 1))


def checklist_deactivate(args: Namespace, actor: Actor) -> Output:
    return _checklist_active(args, actor, False)


def checklist_activate(args: Namespace, actor: Actor) -> Output:
    return _checklist_active(args, actor, True)


def checklist_move(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    items = quality.move_checklist_item(quality.get_checklist_item(partition, args.item), args.position,
                                        args.change_reason, actor)
    return _checklist_output(partition.name, items, f"Checklist of {partition.name}:")


def _category_dict(category: RejectionCategory) -> dict[str, Any]:
    return {"code": category.code, "label": category.label, "active": category.active}


def category_list(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    data = [_category_dict(c) for c in quality.rejection_categories(partition, include_inactive=args.all)]
    text = "\n".join(f"{d['code']}: {d['label']}{'' if d['active'] else ' (inactive)'}" for d in data)
    return Output(text or f"Partition {partition.name} has no rejection categories.", data)


def category_add(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    category = quality.add_rejection_category(partition, args.code, args.label, args.change_reason, actor)
    return Output(f"Rejection category {category.code} added to {partition.name}.", _category_dict(category))


def category_edit(args: Namespace, actor: Actor) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    category = quality.set_rejection_category(quality.get_rejection_category(partition, args.code),
                                              args.change_reason, actor, label=args.label)
    return Output(f"Rejection category {category.code} is now labelled {category.label!r}.", _category_dict(category))


def _category_active(args: Namespace, actor: Actor, active: bool) -> Output:
    partition = partitions.get_partition(args.partition, actor)
    category = quality.set_rejection_category(quality.get_rejection_category(partition, args.code),
                                              args.change_reason, actor, active=active)
    return Output(f"Rejection category {category.code} is now {'active' if active else 'inactive'}.",
                  _category_dict(category))


def category_deactivate(args: Namespace, actor: Actor) -> Output:
    return _category_active(args, actor, False)


def category_activate(args: Namespace, actor: Actor) -> Output:
    return _category_active(args, actor, True)


def register(tree: CommandTree) -> None:
    """Reports and closure-quality commands."""
    p = tree.leaf(tree.top, "report", report, "a report for a partition and period (table, --csv or --json)")
    p.add_argument("name", metavar="NAME", help="one of: " + ", ".join(REPORTS))
    p.add_argument("--partition", required=True)
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (default: 8 weeks ago)")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, included (default: today)")
    p.add_argument("--csv", action="store_true", help="print the table as CSV")
    fam = tree.family("report-rollups", "the daily roll-ups the reports read")
    tree.leaf(fam, "rebuild", rollups_rebuild,
              "rebuild them from every call (after loading calls past the services, or to repair them)")

    p = tree.leaf(tree.top, "raise-problem", problem_raise,
                  "log a Problem for a recurring issue and link its calls to it (closers)")
    p.add_argument("refs", nargs="+", metavar="REF", help="the calls of the recurring issue")
    p.add_argument("--partition", required=True)
    p.add_argument("--summary", required=True, help="the Problem's summary")
    p.add_argument("--description", default="")
    p.add_argument("--group", default=None, help="the IPK group that works the Problem (default: your own group)")

    ck = tree.family("checklist", "the closure checklist closers tick before closing")
    p = tree.leaf(ck, "list", checklist_list, "list a partition's checklist in order")
    p.add_argument("partition")
    p.add_argument("--all", action="store_true", help="include inactive items")
    p = tree.leaf(ck, "add", checklist_add, "add an item at the end of the checklist")
    p.add_argument("partition")
    p.add_argument("text")
    p.add_argument("--optional", action="store_true", help="closers may leave it unticked")
    p.add_argument("--answered-by-contact", action="store_true",
                   help="ticked for the closer when the contact accepts the resolution")
    p.add_argument("--change-reason", required=True)
    p = tree.leaf(ck, "edit", checklist_edit, "reword an item or make it required/optional")
    p.add_argument("partition")
    p.add_argument("item", help="the item's number (#N in checklist list)")
    p.add_argument("--text")
    p.add_argument("--required", dest="required", action="store_true", default=None)
    p.add_argument("--optional", dest="required", action="store_false")
    p.add_argument("--answered-by-contact", dest="answered_by_contact", action="store_true", default=None,
                   help="ticked for the closer when the contact accepts the resolution")
    p.add_argument("--answered-by-closer", dest="answered_by_contact", action="store_false",
                   help="the closer ticks it themselves")
    p.add_argument("--change-reason", required=True)
    p = tree.leaf(ck, "move", checklist_move, "move an item to a new place (1 = first)")
    p.add_argument("partition")
    p.add_argument("item")
    p.add_argument("position")
    p.add_argument("--change-reason", required=True)
    for name, handler in (("deactivate", checklist_deactivate), ("activate", checklist_activate)):
        p = tree.leaf(ck, name, handler, f"{name} a checklist item")
        p.add_argument("partition")
        p.add_argument("item")
        p.add_argument("--change-reason", required=True)

    rc = tree.family("rejection-category", "categories a closer picks when rejecting a resolution")
    p = tree.leaf(rc, "list", category_list, "list a partition's rejection categories")
    p.add_argument("partition")
    p.add_argument("--all", action="store_true", help="include inactive categories")
    p = tree.leaf(rc, "add", category_add, "add a rejection category")
    p.add_argument("partition")
    p.add_argument("code")
    p.add_argument("label")
    p.add_argument("--change-reason", required=True)
    p = tree.leaf(rc, "edit", category_edit, "relabel a rejection category")
    p.add_argument("partition")
    p.add_argument("code")
    p.add_argument("--label", required=True)
    p.add_argument("--change-reason", required=True)
    for name, handler in (("deactivate", category_deactivate), ("activate", category_activate)):
        p = tree.leaf(rc, name, handler, f"{name} a rejection category")
        p.add_argument("partition")
        p.add_argument("code")
        p.add_argument("--change-reason", required=True)
