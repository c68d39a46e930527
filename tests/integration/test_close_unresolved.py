"""Closed/Unresolved on a real database: the use case (rights, reasons, duplicates linked both ways), the call
page, the API, the CLI, the reasons' management and where closed calls are counted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent, ClosureDecision
from closeloop.calls.queries import outstanding_summary
from closeloop.calls.unresolved import close_unresolved_call
from closeloop.cli.main import main
from closeloop.closure import InvalidInput, InvalidTransition, NotAllowed, NotFound, Status
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ClosureReason, SettingsChange
from closeloop.reports.base import Period
from closeloop.reports.closure_stage import time_to_close
from tests.integration.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

EVERY_TYPE = ["incident", "service_request", "problem", "known_error", "major_incident"]


@pytest.fixture
def reasons(desk):  # type: ignore[no-untyped-def]
    partitions.add_closure_reason(desk.default, "CANCELLED", "Cancelled", EVERY_TYPE, unresolved=True)
    partitions.add_closure_reason(desk.default, "DUPLICATE", "Duplicate", EVERY_TYPE, unresolved=True)
    partitions.add_closure_reason(desk.default, "NO-RESPONSE", "No response", ["service_request"], unresolved=True)
    partitions.add_closure_reason(desk.other, "CANCELLED", "Cancelled", ["incident"], unresolved=True)
    return desk


def assigned(desk, summary="Printer jams on tray 2", partition=None, actor=None, group=None, analyst=None):
    partition = partition or desk.default
    return calls.log_call(partition, "incident", summary, log_group=group or desk.service_desk,
                          assigned_group=group or desk.service_desk,
                          assigned_analyst=analyst if analyst is not None else desk.rita, actor=actor or desk.alice)


def cancel(call, actor, **kw):
    kw.setdefault("reason", "CANCELLED")
    kw.setdefault("comments", "Logged in error")
    return close_unresolved_call(call.ref, actor, kw.pop("kind", "cancelled"), **kw)


class TestRights:
    def test_a_closer_cancels_an_open_call_and_nothing_counts_it_as_resolved(self, reasons):
        call = cancel(assigned(reasons), reasons.carol)
        call.refresh_from_db()
        assert (call.status, call.unresolved_kind, call.closed_by, call.resolution) == (
            Status.CLOSED_UNRESOLVED, "cancelled", reasons.carol, "")
        assert call.closure_reason.code == "CANCELLED" and call.closed_at is not None
        assert call.status_headline == "Closed/Unresolved — Cancelled (logged in error)"
        event = call.events.last()
        assert (event.action, event.from_status, event.to_status) == ("close_unresolved", "assigned",
                                                                      "closed_unresolved")
        assert event.details == {"kind": "cancelled", "reason": "CANCELLED"}
        assert not ClosureDecision.objects.exists()  # no resolution was validated

    def test_the_resolver_may_only_where_the_partition_allows_it(self, reasons):
        call = assigned(reasons)
        with pytest.raises(NotAllowed, match="rita lacks the 'Closure Comments' right"):
            cancel(call, reasons.rita)
        assert Call.objects.get(pk=call.pk).status == Status.ASSIGNED
        reasons.configure(resolver_may_close_unresolved=True)
        assert Action_offered(call, reasons.rita)
        assert not Action_offered(call, reasons.alice)  # in the group, but the call is rita's
        with pytest.raises(NotAllowed, match="alice does not work"):
            cancel(call, reasons.alice)
        assert cancel(call, reasons.rita).closed_by == reasons.rita

    def test_in_the_closure_stage_only_a_closer_of_the_target(self, reasons):
        call = calls.resolve_call(assigned(reasons).ref, reasons.rita, "Cleared the jam")
        reasons.configure(resolver_may_close_unresolved=True)
        with pytest.raises(NotAllowed, match="rita lacks the 'Closure Comments' right"):
            cancel(call, reasons.rita)
        with pytest.raises(NotAllowed, match="only its members"):
            cancel(call, reasons.mia)  # a closer, but of another group
        done = cancel(call, reasons.carol)
        assert done.status == Status.CLOSED_UNRESOLVED and done.resolution == "Cleared the jam"

    def test_a_closed_call_cannot_be_closed_again(self, reasons):
        call = cancel(assigned(reasons), reasons.carol)
        with pytest.raises(InvalidTransition, match="is Closed/Unresolved"):
            cancel(call, reasons.carol)


def Action_offered(call, analyst) -> bool:  # noqa: N802 - reads as a sentence in the tests
    from closeloop.closure import Action

    return Action.CLOSE_UNRESOLVED in calls.actions_for(Call.objects.get(pk=call.pk), analyst)


class TestReasons:
    def test_the_reason_must_be_one_for_unresolved_calls(self, reasons):
        with pytest.raises(InvalidInput, match="FIXED is for resolved calls") as refused:
            cancel(assigned(reasons), reasons.carol, reason="FIXED")
        assert refused.value.field == "reason"

    def test_the_reason_must_be_linked_to_the_call_type(self, reasons):
        with pytest.raises(InvalidInput, match="NO-RESPONSE does not apply to an Incident"):
            cancel(assigned(reasons), reasons.carol, kind="no_response", reason="NO-RESPONSE")

    def test_a_normal_close_refuses_a_reason_for_unresolved_calls(self, reasons):
        call = calls.resolve_call(assigned(reasons).ref, reasons.rita, "Cleared the jam")
        with pytest.raises(InvalidInput, match="CANCELLED is for Closed/Unresolved calls"):
            calls.close_call(call.ref, reasons.carol, "Checked", reason="CANCELLED")

    def test_an_unknown_kind_is_refused_naming_the_field(self, reasons):
        with pytest.raises(InvalidInput) as refused:
            cancel(assigned(reasons), reasons.carol, kind="abandoned")
        assert refused.value.field == "kind"

    def test_adding_a_reason_for_unresolved_calls_is_audited(self, desk):
        partitions.add_closure_reason(desk.default, "CANCELLED", "Cancelled", ["incident"], desk.admin,
                                      unresolved=True)
        change = SettingsChange.objects.filter(partition=desk.default).order_by("-id").first()
        assert change.after["CANCELLED"] == {"label": "Cancelled", "active": True, "types": ["incident"],
                                             "unresolved": True}


class TestDuplicates:
    def test_a_duplicate_is_linked_both_ways(self, reasons):
        original, again = assigned(reasons, "E-mail down"), assigned(reasons, "No e-mail")
        done = cancel(again, reasons.carol, kind="duplicate", reason="DUPLICATE", duplicate_of=original.ref.lower())
        assert done.duplicate_of_id == original.id and list(original.duplicates.all()) == [done]
        assert done.status_headline == f"Closed/Unresolved — Duplicate of {original.ref}"
        assert done.events.last().note.startswith(f"Closed/Unresolved — Duplicate of {original.ref}")
        link = CallEvent.objects.filter(call=original).last()
        assert (link.action, link.from_status, link.to_status, link.note) == (
            "link_duplicate", "assigned", "assigned", f"{done.ref} was closed as a duplicate of this call")
        original.refresh_from_db()
        assert original.status == Status.ASSIGNED and original.version == 3

    def test_not_a_duplicate_of_itself(self, reasons):
        call = assigned(reasons)
        with pytest.raises(InvalidInput, match="cannot be a duplicate of itself"):
            cancel(call, reasons.carol, kind="duplicate", reason="DUPLICATE", duplicate_of=call.ref)

    def test_not_a_duplicate_of_a_call_that_is_already_its_duplicate(self, reasons):
        first, second = assigned(reasons, "E-mail down"), assigned(reasons, "No e-mail")
        cancel(second, reasons.carol, kind="duplicate", reason="DUPLICATE", duplicate_of=first.ref)
        with pytest.raises(InvalidInput, match=f"already closed as a duplicate of {first.ref}"):
            cancel(first, reasons.carol, kind="duplicate", reason="DUPLICATE", duplicate_of=second.ref)

    def test_a_call_of_another_partition_is_not_found(self, reasons):
        elsewhere = assigned(reasons, partition=reasons.other, actor=reasons.olga, group=reasons.other_group,
                             analyst=reasons.olga)
        call = assigned(reasons)
        for ref in (elsewhere.ref, "INC-999999"):
            with pytest.raises(NotFound) as refused:
                cancel(call, reasons.carol, kind="duplicate", reason="DUPLICATE", duplicate_of=ref)
            assert refused.value.field == "duplicate_of"
        assert Call.objects.get(pk=call.pk).status == Status.ASSIGNED
        assert not CallEvent.objects.filter(call=elsewhere, action="link_duplicate").exists()

    def test_the_system_operator_may_link_across_its_partitions_only_within_one(self, reasons):
        elsewhere = assigned(reasons, partition=reasons.other, actor=reasons.olga, group=reasons.other_group,
                             analyst=reasons.olga)
        with pytest.raises(NotFound):
            cancel(assigned(reasons), None, kind="duplicate", reason="DUPLICATE", duplicate_of=elsewhere.ref)


class TestWhereClosedCallsAreCounted:
    def test_calls_outstanding_and_time_to_close_keep_unresolved_closes_apart(self, reasons):
        cancel(assigned(reasons), reasons.carol)
        summary = outstanding_summary(reasons.rita)
        assert "Closed/Unresolved" not in summary.statuses and "Closed" not in summary.statuses
        today = timezone.localdate()
        report = time_to_close(reasons.default, Period(today - timedelta(days=7), today))
        partition_row = next(r for r in report.rows if r["dimension"] == "partition")
        assert (partition_row["closed"], partition_row["closed_unresolved"]) == (0, 1)
        assert any(r["dimension"] == "closer" and r["name"] == "carol" and r["closed_unresolved"] == 1
                   for r in report.rows)


class TestEntryPoints:
    def test_the_api_closes_as_unresolved_and_shows_both_sides_of_a_duplicate(self, reasons):
        original, again = assigned(reasons, "E-mail down"), assigned(reasons, "No e-mail")
        api = ApiClient(reasons.carol)
        assert "close-unresolved" in api.get(f"/calls/{again.ref}").body["actions"]
        refused = api.post(f"/calls/{again.ref}/close-unresolved", {"kind": "duplicate", "reason": "DUPLICATE",
                                                                    "comments": "Same outage"})
        assert (refused.status, refused.error[1]) == (400, "duplicate_of")
        done = api.post(f"/calls/{again.ref}/close-unresolved", {"kind": "duplicate", "reason": "DUPLICATE",
                                                                 "comments": "Same outage",
                                                                 "duplicate_of": original.ref})
        assert done.status == 200, done.body
        assert (done.body["status"], done.body["status_label"], done.body["unresolved_kind"],
                done.body["duplicate_of"]) == ("closed_unresolved", "Closed/Unresolved", "duplicate", original.ref)
        assert "close-unresolved" not in done.body["actions"]
        assert api.get(f"/calls/{original.ref}").body["duplicates"] == [again.ref]
        listed = api.get("/calls?status=closed_unresolved").body["items"]
        assert [(c["ref"], c["duplicate_of"]) for c in listed] == [(again.ref, original.ref)]

    def test_the_api_refuses_a_resolver_with_403(self, reasons):
        call = assigned(reasons)
        refused = ApiClient(reasons.rita).post(f"/calls/{call.ref}/close-unresolved",
                                               {"kind": "cancelled", "reason": "CANCELLED", "comments": "Error"})
        assert refused.status == 403 and "close-unresolved" not in ApiClient(reasons.rita).get(
            f"/calls/{call.ref}").body["actions"]

    def test_the_api_lists_reasons_for_unresolved_calls_apart(self, reasons):
        rows = ApiClient(reasons.carol).get("/closure-reasons?partition=Default&unresolved=true").body
        assert {r["code"] for r in rows} == {"CANCELLED", "DUPLICATE", "NO-RESPONSE"}
        assert all(r["unresolved"] for r in rows)

    def test_the_cli_closes_as_unresolved_and_reports_errors(self, reasons, capsys):
        call = assigned(reasons)
        code = main(["--as", "carol", "call", "close-unresolved", call.ref, "--kind", "duplicate", "--reason",
                     "DUPLICATE", "--comments", "Same", "--duplicate-of", call.ref, "--json"])
        assert code != 0 and json.loads(capsys.readouterr().err)["field"] == "duplicate_of"
        code = main(["--as", "carol", "call", "close-unresolved", call.ref, "--kind", "cancelled", "--reason",
                     "CANCELLED", "--comments", "Logged twice"])
        assert code == 0
        assert capsys.readouterr().out.strip() == f"{call.ref} closed: Closed/Unresolved — Cancelled (logged in error)"

    def test_the_cli_adds_and_lists_reasons_for_unresolved_calls(self, desk, capsys):
        assert main(["reason", "add", "Default", "DUP", "Duplicate", "--type", "incident", "--unresolved"]) == 0
        assert "for Closed/Unresolved calls" in capsys.readouterr().out
        assert ClosureReason.objects.get(code="DUP").unresolved
        assert main(["reason", "list", "Default"]) == 0
        assert "DUP: Duplicate (incident) [Closed/Unresolved]" in capsys.readouterr().out

    def test_the_call_page_offers_the_form_with_only_unresolved_reasons_and_shows_errors(self, reasons):
        original, again = assigned(reasons, "E-mail down"), assigned(reasons, "No e-mail")
        client = Client()
        client.force_login(reasons.carol)
        html = client.get(f"/calls/{again.ref}/").content.decode()
        assert f'action="/calls/{again.ref}/close-unresolved/"' in html
        form = html.split('id="action-close-unresolved"')[1].split("</form>")[0]
        assert 'value="DUPLICATE"' in form and 'value="FIXED"' not in form
        close_form = html.split('id="action-close"')[1].split("</form>")[0] if 'id="action-close"' in html else ""
        assert 'value="CANCELLED"' not in close_form
        data = {"unresolved-expected_version": again.version, "unresolved-kind": "duplicate",
                "unresolved-reason": "DUPLICATE", "unresolved-comments": "Same outage"}
        refused = client.post(f"/calls/{again.ref}/close-unresolved/", data)
        assert refused.status_code == 400 and "Name the call" in refused.content.decode()
        done = client.post(f"/calls/{again.ref}/close-unresolved/", {**data, "unresolved-duplicate_of": original.ref},
                           follow=True)
        page = done.content.decode()
        assert done.status_code == 200 and "closed as Closed/Unresolved" in page
        assert f'Duplicate of <a href="/calls/{original.ref}/">{original.ref}</a>' in page
        assert 'class="badge badge-unresolved">Closed/Unresolved<' in page
        original_page = client.get(f"/calls/{original.ref}/").content.decode()
        assert f'<dt>Duplicates</dt><dd><a href="/calls/{again.ref}/">{again.ref}</a>' in original_page

    def test_the_call_page_does_not_offer_it_to_a_resolver_by_default(self, reasons):
        call = assigned(reasons)
        client = Client()
        client.force_login(reasons.rita)
        assert "close-unresolved" not in client.get(f"/calls/{call.ref}/").content.decode()
        assert client.post(f"/calls/{call.ref}/close-unresolved/", {
            "unresolved-expected_version": call.version, "unresolved-kind": "cancelled",
            "unresolved-reason": "CANCELLED", "unresolved-comments": "x"}).status_code == 403

    def test_the_reasons_page_adds_a_reason_for_unresolved_calls(self, desk):
        client = Client()
        client.force_login(desk.admin)
        response = client.post("/system/reasons/", {"op": "create", "code": "CANCELLED", "label": "Cancelled",
                                                    "call_types": ["incident"], "unresolved": "on"})
        assert response.status_code == 302 and ClosureReason.objects.get(code="CANCELLED").unresolved
        assert "For Closed/Unresolved" in client.get("/system/reasons/").content.decode()
