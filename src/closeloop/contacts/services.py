"""Use cases for contacts, the end users who report calls: add, edit, deactivate and reactivate, find,
list and search, and import a CSV file all or nothing.

Rights, as a service desk works: an analyst who may log calls in a partition (the Log right) may add a
caller and correct their details while logging; deactivating or reactivating a contact and importing a
file of them are directory administration, for analysts with the IPK Setup right of a General Access
role (who must work in the partition too). The system operator (actor None) may do everything.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import actor_in, require_admin
from closeloop.closure import AdminRight, CloseloopError, InvalidInput, NotFound, Right, guards, limits
from closeloop.closure.contacts import ContactFacts, clean_phone
from closeloop.partitions.models import Partition
from closeloop.partitions.services import UNSET, Unset, get_partition, load_directory

from .models import Contact

__all__ = [
    "CSV_COLUMNS",
    "MAX_IMPORT_ROWS",
    "RowError",
    "ImportRejected",
    "contact_facts",
    "search_contacts",
    "get_contact",
    "find_contact",
    "add_contact",
    "update_contact",
    "set_contact_active",
    "read_csv_upload",
    "import_contacts",
]

CSV_COLUMNS = ("name", "email", "phone", "organisation")
MAX_IMPORT_ROWS = 10_000


@dataclass(frozen=True)
class RowError:
    """One refused value of an imported file: its row (the header is row 1), column and why."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(InvalidInput):
    """A contacts file with bad rows: nothing was imported; `errors` names each row and column."""

    def __init__(self, errors: list[RowError]) -> None:
        lines = [f"  {e}" for e in errors[:100]]
        if len(errors) > 100:
            lines.append(f"  ... and {len(errors) - 100} more")
        super().__init__("\n".join([f"Nothing imported: {len(errors)} error(s) in the file", *lines]), field="file")
        self.errors = errors


def contact_facts(contact: Contact) -> ContactFacts:
    return ContactFacts(contact.id, contact.name, contact.partition_id, contact.active)


def search_contacts(viewer: Analyst | None, text: str = "", *, partition: Partition | str | None = None,
                    include_inactive: bool = False) -> QuerySet[Contact]:
    """Contacts of the viewer's partitions (or of one), whose name or e-mail holds `text` (any case);
    active ones only unless asked. The one list the picker, the pages, the API and the CLI show."""
    qs = Contact.objects.visible_to(viewer)
    if isinstance(partition, str):
        partition = get_partition(partition, viewer)
    if partition is not None:
        qs = qs.filter(partition=partition)
    if text := " ".join((text or "").split()):
        qs = qs.filter(Q(name__icontains=text) | Q(email__icontains=text))
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.select_related("partition").order_by("partition__name", "name", "id")


def get_contact(contact_id: int | str, viewer: Analyst | None, field: str = "contact") -> Contact:
    """A contact by id, if the viewer works in its partition (else NotFound, as if it did not exist)."""
    number = int(contact_id) if str(contact_id).strip().isdigit() else None
    contact = Contact.objects.visible_to(viewer).select_related("partition").filter(pk=number).first() \
        if number is not None and number < 2**63 else None
    if contact is None:
        raise NotFound(f"No contact #{contact_id} in your partitions", field=field)
    return contact


def find_contact(partition: Partition, value: int | str, field: str = "contact") -> Contact:
    """The partition's contact named by id or by e-mail address (any case), active or not."""
    text = str(value).strip()
    qs = Contact.objects.filter(partition=partition).select_related("partition")
    if text.isdigit():
        contact = qs.filter(pk=int(text)).first() if int(text) < 2**63 else None
    else:
        contact = qs.filter(email=text.lower()).first() if text else None
    if contact is None:
        raise NotFound(f"No contact {text!r} in partition {partition.name} (give an id or an e-mail address)",
                       field=field)
    return contact


def _require_log_right(actor: Analyst | None, partition: Partition) -> None:
    """Anyone who may log calls in the partition may add and correct its contacts."""
    if actor is not None and actor.has_admin_right(AdminRight.IPK_SETUP) and \
            Partition.objects.visible_to(actor).filter(pk=partition.pk).exists():
        return
    guards.require_right(actor_in(actor, partition.id, load_directory(partition)), Right.LOG, partition.name)


def _require_setup_right(actor: Analyst | None, partition: Partition) -> None:
    require_admin(actor, AdminRight.IPK_SETUP)
    if not Partition.objects.visible_to(actor).filter(pk=partition.pk).exists():
        raise NotFound(f"No partition named {partition.name!r}", field="partition")


def _clean_email(value: str | None) -> str:
    email = limits.EMAIL.clean(value).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(f"{email!r} is not a valid e-mail address", field="email") from None
    return email


_CLEANERS = {
    "name": limits.CONTACT_NAME.clean,
    "email": _clean_email,
    "phone": lambda v: clean_phone(limits.CONTACT_PHONE.clean(v)),
    "organisation": limits.CONTACT_ORGANISATION.clean,
}


def _cleaned(values: dict[str, str | None]) -> tuple[dict[str, str], list[CloseloopError]]:
    """Every given value cleaned, and the refusal of each bad one (all of them, not only the first)."""
    cleaned, errors = {}, []
    for field, value in values.items():
        try:
            cleaned[field] = _CLEANERS[field](value)
        except CloseloopError as refused:
            errors.append(refused)
    return cleaned, errors


