"""The demo desk's contacts: the staff of a company (Default partition) and the occupants of a campus
(Facilities), with work e-mail addresses, phones and departments. Phone numbers are in Ofcom's ranges
reserved for drama (020 7946 0xxx, 0161 496 0xxx) and the domains are under example.com/.org, so a demo
desk wired to a real mail server writes to nobody."""

from __future__ import annotations

import random

from closeloop.partitions.models import Partition

from .models import Contact
from .services import add_contact, set_contact_active

__all__ = ["DEMO_CONTACTS", "add_demo_contacts", "pick_demo_contact"]

# partition: (e-mail domain, phone prefix, [(name, department, extension)])
DEMO_CONTACTS: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "Default": ("harbourside.example.com", "+44 20 7946 0", [
        ("Priya Patel", "Finance", "112"), ("James Okonkwo", "Finance", "113"), ("Hannah Fischer", "Finance", "118"),
        ("Li Chen", "Human Resources", "204"), ("Sofia Marquez", "Human Resources", "207"),
        ("Tom Gallagher", "Sales", "311"), ("Aisha Rahman", "Sales", "312"), ("Ben Whitaker", "Sales", "315"),
        ("Chloe Dubois", "Marketing", "402"), ("Marek Novak", "Marketing", "405"),
        ("Eleanor Hughes", "Legal", "501"), ("Daniel Kim", "Legal", "503"),
        ("Grace Mensah", "Operations", "610"), ("Oliver Brennan", "Operations", "612"),
        ("Fatima Al-Sayed", "Procurement", "701"), ("Lucas Ferreira", "Procurement", "703"),
        ("Nadia Petrova", "Customer Services", "820"), ("Ryan Doyle", "Customer Services", "821"),
        ("Amelia Scott", "Customer Services", "824"), ("Kwame Asante", "Engineering", "905"),
        ("Ingrid Larsen", "Engineering", "906"), ("Matteo Rossi", "Engineering", "911"),
        ("Zara Ahmed", "Executive Office", "100"), ("Jack Turner", "Warehouse", "930"),
        ("Mia Johansson", "Warehouse", "932"), ("Arjun Mehta", "Payroll", "120"),
        ("Rachel Green", "Facilities liaison", "650"), ("Samuel Adeyemi", "Internal Audit", "520"),
    ]),
    "Facilities": ("riverside-campus.example.org", "+44 161 496 0", [
        ("Helen Barker", "Reception", "101"), ("Joseph Walsh", "Reception", "102"),
        ("Catherine Moore", "Catering", "210"), ("Ahmed Hussain", "Catering", "212"),
        ("Lucy Evans", "Security", "300"), ("Patrick O'Neill", "Security", "301"),
        ("Dr Anna Kowalski", "Chemistry Labs", "420"), ("Dr Samuel Osei", "Physics Labs", "431"),
        ("Emily Clarke", "Library", "510"), ("George Ward", "Library", "512"),
        ("Isabel Navarro", "Conference Centre", "605"), ("Victor Lindqvist", "Estates", "700"),
        ("Ruth Adebayo", "Student Services", "815"), ("Owen Price", "Sports Centre", "920"),
        ("Megan Tanaka", "Accommodation", "940"), ("Harriet Bell", "Nursery", "960"),
    ]),
}


def _email(name: str, domain: str) -> str:
    parts = [p for p in name.replace("'", "").replace("Dr ", "").lower().split()]
    return f"{parts[0]}.{'-'.join(parts[1:])}@{domain}"


def add_demo_contacts(partition: Partition) -> list[Contact]:
    """The partition's demo contacts; one has left (deactivated), and a night porter has only a phone."""
    domain, phone, people = DEMO_CONTACTS[partition.name]
    added = [add_contact(partition, name, email=_email(name, domain), phone=f"{phone}{ext}", organisation=dept)
             for name, dept, ext in people]
    added.append(add_contact(partition, "Night shift supervisor", phone=f"{phone}999", organisation="Security"
                             if partition.name == "Facilities" else "Operations"))
    set_contact_active(added[1].id, None, False)  # left the organisation: kept on their calls, not offered
    return added


def pick_demo_contact(rng: random.Random, partition: Partition) -> Contact:
    """An active contact of the partition, as the demo's random generator picks it."""
    return rng.choice(list(Contact.objects.filter(partition=partition, active=True).order_by("id")))
