"""Handlers for `closeloop contact ...`: add, list (search), show, edit, deactivate, reactivate, import."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path
from typing import Any

from closeloop.closure import InvalidInput
from closeloop.contacts import services as contacts
from closeloop.contacts.models import Contact
from closeloop.contacts.present import contact_as_dict
from closeloop.partitions.services import UNSET, partition_for

from .commands import CommandTree, Output

Actor = Any


def _line(contact: Contact) -> str:
    state = "" if contact.active else " [deactivated]"
    return f"#{contact.id} {contact.label}{' - ' + contact.phone if contact.phone else ''}{state}"


def contact_add(args: Namespace, actor: Actor) -> Output:
    contact = contacts.add_contact(partition_for(args.partition, actor), args.name, email=args.email,
                                   phone=args.phone, organisation=args.organisation, actor=actor)
    return Output(f"Contact #{contact.id} {contact.label} added to {contact.partition.name}.",
                  contact_as_dict(contact))


def contact_list(args: Namespace, actor: Actor) -> Output:
    rows = contacts.search_contacts(actor, args.query or "", partition=args.partition,
                                    include_inactive=args.all)[: max(args.limit, 0)]
    data = [contact_as_dict(c) for c in rows]
    return Output("\n".join(_line(c) for c in rows) or "No contacts found.", data)


def contact_show(args: Namespace, actor: Actor) -> Output:
    contact = contacts.get_contact(args.contact_id, actor)
    data = contact_as_dict(contact)
    lines = [f"#{contact.id} {contact.name}{'' if contact.active else ' [deactivated]'}"]
    lines += [f"  {k}: {data[k]}" for k in ("partition", "email", "phone", "organisation") if data[k]]
    return Output("\n".join(lines), data)


def contact_edit(args: Namespace, actor: Actor) -> Output:
    def given(value: str | None) -> Any:
        return UNSET if value is None else value

    contact = contacts.update_contact(args.contact_id, actor, name=given(args.name), email=given(args.email),
                                      phone=given(args.phone), organisation=given(args.organisation))
    return Output(f"Contact {_line(contact)} saved.", contact_as_dict(contact))


def _set_active(args: Namespace, actor: Actor, active: bool) -> Output:
    contact = contacts.set_contact_active(args.contact_id, actor, active)
    return Output(f"Contact #{contact.id} {contact.name} is now {'active' if active else 'deactivated'}.",
                  contact_as_dict(contact))


def contact_deactivate(args: Namespace, actor: Actor) -> Output:
    return _set_active(args, actor, False)


def contact_reactivate(args: Namespace, actor: Actor) -> Output:
    return _set_active(args, actor, True)


def contact_import(args: Namespace, actor: Actor) -> Output:
    partition = partition_for(args.partition, actor)
    try:
        data = Path(args.file).read_bytes()
    except OSError as cannot:
        raise InvalidInput(f"Cannot read {args.file}: {cannot.strerror}", field="file") from None
    added = contacts.import_contacts(partition, contacts.read_csv_upload(data), actor)
    return Output(f"{len(added)} contact(s) imported into {partition.name}.",
                  {"partition": partition.name, "imported": len(added),
                   "contacts": [contact_as_dict(c) for c in added]})


def register(tree: CommandTree) -> None:
    """Contacts: the people who report calls."""
    ct = tree.family("contact", "contacts: the people who report calls")
    p = tree.leaf(ct, "add", contact_add, "add a contact (the Log right in the partition is enough)")
    p.add_argument("name")
    p.add_argument("--partition", help="needed only if you work in several partitions")
    p.add_argument("--email", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--organisation", default="", help="organisation or department")
    p = tree.leaf(ct, "list", contact_list, "list contacts, or search by part of a name or e-mail")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--partition")
    p.add_argument("--all", action="store_true", help="deactivated contacts too")
    p.add_argument("--limit", type=int, default=200)
    p = tree.leaf(ct, "show", contact_show, "show a contact")
    p.add_argument("contact_id", metavar="ID")
    p = tree.leaf(ct, "edit", contact_edit, "change a contact's details")
    p.add_argument("contact_id", metavar="ID")
    for option in ("--name", "--email", "--phone", "--organisation"):
        p.add_argument(option)
    for name, handler, text in (("deactivate", contact_deactivate, "deactivate a contact (IPK Setup right)"),
                                ("reactivate", contact_reactivate, "reactivate a contact (IPK Setup right)")):
        p = tree.leaf(ct, name, handler, text)
        p.add_argument("contact_id", metavar="ID")
    p = tree.leaf(ct, "import", contact_import, "import contacts from a CSV file: all or nothing (IPK Setup right)")
    p.add_argument("file", metavar="FILE.csv", help="columns name,email,phone,organisation with a header row")
    p.add_argument("--partition", help="needed only if you work in several partitions")