def _check_email_free(partition: Partition, email: str, except_id: int | None = None) -> None:
    if email and Contact.objects.filter(partition=partition, email=email).exclude(pk=except_id).exists():
        raise InvalidInput(f"Another contact of partition {partition.name} has the e-mail address {email}",
                           field="email")


def _save(contact: Contact) -> Contact:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # a colleague saved the same address meanwhile
        raise InvalidInput(f"Another contact of partition {contact.partition.name} has the e-mail address "
                           f"{contact.email}", field="email") from None
    return contact


@transaction.atomic
def add_contact(partition: Partition, name: str, *, email: str = "", phone: str = "", organisation: str = "",
                actor: Analyst | None = None) -> Contact:
    """Add a contact (the Log right in the partition is enough: an analyst adds a caller while logging)."""
    _require_log_right(actor, partition)
    cleaned, errors = _cleaned({"name": name, "email": email, "phone": phone, "organisation": organisation})
    if errors:
        raise errors[0]
    _check_email_free(partition, cleaned["email"])
    return _save(Contact(partition=partition, **cleaned))


@transaction.atomic
def update_contact(contact_id: int | str, actor: Analyst | None, *, name: str | Unset = UNSET,
                   email: str | Unset = UNSET, phone: str | Unset = UNSET,
                   organisation: str | Unset = UNSET) -> Contact:
    """Correct a contact's details; a value left UNSET is kept."""
    contact = get_contact(contact_id, actor)
    contact = Contact.objects.select_for_update().select_related("partition").get(pk=contact.pk)
    _require_log_right(actor, contact.partition)
    given = {k: v for k, v in {"name": name, "email": email, "phone": phone, "organisation": organisation}.items()
             if not isinstance(v, Unset)}
    cleaned, errors = _cleaned(given)
    if errors:
        raise errors[0]
    if "email" in cleaned:
        _check_email_free(contact.partition, cleaned["email"], contact.pk)
    for field, value in cleaned.items():
        setattr(contact, field, value)
    _save(contact)  # the contact's calls are found by the corrected name and address (a trigger rewrites them)
    return contact


@transaction.atomic
def set_contact_active(contact_id: int | str, actor: Analyst | None, active: bool) -> Contact:
    """Deactivate a contact (no new call may name them; their calls keep them) or reactivate them."""
    contact = get_contact(contact_id, actor)
    _require_setup_right(actor, contact.partition)
    Contact.objects.filter(pk=contact.pk).update(active=active)
    contact.active = active
    return contact


def read_csv_upload(data: bytes) -> str:
    """The text of an uploaded CSV file (UTF-8, with or without a byte-order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise InvalidInput(f"The file is not UTF-8 text (byte {bad.start + 1} cannot be read): save it as "
                           "CSV UTF-8", field="file") from None


def _rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The file's data rows, numbered as a spreadsheet shows them, and what is wrong with its shape."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "name" not in header:
        return [], [RowError(1, "name", "the first row must name the columns: " + ",".join(CSV_COLUMNS))]
    errors = [RowError(1, h or f"#{i + 1}", f"unknown column (the columns are {', '.join(CSV_COLUMNS)})")
              for i, h in enumerate(header) if h not in CSV_COLUMNS]
    errors += [RowError(1, h, "the column is named twice") for h in set(header) if header.count(h) > 1]
    rows = []
    for record in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # a blank line is no contact
        if len(record) > len(header):
            errors.append(RowError(number, "-", f"{len(record)} values for {len(header)} columns"))
            continue
        rows.append((number, {h: record[i] if i < len(record) else "" for i, h in enumerate(header)
                              if h in CSV_COLUMNS}))
    if len(rows) > MAX_IMPORT_ROWS:
        errors.append(RowError(rows[MAX_IMPORT_ROWS][0], "-", f"at most {MAX_IMPORT_ROWS:,} contacts per file"))
    return rows, errors


@transaction.atomic
def import_contacts(partition: Partition, text: str, actor: Analyst | None = None) -> list[Contact]:
    """Add every contact of a CSV file (columns name, email, phone, organisation; a header row first), or
    none: any bad row refuses the whole file with every error, by row and column. An e-mail address the
    partition already has, or that the file gives twice, is an error (edit that contact instead)."""
    _require_setup_right(actor, partition)
    try:
        rows, errors = _rows(text)
    except csv.Error as bad:
        raise ImportRejected([RowError(0, "-", f"not a CSV file: {bad}")]) from None
    taken = set(Contact.objects.filter(partition=partition).exclude(email="").values_list("email", flat=True))
    first_row_of: dict[str, int] = {}
    contacts = []
    for number, values in rows:
        cleaned, refused = _cleaned(values)
        errors += [RowError(number, e.field or "-", e.message) for e in refused]
        email = cleaned.get("email", "")
        if email in taken:
            errors.append(RowError(number, "email", f"partition {partition.name} already has a contact with "
                                                    f"the e-mail address {email}"))
        elif email in first_row_of:
            errors.append(RowError(number, "email", f"{email} is already given on row {first_row_of[email]}"))
        elif email:
            first_row_of[email] = number
        if not refused:
            contacts.append(Contact(partition=partition, **cleaned))
    if not rows and not errors:
        errors.append(RowError(2, "name", "the file has no contacts"))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, CSV_COLUMNS.index(e.column)
                                                            if e.column in CSV_COLUMNS else 9)))
    return Contact.objects.bulk_create(contacts)
