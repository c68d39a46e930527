"""The bulk action bar and its view: the form posts, each call is decided on its own, the result per call."""

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent
from closeloop.closure import Status
from closeloop.partitions.quality import add_checklist_item, add_rejection_category
from tests.integration.bulk.conftest import awaiting_closure

pytestmark = pytest.mark.django_db

URL = "/calls/bulk/"


@pytest.fixture
def waiting(desk):
    return [awaiting_closure(desk, s) for s in ("VPN drops", "Printer jams", "Outlook asks for password")]


@pytest.fixture
def assigned(desk):
    return calls.log_call(desk.default, "incident", "Laptop will not boot", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)


def status_of(call):
    return Call.objects.get(pk=call.pk).status


def render_bar(desk, username):
    """The partial as a list page includes it: with nothing in the context but the request."""
    request = RequestFactory().get("/calls/?status=forward_for_closure")
    request.user = getattr(desk, username)
    request.session = {}
    return Template('{% include "web/_bulk_bar.html" %}').render(RequestContext(request, {}))


class TestTheBar:
    def test_a_closer_gets_the_form_the_rows_belong_to_with_every_action(self, desk):
        add_checklist_item(desk.default, "User confirmed service restored", "bulk test")
        html = render_bar(desk, "carol")
        assert '<form id="bulk-form"' in html and 'action="/calls/bulk/"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'name="next" value="/calls/?status=forward_for_closure"' in html
        for action in ("take", "close", "reject", "forward", "assign"):
            assert f'<option value="{action}"' in html
        assert "Fixed" in html and "User confirmed service restored" in html and "Closure Group" in html

    def test_a_read_only_analyst_gets_no_bar(self, desk):
        assert "bulk-form" not in render_bar(desk, "erin")

    def test_a_list_page_shows_the_bar_as_kept_with_its_own_address_and_a_change_to_the_desk_at_once(
            self, client_for, desk):
        """Each app node renders an analyst's bar once per desk version: the next page shows the same fields
        with its own address to come back to, and a new rejection category as soon as it is saved."""
        carol = client_for("carol")
        first = carol.get("/calls/?status=closed").content.decode()
        assert 'name="next" value="/calls/?status=closed"' in first and "Wrong fix" not in first
        second = carol.get("/").content.decode()  # Calls Outstanding, from the same kept fields
        assert 'name="next" value="/"' in second and 'name="csrfmiddlewaretoken"' in second
        assert second.count('<option value="close"') == 1
        add_rejection_category(desk.default, "WRONG_FIX", "Wrong fix", "bulk bar test", desk.admin)
        assert "Wrong fix" in carol.get("/calls/?status=closed").content.decode()

    def test_the_bar_renders_without_a_request_as_nothing(self, desk):
        assert Template('{% include "web/_bulk_bar.html" %}').render(Context({})).strip() == ""


