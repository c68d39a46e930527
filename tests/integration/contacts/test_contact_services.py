"""Contacts through their use cases: rights, validation, search, partitions, and the call's contact."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.closure import InvalidInput, NotAllowed, NotFound
from closeloop.contacts import services as contacts
from closeloop.contacts.models import Contact
from closeloop.desk import init_desk
from closeloop.partitions import services as partitions

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(desk) -> Contact:  # type: ignore[no-untyped-def]
    return contacts.add_contact(desk.default, "Dana Fisher", email="Dana.Fisher@Example.org", phone="+44 20 7946 0123",
                                organisation="Finance", actor=desk.alice)


# --- adding and editing ---

def test_an_analyst_who_may_log_calls_adds_a_contact_with_a_lower_case_address(desk, dana):
    assert (dana.name, dana.email, dana.phone, dana.organisation, dana.active) == \
        ("Dana Fisher", "dana.fisher@example.org", "+44 20 7946 0123", "Finance", True)
    assert dana.partition == desk.default


def test_a_reader_may_not_add_a_contact(desk):
    with pytest.raises(NotAllowed, match="erin lacks the 'Log' right"):
        contacts.add_contact(desk.default, "Dana Fisher", actor=desk.erin)
    assert not Contact.objects.exists()


def test_an_analyst_of_another_partition_may_not_add_a_contact_to_this_one(desk):
    with pytest.raises(NotAllowed):
        contacts.add_contact(desk.default, "Dana Fisher", actor=desk.olga)


@pytest.mark.parametrize(("field", "values", "message"), [
    ("name", {"name": "  "}, "A contact's name is required"),
    ("name", {"name": "x" * 121}, "at most 120 characters"),
    ("email", {"email": "dana@"}, "not a valid e-mail address"),
    ("email", {"email": "dana@example.org\x00"}, "cannot be stored"),
    ("phone", {"phone": "call me maybe"}, "not a phone number"),
    ("phone", {"phone": "1" * 41}, "at most 40 characters"),
    ("organisation", {"organisation": "o" * 121}, "at most 120 characters"),
])
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_saved(desk, field, values, message):
    given = {"name": "Dana Fisher", **values}
    with pytest.raises(InvalidInput, match=message) as refused:
        contacts.add_contact(desk.default, given.pop("name"), actor=desk.alice, **given)
    assert refused.value.field == field
    assert not Contact.objects.exists()


def test_an_address_is_unique_in_its_partition_whatever_its_case(desk, dana):
    with pytest.raises(InvalidInput, match="already|has the e-mail address") as refused:
        contacts.add_contact(desk.default, "Someone Else", email="DANA.FISHER@example.org", actor=desk.alice)
    assert refused.value.field == "email"


def test_the_same_address_may_be_a_contact_in_another_partition_and_contacts_without_one_may_share_it(desk, dana):
    contacts.add_contact(desk.other, "Dana Fisher", email="dana.fisher@example.org", actor=desk.olga)
    contacts.add_contact(desk.default, "Night porter", actor=desk.alice)
    contacts.add_contact(desk.default, "Day porter", actor=desk.alice)
    assert Contact.objects.filter(email="").count() == 2


def test_the_database_refuses_a_second_contact_with_the_same_address_in_a_partition(desk, dana):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(partition=desk.default, name="Twin", email="dana.fisher@example.org")


def test_editing_changes_only_the_given_details(desk, dana):
    contacts.update_contact(dana.id, desk.rita, phone="+44 20 7946 0999")
    dana.refresh_from_db()
    assert (dana.name, dana.email, dana.phone) == ("Dana Fisher", "dana.fisher@example.org", "+44 20 7946 0999")


def test_editing_to_an_address_another_contact_has_is_refused(desk, dana):
    sam = contacts.add_contact(desk.default, "Sam Lee", email="sam@example.org", actor=desk.alice)
    with pytest.raises(InvalidInput, match="has the e-mail address"):
        contacts.update_contact(sam.id, desk.alice, email="dana.fisher@example.org")
    contacts.update_contact(dana.id, desk.alice, email="DANA.FISHER@example.org")  # its own address is fine


# --- deactivating ---

def test_only_ipk_setup_may_deactivate_and_reactivate_a_contact(desk, dana):
    with pytest.raises(NotAllowed, match="IPK Setup"):
        contacts.set_contact_active(dana.id, desk.carol, False)
    assert contacts.set_contact_active(dana.id, desk.admin, False).active is False
    assert not Contact.objects.get(pk=dana.id).active
    assert contacts.set_contact_active(dana.id, desk.admin, True).active is True


def test_an_administrator_of_another_partition_does_not_find_the_contact(desk, dana):
    from closeloop.accounts.services import add_analyst, get_access_role, get_ipk_role

    outsider = add_analyst("oscar", desk.other, get_ipk_role("Closer"), access_role=get_access_role("Administrator"))
    with pytest.raises(NotFound):
        contacts.set_contact_active(dana.id, outsider, False)


# --- finding ---

def test_search_matches_part_of_a_name_or_address_in_any_case_active_only_by_default(desk, dana):
    sam = contacts.add_contact(desk.default, "Sam Lee", email="s.lee@harbourside.example.com", actor=desk.alice)
    gone = contacts.add_contact(desk.default, "Lee Gone", email="gone@example.org", actor=desk.alice)
    contacts.set_contact_active(gone.id, None, False)
    assert list(contacts.search_contacts(desk.alice, "FISH")) == [dana]
    assert list(contacts.search_contacts(desk.alice, "harbourside")) == [sam]
    assert list(contacts.search_contacts(desk.alice, "lee")) == [sam]
    assert list(contacts.search_contacts(desk.alice, "lee", include_inactive=True)) == [gone, sam]
    assert list(contacts.search_contacts(desk.alice)) == [dana, sam]


def test_a_contact_of_another_partition_is_never_found(desk, dana):
    olafs = contacts.add_contact(desk.other, "Olaf Other", email="olaf@example.org", actor=desk.olga)
    assert list(contacts.search_contacts(desk.olga, "")) == [olafs]
    assert list(contacts.search_contacts(desk.alice, "olaf")) == []
    with pytest.raises(NotFound):
        contacts.get_contact(olafs.id, desk.alice)
    with pytest.raises(NotFound):
        contacts.update_contact(olafs.id, desk.alice, name="Mine now")
    with pytest.raises(NotFound):
        contacts.find_contact(desk.default, "olaf@example.org")
    with pytest.raises(NotFound):
        contacts.find_contact(desk.default, str(olafs.id))
    with pytest.raises(NotFound):  # naming the other partition is refused like one that does not exist
        contacts.search_contacts(desk.alice, partition="Other")


def test_a_contact_is_found_for_a_call_by_id_or_by_address_in_any_case(desk, dana):
    assert contacts.find_contact(desk.default, dana.id) == dana
    assert contacts.find_contact(desk.default, " DANA.fisher@example.org ") == dana
    with pytest.raises(NotFound) as missing:
        contacts.find_contact(desk.default, "nobody@example.org")
    assert missing.value.field == "contact"


# --- the call's contact ---

def test_a_call_is_logged_with_its_contact_and_the_history_names_them(desk, dana):
    call = calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice, contact=dana)
    call = Call.objects.get(pk=call.pk)
    assert call.contact == dana
    assert call.events.get(action="log").details["contact"] == "Dana Fisher"


def test_a_partition_requiring_contacts_refuses_a_new_incident_without_one_and_saves_nothing(desk, dana):
    desk.configure("contacts from now on", contact_required=True)
    with pytest.raises(InvalidInput, match="A contact is required") as refused:
        calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice)
    assert refused.value.field == "contact"
    assert not Call.objects.exists()
    assert calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice, contact=dana).contact == dana
    assert calls.log_call(desk.default, "problem", "Printers jam", actor=desk.carol).contact is None


def test_a_deactivated_contact_or_one_of_another_partition_cannot_be_named_on_a_new_call(desk, dana):
    olaf = contacts.add_contact(desk.other, "Olaf Other", actor=desk.olga)
    with pytest.raises(InvalidInput, match="not in partition Default"):
        calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice, contact=olaf)
    contacts.set_contact_active(dana.id, None, False)
    with pytest.raises(InvalidInput, match="Dana Fisher is deactivated"):
        calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice, contact=dana)
    assert not Call.objects.exists()


def test_a_deactivated_contact_stays_on_the_calls_that_name_them(desk, dana):
    call = calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice, contact=dana)
    contacts.set_contact_active(dana.id, None, False)
    from closeloop.calls.present import call_as_dict

    shown = call_as_dict(calls.get_call(call.ref, desk.alice))
    assert shown["contact"] == {"id": dana.id, "partition": "Default", "name": "Dana Fisher",
                                "email": "dana.fisher@example.org", "phone": "+44 20 7946 0123",
                                "organisation": "Finance", "active": False}


# --- which partitions require contacts ---

def test_partitions_created_from_now_on_require_a_contact(desk):
    created = partitions.create_partition("Field Engineers", None)
    assert partitions.load_settings(created).contact_required is True


def test_closeloop_init_makes_the_default_partition_require_a_contact(db):
    init_desk("a-long-admin-password-1")
    from closeloop.partitions.models import Partition

    assert partitions.load_settings(Partition.objects.get(name="Default")).contact_required is True
