"""The contacts resource of the REST API: list and search, add, read, change, deactivate and reactivate,
and import a CSV file (all or nothing). Every rule (rights, partitions, validation) is the services'."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from closeloop.api.auth import caller
from closeloop.api.contact_schemas import ContactCreate, ContactFilters, ContactImport, ContactOut, ContactUpdate
from closeloop.api.pagination import PageParams, page_of
from closeloop.api.schemas import Id, Page, responses
from closeloop.contacts import services as contacts
from closeloop.contacts.present import contact_as_dict
from closeloop.partitions.services import UNSET, partition_for

__all__ = ["router"]

router = Router(tags=["contacts"])


def _given(value: str | None) -> Any:
    return UNSET if value is None else value


@router.get("", response=responses(Page[ContactOut]), summary="List and search contacts")
def list_contacts(request: HttpRequest, filters: Query[ContactFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """Contacts of your partitions by name; `q` matches part of a name or e-mail address, in any case."""
    rows = contacts.search_contacts(caller(request), filters.q or "", partition=filters.partition,
                                    include_inactive=filters.include_inactive)
    return page_of(rows, paging, contact_as_dict)


@router.post("", response=responses(ContactOut, 201), summary="Add a contact")
def add_contact(request: HttpRequest, body: ContactCreate) -> Status[dict[str, Any]]:
    actor = caller(request)
    contact = contacts.add_contact(partition_for(body.partition, actor), body.name, email=body.email,
                                   phone=body.phone, organisation=body.organisation, actor=actor)
    return Status(201, contact_as_dict(contact))


@router.post("/import", response=responses(list[ContactOut], 201),
             summary="Import contacts from CSV text (all or nothing; IPK Setup)")
def import_contacts(request: HttpRequest, body: ContactImport) -> Status[list[dict[str, Any]]]:
    """Columns name, email, phone, organisation, after a header row. Any bad row refuses the whole file
    (400 invalid_input, field `file`); the message names every row and column at fault."""
    actor = caller(request)
    added = contacts.import_contacts(partition_for(body.partition, actor), body.csv, actor)
    return Status(201, [contact_as_dict(c) for c in added])


@router.get("/{contact_id}", response=responses(ContactOut), summary="Read a contact")
def read_contact(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    return contact_as_dict(contacts.get_contact(contact_id, caller(request)))


@router.patch("/{contact_id}", response=responses(ContactOut), summary="Change a contact's details")
def update_contact(request: HttpRequest, contact_id: Id, body: ContactUpdate) -> dict[str, Any]:
    contact = contacts.update_contact(contact_id, caller(request), name=_given(body.name), email=_given(body.email),
                                      phone=_given(body.phone), organisation=_given(body.organisation))
    return contact_as_dict(contact)


@router.post("/{contact_id}/deactivate", response=responses(ContactOut), summary="Deactivate a contact (IPK Setup)")
def deactivate(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    """A deactivated contact stays on the calls that name them but cannot be named on a new call."""
    return contact_as_dict(contacts.set_contact_active(contact_id, caller(request), False))


@router.post("/{contact_id}/reactivate", response=responses(ContactOut), summary="Reactivate a contact (IPK Setup)")
def reactivate(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    return contact_as_dict(contacts.set_contact_active(contact_id, caller(request), True))
