"""The rules a call's contact must meet, and what a phone number is: plain Python, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop.closure import CallType, InvalidInput, PartitionSettings
from closeloop.closure.contacts import (
    USER_REPORTED_TYPES,
    ContactFacts,
    check_call_contact,
    clean_phone,
    contact_needed,
)

REQUIRED = PartitionSettings(contact_required=True)
OPTIONAL = PartitionSettings(contact_required=False)
DANA = ContactFacts(7, "Dana Fisher", partition_id=1, active=True)


@given(st.sampled_from(CallType), st.booleans())
def test_a_contact_is_needed_exactly_for_user_reported_calls_where_the_partition_requires_one(kind, required):
    settings = PartitionSettings(contact_required=required)
    assert contact_needed(settings, kind) == (required and kind in USER_REPORTED_TYPES)


@pytest.mark.parametrize("kind", sorted(USER_REPORTED_TYPES))
def test_a_new_incident_or_request_without_a_contact_is_refused_on_field_contact(kind):
    with pytest.raises(InvalidInput, match="A contact is required") as refused:
        check_call_contact(REQUIRED, kind, 1, "Default", None)
    assert refused.value.field == "contact"


def test_a_problem_needs_no_contact_even_where_contacts_are_required():
    check_call_contact(REQUIRED, CallType.PROBLEM, 1, "Default", None)
    check_call_contact(REQUIRED, CallType.KNOWN_ERROR, 1, "Default", None)


def test_no_contact_is_fine_where_the_partition_does_not_require_one():
    check_call_contact(OPTIONAL, CallType.INCIDENT, 1, "Default", None)


@given(st.sampled_from(CallType), st.booleans())
def test_an_active_contact_of_the_partition_is_always_accepted(kind, required):
    check_call_contact(PartitionSettings(contact_required=required), kind, 1, "Default", DANA)


@given(st.sampled_from(CallType), st.booleans(), st.integers(2, 10**6))
def test_a_contact_of_another_partition_is_always_refused(kind, required, other):
    stranger = ContactFacts(8, "Olaf", partition_id=other, active=True)
    with pytest.raises(InvalidInput, match="not in partition Default") as refused:
        check_call_contact(PartitionSettings(contact_required=required), kind, 1, "Default", stranger)
    assert refused.value.field == "contact"


def test_a_deactivated_contact_is_refused_naming_them():
    gone = ContactFacts(9, "Lee Gone", partition_id=1, active=False)
    with pytest.raises(InvalidInput, match="Lee Gone is deactivated"):
        check_call_contact(OPTIONAL, CallType.INCIDENT, 1, "Default", gone)


@pytest.mark.parametrize("phone", ["+44 20 7946 0123", "020 7946 0123", "(555) 010-4477", "+1.555.010.4477",
                                   "0161 496 0101 x 12", "4471 ext. 3", "12345"])
def test_usual_phone_numbers_are_accepted(phone):
    assert clean_phone(phone) == phone


@pytest.mark.parametrize("phone", ["call me", "+", "0800-FLOWERS", "12; drop table", "ext 12"])
def test_text_that_is_no_phone_number_is_refused_on_field_phone(phone):
    with pytest.raises(InvalidInput) as refused:
        clean_phone(phone)
    assert refused.value.field == "phone"


@given(st.text(alphabet="0123456789 +()-./", max_size=30))
def test_a_phone_is_either_kept_as_typed_or_refused_never_altered(text):
    try:
        cleaned = clean_phone(text)
    except InvalidInput:
        return
    assert cleaned == " ".join(text.split())


def test_blank_phone_is_no_phone():
    assert clean_phone("   ") == ""
