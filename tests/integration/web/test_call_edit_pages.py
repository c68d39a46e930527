"""The Edit call page, Log a call with impact × urgency, and the Priority matrix and Categories pages."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.calls.editing import edit_call
from closeloop.calls.models import Call
from closeloop.contacts.services import add_contact
from closeloop.partitions import catalogue
from closeloop.partitions.models import Category, PriorityMatrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(desk) -> Call:  # type: ignore[no-untyped-def]
    return calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk, actor=desk.alice)


def _form(call: Call, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {"expected_version": call.version, "summary": call.summary,
                               "description": call.description, "call_type": call.call_type, "impact": call.impact,
                               "urgency": call.urgency, "category": call.category_id or "",
                               "log_group": call.log_group_id or ""}
    data.update(changes)
    return data


def test_the_call_page_offers_edit_only_to_analysts_who_may_edit(client_for, call) -> None:
    page = client_for("alice").get(f"/calls/{call.ref}/").content.decode()
    assert f'href="/calls/{call.ref}/edit/"' in page and "P3 Medium" in page
    assert f"/calls/{call.ref}/edit/" not in client_for("erin").get(f"/calls/{call.ref}/").content.decode()
    assert client_for("erin").get(f"/calls/{call.ref}/edit/").status_code == 403


def test_an_edit_saves_and_the_history_says_before_and_after(client_for, desk, call) -> None:
    catalogue.add_category(desk.default, "Hardware")
    hardware = Category.objects.get(name="Hardware")
    response = client_for("rita").post(f"/calls/{call.ref}/edit/", _form(
        call, summary="Printer on fire", impact=1, urgency=1, category=hardware.id), follow=True)
    assert response.redirect_chain[-1][0] == f"/calls/{call.ref}/"
    page = response.content.decode()
    assert "Summary: ‘Printer jams’ → ‘Printer on fire’" in page
    assert "Priority: ‘P3 Medium’ → ‘P1 Critical’" in page
    assert "Hardware" in page and "P1 Critical" in page


def test_a_stale_edit_shows_changed_by_someone_else_with_the_current_values(client_for, desk, call) -> None:
    stale = _form(call, summary="Mine")
    edit_call(call.ref, desk.alice, expected_version=call.version, summary="Theirs")
    response = client_for("rita").post(f"/calls/{call.ref}/edit/", stale)
    page = response.content.decode()
    assert response.status_code == 409 and "changed by someone else" in page and 'value="Theirs"' in page
    assert Call.objects.get(pk=call.pk).summary == "Theirs"


def test_an_edit_that_changes_nothing_is_reshown_with_the_message(client_for, call) -> None:
    response = client_for("alice").post(f"/calls/{call.ref}/edit/", _form(call))
    assert response.status_code == 400 and "Nothing to change" in response.content.decode()


def test_a_closed_call_offers_no_edit(client_for, desk, call) -> None:
    calls.resolve_call(call.ref, desk.alice, "Cleared")
    calls.take_call(call.ref, desk.carol)
    calls.close_call(call.ref, desk.carol, "ok", reason="FIXED")
    assert client_for("carol").get(f"/calls/{call.ref}/edit/").status_code == 403


def test_logging_a_call_takes_impact_urgency_and_category(client_for, desk) -> None:
    catalogue.add_category(desk.default, "Network")
    network = Category.objects.get(name="Network")
    form = client_for("alice").get("/calls/new/").content.decode()
    assert 'name="impact"' in form and 'name="category"' in form
    client_for("alice").post("/calls/new/", {"call_type": "incident", "summary": "Site offline", "impact": "1",
                                             "urgency": "1", "category": network.id})
    logged = Call.objects.get(summary="Site offline")
    assert (logged.priority, logged.category) == (1, network)


def test_the_priority_matrix_page_saves_the_grid_with_a_reason(client_for, desk) -> None:
    page = client_for("admin").get("/system/priority-matrix/")
    assert page.status_code == 200 and 'name="p_1_1"' in page.content.decode()
    cells = {f"p_{i}_{u}": str(p) for (i, u), p in catalogue.load_matrix(desk.default).items()}
    response = client_for("admin").post("/system/priority-matrix/", {**cells, "p_1_1": "2",
                                                                     "change_reason": "P1 for majors only"},
                                        follow=True)
    assert response.status_code == 200
    assert PriorityMatrix.objects.get(partition=desk.default).cells["1,1"] == 2
    assert "P1 for majors only" in response.content.decode()
    assert client_for("rita").get("/system/priority-matrix/").status_code == 403


def test_the_categories_page_adds_renames_and_deactivates(client_for, desk) -> None:
    admin = client_for("admin")
    admin.post("/system/categories/", {"op": "add", "name": "Hardware", "parent": ""})
    hardware = Category.objects.get(name="Hardware")
    admin.post("/system/categories/", {"op": "add", "name": "Laptop", "parent": hardware.id})
    laptop = Category.objects.get(name="Laptop")
    admin.post("/system/categories/", {"op": "rename", "category": laptop.id, f"c{laptop.id}-name": "Notebook"})
    admin.post("/system/categories/", {"op": "deactivate", "category": hardware.id})
    page = admin.get("/system/categories/").content.decode()
    assert "Notebook" in page and "Deactivated" in page and "Under a deactivated category" in page
    assert client_for("rita").get("/system/categories/").status_code == 403


def test_find_shows_matching_contacts_and_keeps_what_was_typed(client_for, desk, call) -> None:
    add_contact(desk.default, "Dana Fisher", email="dana@example.org", actor=desk.alice)
    response = client_for("alice").post(f"/calls/{call.ref}/edit/", _form(call, summary="Typed", contact_q="dana",
                                                                           find_contact="1"))
    page = response.content.decode()
    assert response.status_code == 200 and "Dana Fisher" in page and 'value="Typed"' in page
    assert Call.objects.get(pk=call.pk).summary == "Printer jams"


def test_the_contact_can_be_removed_where_contacts_are_optional(client_for, desk, call) -> None:
    dana = add_contact(desk.default, "Dana Fisher", email="dana@example.org", actor=desk.alice)
    edit_call(call.ref, desk.alice, expected_version=call.version, contact=dana)
    call.refresh_from_db()
    form = client_for("alice").get(f"/calls/{call.ref}/edit/").content.decode()
    assert "Remove the contact" in form
    other = add_contact(desk.default, "Sam Lee", email="sam@example.org", actor=desk.alice)
    clash = client_for("alice").post(f"/calls/{call.ref}/edit/", _form(call, contact=other.id, no_contact="on"))
    assert clash.status_code == 400 and "not both" in clash.content.decode()
    # the form comes with the call's contact picked: ticking "Remove the contact" removes it
    response = client_for("alice").post(f"/calls/{call.ref}/edit/", _form(call, contact=dana.id, no_contact="on"),
                                        follow=True)
    assert response.redirect_chain and Call.objects.get(pk=call.pk).contact_id is None
    assert "Dana Fisher" in response.content.decode()  # the history says who the contact was
    desk.configure(contact_required=True)
    call.refresh_from_db()
    edit_call(call.ref, desk.alice, expected_version=call.version, contact=dana)
    call.refresh_from_db()
    refused = client_for("alice").post(f"/calls/{call.ref}/edit/", _form(call, no_contact="on"))
    assert refused.status_code == 400 and Call.objects.get(pk=call.pk).contact_id == dana.id
