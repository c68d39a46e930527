"""Handlers for `closeloop call edit`, `closeloop priority-matrix ...` and `closeloop category ...`."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from closeloop.calls.editing import edit_call, edited_fields
from closeloop.calls.present import call_as_dict
from closeloop.closure.priority import Impact, Urgency, priority_label
from closeloop.partitions import catalogue
from closeloop.partitions.models import Partition
from closeloop.partitions.services import get_partition, load_directory, partition_for

from .commands import CommandTree, Output

__all__ = ["register", "add_call_edit"]

Actor = Any
# option -> service keyword; "-" clears a category, contact or log group
_EDITS = {"summary": "summary", "description": "description", "type": "call_type", "impact": "impact",
          "urgency": "urgency", "category": "category", "contact": "contact", "log_group": "log_group"}
_CLEARABLE = {"category", "contact", "log_group"}


def call_edit(args: Namespace, actor: Actor) -> Output:
    values: dict[str, Any] = {}
    for option, keyword in _EDITS.items():
        given = getattr(args, option)
        if given is None:
            continue
        values[keyword] = None if option in _CLEARABLE and given.strip() == "-" else given
    call = edit_call(args.ref, actor, expected_version=args.version, **values)
    data = call_as_dict(call, load_directory(call.partition))
    lines = [f"{call.ref} edited (version {call.version}):"]
    for field, (before, after) in edited_fields(call).items():
        lines.append(f"  {field.replace('_', ' ')}: {before!r} -> {after!r}")
    return Output("\n".join(lines), data)


def add_call_edit(tree: CommandTree, calls_family: Any) -> None:
    """`closeloop call edit`, declared under the `call` family."""
    p = tree.leaf(calls_family, "edit", call_edit, "edit an open call (only the options given change)")
    p.add_argument("ref")
    p.add_argument("--summary")
    p.add_argument("--description")
    p.add_argument("--type", help="incident, problem, major_incident, known_error, service_request")
    p.add_argument("--impact", help="high, medium or low (1-3)")
    p.add_argument("--urgency", help="high, medium or low (1-3)")
    p.add_argument("--category", metavar="PATH", help="e.g. 'Hardware > Laptop' (or an id); '-' clears it")
    p.add_argument("--contact", metavar="EMAIL_OR_ID", help="a contact of the partition; '-' clears it")
    p.add_argument("--log-group", metavar="GROUP", help="a group of the partition; '-' clears it")
    p.add_argument("--version", type=int, help="the version you read: refused if someone changed the call since")


def _matrix_output(partition: Partition) -> Output:
    matrix = catalogue.load_matrix(partition)
    lines = [f"Priority matrix of {partition.name} (impact down, urgency across):",
             "  " + " " * 14 + "".join(f"{u.name.title():<14}" for u in Urgency)]
    for i in Impact:
        lines.append(f"  {i.name.title():<14}" + "".join(f"{priority_label(matrix[(i.value, u.value)]):<14}"
                                                        for u in Urgency))
    return Output("\n".join(line.rstrip() for line in lines),
                  {"partition": partition.name, "cells": catalogue.matrix_cells(matrix)})


def matrix_show(args: Namespace, actor: Actor) -> Output:
    return _matrix_output(get_partition(args.partition, actor) if args.partition else partition_for(None, actor))


def matrix_set(args: Namespace, actor: Actor) -> Output:
    partition = get_partition(args.partition, actor) if args.partition else partition_for(None, actor)
    cells = {}
    for item in args.cell:
        key, _, value = item.partition("=")
        cells[key.strip()] = value.strip()
    catalogue.set_priority_matrix(partition, cells, actor, args.change_reason)
    return _matrix_output(partition)


def category_list(args: Namespace, actor: Actor) -> Output:
    partitions = [get_partition(args.partition, actor)] if args.partition else list(
        Partition.objects.visible_to(actor).order_by("name"))
    items, lines = [], []
    for partition in partitions:
        lines.append(f"{partition.name}:")
        for node in catalogue.category_tree(partition):
            flag = "" if node.active else " (deactivated)"
            lines.append(f"  {'  ' * node.depth}{node.category.name}  #{node.category.id}{flag}")
            items.append({"id": node.category.id, "partition": partition.name, "path": node.path,
                          "depth": node.depth, "active": node.active})
    return Output("\n".join(lines), items)


def category_add(args: Namespace, actor: Actor) -> Output:
    partition = get_partition(args.partition, actor) if args.partition else partition_for(None, actor)
    row = catalogue.add_category(partition, args.name, parent=args.parent, actor=actor,
                                 change_reason=args.change_reason or "")
    path = catalogue.category_path(row)
    return Output(f"Category {path} added (#{row.id})", {"id": row.id, "path": path})


def category_rename(args: Namespace, actor: Actor) -> Output:
    row = catalogue.rename_category(args.id, args.name, actor, args.change_reason or "")
    path = catalogue.category_path(row)
    return Output(f"Category #{row.id} is now {path}", {"id": row.id, "path": path})


def category_deactivate(args: Namespace, actor: Actor) -> Output:
    row = catalogue.deactivate_category(args.id, actor, args.change_reason or "", active=args.reactivate)
    path = catalogue.category_path(row)
    state = "reactivated" if args.reactivate else "deactivated"
    return Output(f"Category {path} {state}", {"id": row.id, "path": path, "active": row.active})


def register(tree: CommandTree) -> None:
    """The priority matrix and categories of a partition (changes need IPK Setup)."""
    pm = tree.family("priority-matrix", "a partition's impact × urgency → priority matrix")
    p = tree.leaf(pm, "show", matrix_show, "show the matrix")
    p.add_argument("--partition")
    p = tree.leaf(pm, "set", matrix_set, "set cells of the matrix (IPK Setup)")
    p.add_argument("--partition")
    p.add_argument("cell", nargs="+", metavar="IMPACT,URGENCY=PRIORITY", help="e.g. 1,1=1 2,2=3")
    p.add_argument("--change-reason", required=True)
    cat = tree.family("category", "a partition's call categories (a tree)")
    p = tree.leaf(cat, "list", category_list, "list categories as a tree")
    p.add_argument("--partition")
    p = tree.leaf(cat, "add", category_add, "add a category (IPK Setup)")
    p.add_argument("name")
    p.add_argument("--parent", metavar="PATH_OR_ID", help="e.g. Hardware; default: the top level")
    p.add_argument("--partition")
    p.add_argument("--change-reason")
    p = tree.leaf(cat, "rename", category_rename, "rename a category (IPK Setup)")
    p.add_argument("id", type=int)
    p.add_argument("name")
    p.add_argument("--change-reason")
    p = tree.leaf(cat, "deactivate", category_deactivate, "deactivate a category, or --reactivate it (IPK Setup)")
    p.add_argument("id", type=int)
    p.add_argument("--reactivate", action="store_true")
    p.add_argument("--change-reason")

