"""Pages show only what the analyst may do, in users' words; Calls Outstanding marks what came back and pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.queries import outstanding_calls
from closeloop.partitions.quality import add_checklist_item
from closeloop.reports.services import raise_problem

pytestmark = pytest.mark.django_db


def _options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select, select_name
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(1))


class TestOnlyWhatTheAnalystMayDo:
    def test_a_read_only_analyst_sees_no_log_a_call(self, client_for):
        html = client_for("erin").get("/").content.decode()
        assert "Log a call" not in html
        assert 'href="/calls/new/"' not in html
        assert client_for("erin").get("/calls/new/").status_code == 403  # and the page still refuses

    def test_an_analyst_with_the_log_right_sees_log_a_call(self, client_for):
        assert 'href="/calls/new/"' in client_for("alice").get("/").content.decode()

    def test_the_assignee_picker_lists_only_analysts_who_can_work_the_call(self, client_for, desk):
        call = calls.log_call(desk.default, "incident", "Mail bounces", actor=desk.alice)
        html = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
        names = _options(html, "assign-analyst")
        assert "erin" not in names  # Read only: cannot resolve
        assert "olga" not in names  # another partition
        assert {"alice", "rita", "bob", "carol"} <= set(names)

    def test_choosing_a_group_narrows_the_analysts_to_its_workers(self, client_for, desk):
        call = calls.log_call(desk.default, "incident", "Mail bounces", actor=desk.alice)
        html = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
        assert f'hx-get="/assignees/{call.ref}/"' in html and 'hx-target="#id_assign-analyst"' in html
        options = client_for("carol").get(f"/assignees/{call.ref}/", {"assign-group": desk.network.id})
        assert re.findall(r'<option value="\d+">([^<]*)</option>', options.content.decode()) == ["bob", "mia"]
        assert client_for("olga").get(f"/assignees/{call.ref}/").status_code == 404

    def test_an_analyst_outside_the_chosen_group_is_refused_with_why(self, client_for, desk):
        call = calls.log_call(desk.default, "incident", "Mail bounces", actor=desk.alice)
        response = client_for("carol").post(f"/calls/{call.ref}/assign/", {
            "assign-expected_version": call.version, "assign-group": desk.network.id, "assign-analyst": desk.rita.id})
        assert response.status_code == 400
        assert "Choose an analyst of Network who can work the call" in response.content.decode()

    def test_the_call_page_says_why_each_missing_action_is_not_offered(self, client_for, resolved_call):
        html = client_for("rita").get(f"/calls/{resolved_call.ref}/").content.decode()
        assert "Not offered" in html  # the same reason for every closure action: one line
        assert ("Take, Close, Reject resolution, Re-forward and Close as unresolved are not offered: rita lacks the "
                "&#x27;Closure Comments&#x27; right (close) in partition Default") in html

    def test_the_call_page_explains_an_independent_closer(self, client_for, desk):
        desk.configure(require_independent_closer=True)
        call = calls.log_call(desk.default, "incident", "Disk full", log_group=desk.service_desk,
                              assigned_analyst=desk.carol, actor=desk.alice)
        calls.resolve_call(call.ref, desk.carol, "Freed space")
        html = client_for("carol").get(f"/calls/{call.ref}/").content.decode()
        assert (f"Close, Reject resolution, Re-forward and Close as unresolved are not offered: carol resolved "
                f"{call.ref} and partition Default requires an independent closer") in html

    def test_the_api_lists_what_is_not_offered_and_why(self, desk, resolved_call):
        token = create_token(desk.rita, "t")[1]
        body = Client().get(f"/api/v1/calls/{resolved_call.ref}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        reasons = {item["action"]: item["reason"] for item in body["not_offered"]}
        assert reasons["close"].startswith("Close is not offered: rita lacks the 'Closure Comments' right")

    def test_the_close_form_shows_every_problem_at_once(self, client_for, desk, resolved_call):
        add_checklist_item(desk.default, "User confirmed the fix", "quality drive", desk.admin)
        calls.take_call(resolved_call.ref, desk.carol)
        call = calls.get_call(resolved_call.ref, desk.carol)
        response = client_for("carol").post(f"/calls/{call.ref}/close/", {"close-expected_version": call.version})
        html = response.content.decode()
        assert response.status_code == 400
        assert "This field is required." in html  # the comments
        assert "A closure reason is required to close an Incident" in html
        assert "Required checklist items are not ticked: User confirmed the fix" in html

    def test_history_details_are_in_users_words_with_linked_calls(self, client_for, desk):
        first = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        problem = raise_problem(desk.default, [first.ref], "Recurring: VPN drops", desk.carol)
        html = client_for("carol").get(f"/calls/{problem.ref}/").content.decode()
        assert f'Calls: <a href="/calls/{first.ref}/">{first.ref}</a>' in html
        assert "Type: Problem" in html and "[&#x27;" not in html
        html = client_for("carol").get(f"/calls/{first.ref}/").content.decode()
        assert "Type: Incident · Priority: P3 Medium" in html


class TestARaisedProblem:
    def test_it_lands_in_the_chosen_groups_queue(self, desk):
        call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        problem = raise_problem(desk.default, [call.ref], "Recurring: VPN drops", desk.carol, group="Network")
        assert problem.assigned_group == desk.network and problem.status == "assigned"
        assert problem.ref in [c.ref for c in outstanding_calls(desk.bob, "groups")]
        assert "assign" in list(problem.events.values_list("action", flat=True))

    def test_by_default_it_goes_to_the_raisers_own_group(self, desk):
        call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        problem = raise_problem(desk.default, [call.ref], "Recurring: VPN drops", desk.mia)
        assert problem.assigned_group == desk.network

    def test_a_raiser_with_no_group_must_choose_one(self, desk):
        from closeloop.closure import InvalidInput

        call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        with pytest.raises(InvalidInput, match="Choose the group that works the Problem"):
            raise_problem(desk.default, [call.ref], "Recurring: VPN drops", desk.admin)

    def test_the_api_takes_the_group(self, desk):
        call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        token = create_token(desk.carol, "t")[1]
        response = Client().post("/api/v1/reports/recurring/problems", json.dumps(
            {"partition": "Default", "refs": [call.ref], "summary": "VPN", "group": "Network"}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 201 and response.json()["group"] == "Network"
        response = Client().post("/api/v1/reports/recurring/problems", json.dumps(
            {"partition": "Default", "refs": [call.ref], "summary": "VPN", "group": "Nowhere"}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 404 and response.json()["field"] == "group"


    def test_the_cli_takes_the_group_and_says_where_the_problem_went(self, desk, capsys):
        from closeloop.cli.main import main

        call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
        code = main(["raise-problem", call.ref, "--partition", "Default", "--summary", "VPN", "--group", "Network",
                     "--as", "carol"])
        out = capsys.readouterr().out
        assert code == 0 and "assigned to Network" in out
        code = main(["raise-problem", call.ref, "--partition", "Default", "--summary", "VPN", "--group", "Nowhere",
                     "--as", "carol"])
        assert code != 0 and "Nowhere" in capsys.readouterr().err

    def test_the_recurring_issues_form_offers_the_groups_with_the_raisers_own_chosen(self, client_for, desk):
        from tests.integration.reports.test_recurring_issues import closed

        refs = [closed(desk, "Printer on floor 2 shows paper jam", "Cleared tray 2.", d) for d in (3, 4)]
        page = client_for("mia").get("/reports/recurring/", {"partition": "Default", "from": "2026-03-02",
                                                              "to": "2026-03-15"}).content.decode()
        assert '<option value="Network" selected>Network</option>' in page
        response = client_for("mia").post("/reports/recurring/raise-problem/", {
            "partition": "Default", "from": "2026-03-02", "to": "2026-03-15", "prefix": "c1",
            "c1-refs": " ".join(refs), "c1-summary": "Printers jam", "c1-group": "Service Desk"})
        assert response.status_code == 302
        from closeloop.calls.models import Call

        assert Call.objects.get(call_type="problem").assigned_group == desk.service_desk


class TestCallsOutstanding:
    def test_calls_that_came_back_are_marked_with_words(self, client_for, desk, resolved_call):
        calls.take_call(resolved_call.ref, desk.carol)
        calls.reject_resolution(resolved_call.ref, desk.carol, "Still drops")
        calls.resolve_call(resolved_call.ref, desk.rita, "Replaced the router")
        calls.take_call(resolved_call.ref, desk.carol)
        calls.reject_resolution(resolved_call.ref, desk.carol, "Still drops")
        html = client_for("rita").get("/?queue=mine").content.decode()
        assert "Rejected ×2" in html

    def test_the_cli_marks_calls_that_came_back_too(self, desk, resolved_call, capsys):
        from closeloop.cli.main import main

        calls.take_call(resolved_call.ref, desk.carol)
        calls.reject_resolution(resolved_call.ref, desk.carol, "Still drops")
        assert main(["outstanding", "--as", "rita"]) == 0
        out = capsys.readouterr().out
        assert f"{resolved_call.ref}" in out and "P3 Medium" in out and "[rejected ×1]" in out

    def test_rows_show_the_priority_label_and_the_closure_wait(self, client_for, desk):
        call = calls.log_call(desk.default, "incident", "Old printer", log_group=desk.service_desk, priority=2,
                              assigned_analyst=desk.rita, actor=desk.alice, at=timezone.now() - timedelta(days=3))
        calls.resolve_call(call.ref, desk.rita, "Fixed", at=timezone.now() - timedelta(hours=5))
        html = client_for("carol").get("/?queue=for_closure").content.decode()
        assert "P2 High" in html
        row = html[html.index(f">{call.ref}<"):]
        assert "3d 0h" in row[:1500] and "5h 0m" in row[:1500]  # logged 3 days ago, waiting for closure 5 hours
        assert f'<input type="checkbox" name="refs" value="{call.ref}" form="bulk-form"' in html

    def test_pages_are_numbered_and_keep_the_queue_and_sort(self, client_for, desk):
        for i in range(60):
            calls.log_call(desk.default, "incident", f"Call {i}", assigned_analyst=desk.alice, actor=desk.alice)
        html = client_for("alice").get("/?queue=mine&sort=-age&page=2").content.decode()
        assert "Page 2 of 3 (60 calls)" in html
        assert 'href="?queue=mine&amp;sort=-age&amp;page=3" aria-label="Page 3"' in html
        assert 'href="?queue=mine&amp;sort=-age&amp;page=2" aria-current="page"' in html
