"""Contacts in the web: the picker of Log a call (htmx and without JavaScript), the call page, and the
Contacts page of System Administration."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from closeloop.calls.models import Call
from closeloop.contacts.models import Contact
from closeloop.contacts.services import add_contact, set_contact_active

pytestmark = pytest.mark.django_db

CALL = {"call_type": "incident", "summary": "Printer jams", "description": "", "priority": "3"}


@pytest.fixture
def dana(desk) -> Contact:  # type: ignore[no-untyped-def]
    return add_contact(desk.default, "Dana Fisher", email="dana.fisher@example.org", phone="+44 20 7946 0123",
                       organisation="Finance")


def test_typing_part_of_a_name_offers_the_matching_contacts(client_for, desk, dana):
    add_contact(desk.default, "Sam Lee", email="sam@example.org")
    add_contact(desk.other, "Dana Other", email="dana@other.example.org")
    page = client_for("alice").get("/contacts/choices/?contact_q=dan", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{dana.id}"' in html and "Dana Fisher" in html and "dana.fisher@example.org" in html
    assert "Sam Lee" not in html and "Dana Other" not in html  # another partition's contact is never offered


def test_the_picker_says_when_nothing_matches_and_offers_nothing_before_typing(client_for, dana):
    assert "No active contact matches" in client_for("alice").get("/contacts/choices/?contact_q=zz").content.decode()
    assert client_for("alice").get("/contacts/choices/").content.decode().strip() == ""


def test_the_log_form_searches_contacts_with_htmx_from_its_own_origin(client_for):
    html = client_for("alice").get("/calls/new/").content.decode()
    assert 'hx-get="/contacts/choices/"' in html and 'hx-target="#contact-choices"' in html
    assert 'name="find_contact"' in html  # the Find button: the picker works without JavaScript too


def test_without_javascript_find_shows_the_matches_and_logs_nothing(client_for, dana):
    page = client_for("alice").post("/calls/new/", {**CALL, "summary": "", "contact_q": "fisher",
                                                   "find_contact": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and f'value="{dana.id}"' in html and "This field is required" not in html
    assert not Call.objects.exists()


def test_a_call_is_logged_with_the_picked_contact_and_its_page_shows_them(client_for, dana):
    client = client_for("alice")
    done = client.post("/calls/new/", {**CALL, "contact": dana.id})
    assert done.status_code == 302
    call = Call.objects.get()
    assert call.contact == dana
    html = client.get(done["Location"]).content.decode()
    assert "Dana Fisher" in html and '<a href="mailto:dana.fisher@example.org">dana.fisher@example.org</a>' in html
    assert "+44 20 7946 0123" in html and "Finance" in html


def test_an_exact_address_typed_and_not_picked_is_used(client_for, dana):
    assert client_for("alice").post("/calls/new/", {**CALL, "contact_q": "Dana.Fisher@example.org"}).status_code == 302
    assert Call.objects.get().contact == dana


def test_a_required_contact_left_out_is_shown_on_the_form_and_nothing_is_logged(client_for, desk, dana):
    desk.configure("contacts required", contact_required=True)
    page = client_for("alice").post("/calls/new/", CALL)
    assert page.status_code == 400
    assert "A contact is required" in page.content.decode() and "(required for incidents" in page.content.decode()
    set_contact_active(dana.id, None, False)
    page = client_for("alice").post("/calls/new/", {**CALL, "contact": dana.id})
    assert page.status_code == 400 and "Dana Fisher is deactivated" in page.content.decode()
    assert not Call.objects.exists()


def test_another_partitions_contact_cannot_be_posted(client_for, desk):
    olaf = add_contact(desk.other, "Olaf Other")
    page = client_for("alice").post("/calls/new/", {**CALL, "contact": olaf.id})
    assert page.status_code == 400 and "Pick a contact of this partition" in page.content.decode()
    assert not Call.objects.exists()


# --- System Administration: Contacts ---

def test_the_contacts_page_is_in_system_administration_for_ipk_setup_only(client_for, dana):
    page = client_for("admin").get("/system/")
    assert 'href="/system/contacts/"' in page.content.decode()
    html = client_for("admin").get("/system/contacts/").content.decode()
    assert "Dana Fisher" in html and "1 contact (active)" in html
    assert client_for("alice").get("/system/contacts/").status_code == 403


def test_the_contacts_page_searches_by_part_of_a_name_or_address(client_for, desk, dana):
    add_contact(desk.default, "Sam Lee", email="sam@example.org")
    html = client_for("admin").get("/system/contacts/?q=SAM@").content.decode()
    assert "Sam Lee" in html and "Dana Fisher" not in html


def test_an_administrator_adds_edits_deactivates_and_reactivates_a_contact(client_for, desk):
    client = client_for("admin")
    assert client.post("/system/contacts/", {"op": "create", "name": "Sam Lee", "email": "sam@example.org",
                                             "phone": "", "organisation": "Sales"}).status_code == 302
    sam = Contact.objects.get(name="Sam Lee")
    assert client.post("/system/contacts/", {"op": "edit", "contact": sam.id, f"c{sam.id}-name": "Sam Lee",
                                             f"c{sam.id}-email": "sam.lee@example.org", f"c{sam.id}-phone": "",
                                             f"c{sam.id}-organisation": "Sales"}).status_code == 302
    sam.refresh_from_db()
    assert sam.email == "sam.lee@example.org"
    assert client.post("/system/contacts/", {"op": "deactivate", "contact": sam.id}).status_code == 302
    assert not Contact.objects.get(pk=sam.pk).active
    assert "Sam Lee" in client.get("/system/contacts/?all=1").content.decode()
    assert client.post("/system/contacts/", {"op": "reactivate", "contact": sam.id}).status_code == 302
    assert Contact.objects.get(pk=sam.pk).active


def test_a_bad_address_is_shown_on_the_form_and_nothing_is_saved(client_for):
    page = client_for("admin").post("/system/contacts/", {"op": "create", "name": "Sam", "email": "sam@",
                                                         "phone": "", "organisation": ""})
    assert page.status_code == 400 and "is not a valid e-mail address" in page.content.decode()
    assert not Contact.objects.exists()


def test_an_import_with_bad_rows_shows_each_error_and_imports_nothing(client_for):
    upload = SimpleUploadedFile("people.csv", b"name,email\nGood,good@example.org\nBad,bad@\n,x@example.org\n",
                                content_type="text/csv")
    page = client_for("admin").post("/system/contacts/", {"op": "import", "file": upload})
    html = page.content.decode()
    assert page.status_code == 400 and "Nothing imported: 2 error(s) in the file." in html
    assert "Row 3, column email:" in html and "Row 4, column name:" in html
    assert not Contact.objects.exists()


def test_a_good_import_adds_every_contact(client_for):
    upload = SimpleUploadedFile("people.csv", b"name,email\nGood,good@example.org\nAlso Good,also@example.org\n")
    page = client_for("admin").post("/system/contacts/", {"op": "import", "file": upload}, follow=True)
    assert "2 contact(s) imported." in page.content.decode()
    assert Contact.objects.count() == 2


def test_a_contact_of_another_partition_cannot_be_changed_from_the_page(client_for, desk):
    olaf = add_contact(desk.other, "Olaf Other")
    assert client_for("admin").post("/system/contacts/", {"op": "deactivate", "contact": olaf.id}).status_code == 404
    assert Contact.objects.get(pk=olaf.pk).active
