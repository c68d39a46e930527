"""Contacts as plain dicts, shared by the CLI's --json, the API and the call that names them."""

from __future__ import annotations

from typing import Any

from .models import Contact

__all__ = ["contact_as_dict"]


def contact_as_dict(contact: Contact, partition_name: str | None = None) -> dict[str, Any]:
    """The contact; a caller that knows the partition's name (a call's contact is in the call's) passes it."""
    return {
        "id": contact.id,
        "partition": partition_name or contact.partition.name,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "organisation": contact.organisation,
        "active": contact.active,
    }
