"""Calls Outstanding, logging a call and the call page's actions, through Django's test client."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.partitions.models import ChecklistItem, RejectionCategory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_sign_in_page_has_a_title_and_labelled_fields(client, desk):
    html = client.get("/login/").content.decode()
    assert "<title>Sign in · Closeloop</title>" in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert "closeloop-demo" not in html  # no demo desk loaded: no demo credentials shown


def test_analyst_signs_in_with_password_and_lands_on_calls_outstanding(client, desk):
    from tests.desk import PASSWORD

    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert b"Calls Outstanding" in response.content and b"Partition Default" in response.content


def test_wrong_password_reshows_the_sign_in_form_with_a_message(client, desk):
    response = client.post("/login/", {"username": "alice", "password": "wrong-password"})
    assert response.status_code == 200 and b"correct username and password" in response.content


def test_calls_outstanding_shows_each_queue_with_its_count(client_for, resolved_call):
    html = client_for("carol").get("/").content.decode()
    assert 'data-queue="for_closure">1<' in html and 'data-queue="mine">0<' in html
    assert resolved_call.ref in html and "badge-for-closure" in html


def test_queue_tab_lists_only_that_queues_calls(client_for, desk, resolved_call):
    calls.log_call(desk.default, "incident", "Printer jam", assigned_analyst=desk.carol, actor=desk.alice)
    html = client_for("carol").get("/?queue=for_closure").content.decode()
    assert resolved_call.ref in html and "Printer jam" not in html
    html = client_for("carol").get("/?queue=mine").content.decode()
    assert resolved_call.ref not in html and "Printer jam" in html


def test_queue_counts_fragment_is_the_polled_tab_strip(client_for, resolved_call):
    response = client_for("carol").get("/queue-counts/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 20s"' in html and "<html" not in html
    assert 'data-queue="for_closure">1<' in html


def test_calls_outstanding_sorts_by_priority_and_pages_25_at_a_time(client_for, desk):
    for i in range(30):
        calls.log_call(desk.default, "incident", f"Call number {i}", priority=4 if i else 1,
                       assigned_analyst=desk.alice, actor=desk.alice)
    html = client_for("alice").get("/?queue=mine&sort=priority").content.decode()
    assert "Page 1 of 2 (30 calls)" in html
    assert html.index("Call number 0<") < html.index("Call number 1<")
    second = client_for("alice").get("/?queue=mine&sort=priority&page=2").content.decode()
    assert second.count("<tr data-row>") == 5  # the last five calls


def test_partition_switcher_lists_only_my_partitions_and_refuses_others(client_for, desk):
    client = client_for("alice")
    html = client.get("/").content.decode()
    assert ">Default</option>" in html and ">Other</option>" not in html
    response = client.post("/partition/", {"partition": desk.other.id})
    assert response.status_code == 404


def test_logging_a_call_opens_its_page(client_for, desk):
    response = client_for("alice").post("/calls/new/", {
        "call_type": "incident", "summary": "Laptop will not boot", "priority": "2",
        "log_group": desk.service_desk.id}, follow=True)
    call = Call.objects.get(summary="Laptop will not boot")
    assert response.redirect_chain[-1][0] == f"/calls/{call.ref}/"
    assert call.log_group == desk.service_desk and call.logged_by == desk.alice


def test_log_form_reshows_with_the_missing_field_named(client_for, desk):
    response = client_for("alice").post("/calls/new/", {"call_type": "incident", "summary": "", "priority": "3"})
    assert response.status_code == 400 and b"This field is required" in response.content


def test_read_only_analyst_is_refused_logging_with_the_services_message(client_for, desk):
    response = client_for("erin").post("/calls/new/", {"call_type": "incident", "summary": "x", "priority": "3"})
    assert response.status_code == 403 and b"Log" in response.content and b"right" in response.content


def test_call_of_another_partition_is_not_found(client_for, desk):
    other = calls.log_call(desk.other, "incident", "Elsewhere", actor=desk.olga)
    assert client_for("alice").get(f"/calls/{other.ref}/").status_code == 404
    response = client_for("alice").post(f"/calls/{other.ref}/take/", {"take-expected_version": other.version})
    assert response.status_code == 404


def test_resolver_sees_no_close_button_and_group_member_sees_take(client_for, resolved_call):
    ref = resolved_call.ref
    rita = client_for("rita").get(f"/calls/{ref}/").content.decode()
    assert f'action="/calls/{ref}/close/"' not in rita and f'action="/calls/{ref}/take/"' not in rita
    carol = client_for("carol").get(f"/calls/{ref}/").content.decode()
    assert f'action="/calls/{ref}/take/"' in carol
    assert "History" in carol and "Resolve to group" in carol


def test_take_then_close_with_reason_and_checklist(client_for, desk, resolved_call):
    item = ChecklistItem.objects.create(partition=desk.default, text="User confirmed the fix", required=True)
    client = client_for("carol")
    ref = resolved_call.ref
    assert client.post(f"/calls/{ref}/take/", {"take-expected_version": resolved_call.version}).status_code == 302
    call = Call.objects.get(ref=ref)
    page = client.get(f"/calls/{ref}/").content.decode()
    assert "User confirmed the fix (required)" in page and 'name="close-ticked"' in page
    refused = client.post(f"/calls/{ref}/close/", {"close-expected_version": call.version, "close-reason": "FIXED",
                                                  "close-comments": "Checked"})
    assert refused.status_code == 400 and b"Required checklist items are not ticked" in refused.content
    done = client.post(f"/calls/{ref}/close/", {"close-expected_version": call.version, "close-reason": "FIXED",
                                               "close-comments": "Checked", "close-ticked": [item.id]})
    assert done.status_code == 302
    call = Call.objects.get(ref=ref)
    assert call.status == "closed" and call.closure_reason.code == "FIXED"


def test_close_offers_only_reasons_linked_to_the_call_type(client_for, resolved_call):
    client = client_for("carol")
    calls.take_call(resolved_call.ref, Call.objects.get(ref=resolved_call.ref).closure_target_group.members.get(
        username="carol"))
    page = client.get(f"/calls/{resolved_call.ref}/").content.decode()
    assert 'value="FIXED"' in page and 'value="FULFILLED"' not in page


def test_stale_page_gets_the_changed_by_someone_else_message(client_for, desk, resolved_call):
    calls.take_call(resolved_call.ref, desk.carol)  # in another tab: the page below is now stale
    response = client_for("carol").post(f"/calls/{resolved_call.ref}/take/",
                                        {"take-expected_version": resolved_call.version})
    assert response.status_code == 409 and b"changed by someone else" in response.content


def test_reject_with_category_sends_the_call_back_to_the_resolver(client_for, desk, resolved_call):
    RejectionCategory.objects.create(partition=desk.default, code="NOT_FIXED", label="Not fixed")
    client = client_for("carol")
    call = calls.take_call(resolved_call.ref, desk.carol)
    response = client.post(f"/calls/{call.ref}/reject/", {"reject-expected_version": call.version,
                                                         "reject-reason": "Still failing",
                                                         "reject-category": "NOT_FIXED"})
    assert response.status_code == 302
    call = Call.objects.get(ref=call.ref)
    assert (call.status, call.assigned_analyst) == ("assigned", desk.rita)
    assert call.closure_decisions.get().rejection_category.code == "NOT_FIXED"
    html = client_for("rita").get("/?queue=mine").content.decode()
    assert call.ref in html


def test_reject_without_a_reason_names_the_field(client_for, desk, resolved_call):
    call = calls.take_call(resolved_call.ref, desk.carol)
    response = client_for("carol").post(f"/calls/{call.ref}/reject/", {"reject-expected_version": call.version,
                                                                        "reject-reason": ""})
    assert response.status_code == 400 and b"This field is required" in response.content


def test_resolve_under_rules_shows_where_the_call_will_go(client_for, desk):
    call = calls.log_call(desk.default, "incident", "Mail bounce", log_group=desk.service_desk,
                          assigned_analyst=desk.alice, actor=desk.alice)
    page = client_for("alice").get(f"/calls/{call.ref}/").content.decode()
    assert "Resolving sends it to <strong>Service Desk</strong>" in page
    assert 'name="resolve-closer"' not in page  # designated closers are not allowed on this desk


def test_resolve_under_comments_offers_only_eligible_closers(client_for, desk):
    desk.configure(closure_method="comments", require_independent_closer=True)
    call = calls.log_call(desk.default, "incident", "Mail bounce", assigned_analyst=desk.carol, actor=desk.alice)
    page = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
    assert f'value="a:{desk.dave.id}"' in page and f'value="a:{desk.carol.id}"' not in page
    assert f'value="a:{desk.alice.id}"' not in page  # alice lacks the Closure Comments right
    response = client_for("carol").post(f"/calls/{call.ref}/resolve/", {
        "resolve-expected_version": call.version, "resolve-resolution": "Fixed the MX record",
        "resolve-closer": f"a:{desk.dave.id}"})
    assert response.status_code == 302
    assert Call.objects.get(ref=call.ref).closure_target_analyst == desk.dave


def test_assign_and_hold_and_resume_from_the_call_page(client_for, desk):
    call = calls.log_call(desk.default, "incident", "Slow Wi-Fi", actor=desk.alice)
    client = client_for("alice")
    assert client.post(f"/calls/{call.ref}/assign/", {"assign-expected_version": call.version,
                                                      "assign-group": desk.network.id}).status_code == 302
    call = Call.objects.get(ref=call.ref)
    assert call.assigned_group == desk.network
    assert client.post(f"/calls/{call.ref}/hold/", {"hold-expected_version": call.version,
                                                    "hold-reason": "Waiting for user"}).status_code == 302
    call = Call.objects.get(ref=call.ref)
    assert call.status == "on_hold"
    assert client.post(f"/calls/{call.ref}/resume/", {"resume-expected_version": call.version}).status_code == 302
    assert Call.objects.get(ref=call.ref).status == "assigned"


def test_assign_form_with_nothing_chosen_says_what_to_choose(client_for, desk):
    call = calls.log_call(desk.default, "incident", "Slow Wi-Fi", actor=desk.alice)
    response = client_for("alice").post(f"/calls/{call.ref}/assign/", {"assign-expected_version": call.version})
    assert response.status_code == 400 and b"Choose a group, an analyst, or both" in response.content


def test_reforward_moves_the_call_to_another_eligible_closer(client_for, desk, resolved_call):
    call = calls.take_call(resolved_call.ref, desk.carol)
    response = client_for("carol").post(f"/calls/{call.ref}/forward/", {
        "forward-expected_version": call.version, "forward-target": f"a:{desk.dave.id}",
        "forward-reason": "Dave knows VPN"})
    assert response.status_code == 302
    assert Call.objects.get(ref=call.ref).closure_target_analyst == desk.dave


def test_unknown_call_action_is_not_found(client_for, resolved_call):
    assert client_for("carol").post(f"/calls/{resolved_call.ref}/explode/", {}).status_code == 404


def test_pages_load_htmx_and_styles_from_our_own_static_files(client_for, desk):
    html = client_for("alice").get("/").content.decode()
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html and "/static/closeloop/closeloop.css" in html
    assert "https://" not in html.split("<body", 1)[0]  # no CDN in the head
    assert "<header" in html and "<nav" in html and '<main id="main"' in html


def test_sign_in_page_shows_the_demo_credentials_when_the_demo_desk_is_loaded(client, db):
    from closeloop.demo import DEMO_PASSWORD, load_demo

    load_demo(calls_per_partition=4)
    html = client.get("/login/").content.decode()
    assert f"<code>{DEMO_PASSWORD}</code>" in html and "alice" in html
    assert client.post("/login/", {"username": "alice", "password": DEMO_PASSWORD}).status_code == 302


def test_designated_closer_is_offered_under_rules_when_the_partition_allows_it(client_for, desk):
    desk.configure(allow_designated_closer=True)
    call = calls.log_call(desk.default, "incident", "Mail bounce", log_group=desk.service_desk,
                          assigned_analyst=desk.alice, actor=desk.alice)
    page = client_for("alice").get(f"/calls/{call.ref}/").content.decode()
    assert "Designated closer (optional)" in page and f'value="a:{desk.dave.id}"' in page
    response = client_for("alice").post(f"/calls/{call.ref}/resolve/", {
        "resolve-expected_version": call.version, "resolve-resolution": "Fixed the MX record",
        "resolve-closer": f"a:{desk.dave.id}"})
    assert response.status_code == 302
    assert Call.objects.get(ref=call.ref).closure_target_analyst == desk.dave


def test_immediate_method_resolves_and_closes_with_a_linked_reason(client_for, desk):
    desk.configure(closure_method="immediate")
    call = calls.log_call(desk.default, "incident", "Toner empty", assigned_analyst=desk.carol, actor=desk.alice)
    client = client_for("carol")
    page = client.get(f"/calls/{call.ref}/").content.decode()
    assert "closes calls when they are resolved" in page and 'name="resolve-reason"' in page
    refused = client.post(f"/calls/{call.ref}/resolve/", {"resolve-expected_version": call.version,
                                                          "resolve-resolution": "Replaced toner"})
    assert refused.status_code == 400 and b"A closure reason is required" in refused.content
    done = client.post(f"/calls/{call.ref}/resolve/", {"resolve-expected_version": call.version,
                                                       "resolve-resolution": "Replaced toner",
                                                       "resolve-reason": "FIXED"})
    assert done.status_code == 302 and Call.objects.get(ref=call.ref).status == "closed"
