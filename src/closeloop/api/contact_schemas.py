"""Schemas of the contacts resource: the contact, what a client sends to add or change one, and the filters."""

from __future__ import annotations

from ninja import Field, Schema

from closeloop.closure import limits

from .schemas import Text, limited

__all__ = ["ContactOut", "ContactCreate", "ContactUpdate", "ContactImport", "ContactFilters"]


class ContactOut(Schema):
    """A person who reports calls (not an analyst), in one partition."""

    id: int = Field(..., examples=[12])
    partition: str = Field(..., examples=["Default"])
    name: str = Field(..., examples=["Priya Patel"])
    email: str = Field(..., examples=["priya.patel@harbourside.example.com"])
    phone: str = Field(..., examples=["+44 20 7946 0321"])
    organisation: str = Field(..., examples=["Finance"], description="Organisation or department")
    active: bool = Field(..., description="A deactivated contact cannot be named on a new call")


class ContactCreate(Schema):
    """Add a contact. Anyone with the Log right in the partition may."""

    partition: Text | None = Field(None, examples=["Default"],
                                   description="Needed only if the caller works in several partitions")
    name: Text = limited(limits.CONTACT_NAME, examples=["Priya Patel"])
    email: Text = limited(limits.EMAIL, "", examples=["priya.patel@harbourside.example.com"],
                          description="Unique in the partition; the desk writes to it")
    phone: Text = limited(limits.CONTACT_PHONE, "", examples=["+44 20 7946 0321"])
    organisation: Text = limited(limits.CONTACT_ORGANISATION, "", examples=["Finance"])


class ContactUpdate(Schema):
    """Change a contact's details; a field left out is kept."""

    name: Text | None = limited(limits.CONTACT_NAME, None, examples=["Priya Patel"])
    email: Text | None = limited(limits.EMAIL, None)
    phone: Text | None = limited(limits.CONTACT_PHONE, None)
    organisation: Text | None = limited(limits.CONTACT_ORGANISATION, None)


class ContactImport(Schema):
    """A CSV file's text: a header row naming the columns (name, email, phone, organisation), then one
    contact per row. All rows are imported, or none."""

    partition: Text | None = Field(None, examples=["Default"],
                                   description="Needed only if the caller works in several partitions")
    csv: Text = Field(..., examples=["name,email,phone,organisation\nPriya Patel,priya.patel@example.com,"
                                     "+44 20 7946 0112,Finance\n"])


class ContactFilters(Schema):
    """Filters of the contact list."""

    q: Text | None = Field(None, description="Part of a name or e-mail address (any case)")
    partition: Text | None = Field(None, description="Partition name")
    include_inactive: bool = Field(False, description="Deactivated contacts too")