class TestThePost:
    def test_closing_several_calls_shows_each_outcome_and_the_refused_one(self, client_for, desk, waiting,
                                                                          assigned):
        refs = [waiting[0].ref, assigned.ref, waiting[1].ref]
        response = client_for("carol").post(URL, {"refs": refs, "action": "close", "close_reason": "FIXED",
                                                  "comments": "Users confirmed", "next": "/?queue=for_closure"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Closed 2 · Refused 1" in html
        assert f"{assigned.ref} is Assigned: you cannot close it now" in html
        assert f'href="/calls/{waiting[0].ref}/"' in html and 'href="/?queue=for_closure"' in html
        assert [status_of(c) for c in (waiting[0], assigned, waiting[1])] == [Status.CLOSED, Status.ASSIGNED,
                                                                              Status.CLOSED]
        assert list(CallEvent.objects.filter(call=assigned).values_list("action", flat=True)) == ["log", "assign"]

    def test_no_call_ticked_reshows_the_form_and_touches_nothing(self, client_for, desk, waiting):
        response = client_for("carol").post(URL, {"action": "close", "comments": "ok"})
        assert response.status_code == 400
        assert "Tick the calls to act on first" in response.content.decode()

    def test_a_missing_field_reshows_the_form_with_the_calls_still_ticked(self, client_for, desk, waiting):
        refs = [c.ref for c in waiting[:2]]
        response = client_for("carol").post(URL, {"refs": refs, "action": "close", "comments": " "})
        html = response.content.decode()
        assert response.status_code == 400 and "Closure comments is required" in html
        assert all(f'value="{r}"' in html and "checked" in html for r in refs)
        assert all(status_of(c) == Status.FORWARD_FOR_CLOSURE for c in waiting)

    def test_no_action_chosen_is_refused(self, client_for, desk, waiting):
        response = client_for("carol").post(URL, {"refs": [waiting[0].ref]})
        assert response.status_code == 400 and status_of(waiting[0]) == Status.FORWARD_FOR_CLOSURE

    def test_take_forward_reject_and_assign_from_the_bar(self, client_for, desk, waiting):
        carol = client_for("carol")
        assert "Taken 1" in carol.post(URL, {"refs": [waiting[0].ref], "action": "take"}).content.decode()
        response = carol.post(URL, {"refs": [waiting[1].ref], "action": "forward",
                                    "forward_to": f"g:{desk.closure_group.id}", "forward_reason": "For them"})
        assert "Forwarded 1" in response.content.decode()
        assert Call.objects.get(pk=waiting[1].pk).closure_target_group == desk.closure_group
        response = carol.post(URL, {"refs": [waiting[2].ref], "action": "reject", "reject_reason": "Still broken"})
        assert "Rejected 1" in response.content.decode() and status_of(waiting[2]) == Status.ASSIGNED
        response = carol.post(URL, {"refs": [waiting[2].ref], "action": "assign",
                                    "assign_group": desk.network.id, "assign_analyst": desk.bob.id})
        assert "Assigned 1" in response.content.decode()
        assert Call.objects.get(pk=waiting[2].pk).assigned_analyst == desk.bob

    def test_another_partitions_call_is_not_found_and_not_linked(self, client_for, desk):
        theirs = calls.log_call(desk.other, "incident", "Their printer", actor=desk.olga)
        response = client_for("carol").post(URL, {"refs": [theirs.ref], "action": "take"})
        html = response.content.decode()
        assert f"No call &#x27;{theirs.ref}&#x27; in your partitions" in html
        assert f'href="/calls/{theirs.ref}/"' not in html
        assert Call.objects.get(pk=theirs.pk).version == theirs.version

    def test_next_may_only_lead_back_into_the_site(self, client_for, desk, waiting):
        response = client_for("carol").post(URL, {"refs": [waiting[0].ref], "action": "take",
                                                  "next": "https://evil.example/"})
        assert 'href="https://evil.example/"' not in response.content.decode()
        assert 'href="/"' in response.content.decode()

    def test_a_get_is_not_allowed(self, client_for, desk):
        assert client_for("carol").get(URL).status_code == 405

    def test_the_actions_offered_follow_the_rights(self, client_for, desk, waiting):
        response = client_for("erin").post(URL, {"refs": [waiting[0].ref], "action": "take"})
        assert response.status_code == 400 and status_of(waiting[0]) == Status.FORWARD_FOR_CLOSURE


class TestAccessibility:
    def test_every_field_of_the_bar_and_of_the_reshown_form_has_a_label(self, client_for, desk, waiting):
        from tests.integration.web.test_accessibility import _Page, _unlabelled

        add_checklist_item(desk.default, "User confirmed service restored", "bulk test")
        bar = _Page()
        bar.feed(render_bar(desk, "carol"))
        reshown = _Page()
        reshown.feed(client_for("carol").post(URL, {"refs": [waiting[0].ref], "action": "close"}).content.decode())
        assert bar.fields and _unlabelled(bar) == []
        assert reshown.fields and _unlabelled(reshown) == [] and reshown.title.strip().endswith("· Closeloop")


class TestCost:
    def test_the_bar_costs_the_same_few_queries_however_many_calls_the_desk_has(self, desk, waiting):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        render_bar(desk, "carol")  # the directory and settings caches warm, as on any page of the desk
        with CaptureQueriesContext(connection) as few:
            render_bar(desk, "carol")
        for n in range(5):
            awaiting_closure(desk, f"More work {n}")
        with CaptureQueriesContext(connection) as more:
            render_bar(desk, "carol")
        assert len(few) == len(more) <= 10, "\n".join(q["sql"][:150] for q in more)
