"""The contacts resource and the call's contact through the REST API, bad input included."""

from __future__ import annotations

import pytest

from closeloop.api.site import api
from closeloop.calls.models import Call
from closeloop.contacts.models import Contact
from closeloop.contacts.services import add_contact

pytestmark = pytest.mark.django_db

DANA = {"partition": "Default", "name": "Dana Fisher", "email": "Dana.Fisher@example.org",
        "phone": "+44 20 7946 0123", "organisation": "Finance"}


def test_an_analyst_adds_reads_lists_and_changes_a_contact(as_):
    created = as_("rita").post("/contacts", DANA)
    assert created.status == 201, created.body
    dana = created.body
    assert dana["email"] == "dana.fisher@example.org" and dana["active"] is True and dana["partition"] == "Default"
    assert as_("rita").get(f"/contacts/{dana['id']}").body == dana
    listed = as_("alice").get("/contacts?q=FISHER")
    assert listed.status == 200 and listed.body["count"] == 1 and listed.body["items"] == [dana]
    assert as_("alice").get("/contacts?q=nobody").body["count"] == 0
    changed = as_("alice").request("PATCH", f"/contacts/{dana['id']}", {"organisation": "Payroll"})
    assert changed.status == 200 and changed.body == {**dana, "organisation": "Payroll"}


def test_the_list_pages_like_every_other_list(desk, as_):
    for i in range(5):
        add_contact(desk.default, f"Person {i}", email=f"p{i}@example.org")
    page = as_("alice").get("/contacts?page=2&page_size=2").body
    assert (page["count"], page["pages"], page["page"], [c["name"] for c in page["items"]]) == \
        (5, 3, 2, ["Person 2", "Person 3"])
    assert as_("alice").get("/contacts?page=9&page_size=2").error == ("invalid_input", "page")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"name": "Dana", "email": "dana@"}, 400, "email"),
    ({"name": ""}, 400, "name"),
    ({"name": "x" * 121}, 400, "name"),
    ({"name": "Dana", "phone": "call me"}, 400, "phone"),
    ({"name": "Dana", "email": 42}, 422, "email"),
    ({"email": "dana@example.org"}, 422, "name"),
    ({"name": "Dana\u0000"}, 400, "name"),
])
def test_bad_input_is_refused_with_json_naming_the_field(as_, body, status, field):
    reply = as_("alice").post("/contacts", {"partition": "Default", **body})
    assert reply.status == status, reply.body
    assert reply.body["field"] == field and reply.body["message"]
    assert not Contact.objects.exists()


def test_a_second_contact_with_the_same_address_is_refused(as_):
    assert as_("alice").post("/contacts", DANA).status == 201
    assert as_("alice").post("/contacts", {**DANA, "email": "DANA.FISHER@EXAMPLE.ORG"}).error == ("invalid_input",
                                                                                                   "email")


def test_deactivating_hides_the_contact_from_the_default_list(as_):
    dana = as_("alice").post("/contacts", DANA).body
    assert as_("alice").post(f"/contacts/{dana['id']}/deactivate").status == 403
    assert as_("admin").post(f"/contacts/{dana['id']}/deactivate").body["active"] is False
    assert as_("alice").get("/contacts").body["count"] == 0
    assert as_("alice").get("/contacts?include_inactive=true").body["items"][0]["active"] is False
    assert as_("admin").post(f"/contacts/{dana['id']}/reactivate").body["active"] is True


def test_a_contact_of_another_partition_is_not_found(as_):
    dana = as_("alice").post("/contacts", DANA).body
    assert as_("olga").get(f"/contacts/{dana['id']}").error == ("not_found", "contact")
    assert as_("olga").get("/contacts").body["count"] == 0
    assert as_("olga").request("PATCH", f"/contacts/{dana['id']}", {"name": "Mine"}).status == 404


def test_import_is_all_or_nothing_with_every_row_named(as_):
    bad = as_("admin").post("/contacts/import", {"partition": "Default", "csv": "name,email\nGood,good@example.org\n"
                                                 "Bad,bad@\n,x@example.org\n"})
    assert bad.status == 400 and bad.body["field"] == "file"
    assert "row 3, column email" in bad.body["message"] and "row 4, column name" in bad.body["message"]
    assert not Contact.objects.exists()
    good = as_("admin").post("/contacts/import", {"partition": "Default", "csv": "name,email\nGood,good@example.org\n"})
    assert good.status == 201 and [c["name"] for c in good.body] == ["Good"]


def test_a_call_is_logged_with_its_contact_by_address_or_id_and_shows_it(as_):
    dana = as_("alice").post("/contacts", DANA).body
    for who in ("dana.fisher@example.org", str(dana["id"])):
        logged = as_("alice").post("/calls", {"partition": "Default", "summary": "Printer jams", "contact": who})
        assert logged.status == 201, logged.body
        assert logged.body["contact"] == dana
    assert as_("alice").get(f"/calls/{logged.body['ref']}").body["contact"] == dana
    assert as_("alice").get("/calls").body["items"][0]["contact"] == dana


def test_logging_names_the_contact_field_when_it_is_missing_unknown_or_deactivated(desk, as_):
    desk.configure("contacts required", contact_required=True)
    call = {"partition": "Default", "summary": "Printer jams"}
    assert as_("alice").post("/calls", call).error == ("invalid_input", "contact")
    assert as_("alice").post("/calls", {**call, "contact": "nobody@example.org"}).error == ("not_found", "contact")
    dana = as_("alice").post("/contacts", DANA).body
    as_("admin").post(f"/contacts/{dana['id']}/deactivate")
    for given in (dana["id"], str(dana["id"])):  # an id as a number or as text
        refused = as_("alice").post("/calls", {**call, "contact": given})
        assert refused.error == ("invalid_input", "contact") and "deactivated" in refused.body["message"]
    assert as_("alice").post("/calls", {**call, "contact": 1.5}).status == 422
    assert not Call.objects.exists()


def test_the_contacts_resource_is_in_the_openapi_document():
    paths = api.get_openapi_schema()["paths"]
    assert {"/api/v1/contacts", "/api/v1/contacts/{contact_id}", "/api/v1/contacts/import",
            "/api/v1/contacts/{contact_id}/deactivate"} <= set(paths)
    assert "contact" in api.get_openapi_schema()["components"]["schemas"]["CallCreate"]["properties"]
