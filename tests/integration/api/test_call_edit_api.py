"""Editing a call, the priority matrix and categories through the REST API."""

from __future__ import annotations

import pytest

from closeloop.partitions import catalogue

pytestmark = pytest.mark.django_db


def test_a_patch_edits_the_call_and_the_history_shows_before_and_after(as_, logged) -> None:
    reply = as_("rita").request("PATCH", f"/calls/{logged.ref}", {"summary": "VPN down for the site", "impact": 1,
                                                                  "urgency": "high", "version": logged.version})
    assert reply.status == 200, reply.body
    assert (reply.body["summary"], reply.body["priority"], reply.body["priority_label"]) == (
        "VPN down for the site", 1, "P1 Critical")
    assert (reply.body["impact"], reply.body["urgency"]) == (1, 1)
    history = as_("rita").get(f"/calls/{logged.ref}/history").body
    assert history[-1]["action"] == "edit"
    assert history[-1]["details"]["changes"]["priority"] == ["P3 Medium", "P1 Critical"]


def test_a_stale_patch_is_refused_with_409(as_, logged) -> None:
    as_("rita").request("PATCH", f"/calls/{logged.ref}", {"summary": "First"}, If_Match=str(logged.version))
    reply = as_("alice").request("PATCH", f"/calls/{logged.ref}", {"summary": "Second"},
                                 If_Match=str(logged.version))
    assert reply.status == 409 and reply.error == ("changed_by_other", "version")


def test_a_patch_naming_a_category_of_another_partition_is_refused_naming_the_field(as_, desk, logged) -> None:
    other = catalogue.add_category(desk.other, "Printers")
    reply = as_("rita").request("PATCH", f"/calls/{logged.ref}", {"category": other.id})
    assert reply.status == 400 and reply.error == ("invalid_input", "category")


def test_null_clears_the_log_group_and_omitted_fields_stay(as_, logged) -> None:
    reply = as_("rita").request("PATCH", f"/calls/{logged.ref}", {"log_group": None})
    assert reply.status == 200, reply.body
    assert reply.body["log_group"] is None and reply.body["summary"] == logged.summary


def test_logging_with_impact_and_urgency_reads_the_matrix(as_, desk) -> None:
    catalogue.add_category(desk.default, "Network")
    reply = as_("alice").post("/calls", {"partition": "Default", "summary": "Site offline", "impact": 1,
                                         "urgency": 1, "category": "Network"})
    assert reply.status == 201, reply.body
    assert (reply.body["priority"], reply.body["category"]) == (1, "Network")
    legacy = as_("alice").post("/calls", {"partition": "Default", "summary": "Old client", "priority": 2})
    assert legacy.body["priority"] == 2


def test_the_priority_matrix_is_read_and_changed_with_a_reason(as_) -> None:
    assert as_("rita").get("/partitions/Default/priority-matrix").body["cells"]["1,1"] == 1
    reply = as_("admin").put("/partitions/Default/priority-matrix",
                             {"cells": {"1,1": 2}, "change_reason": "No P1 without a major incident"})
    assert reply.status == 200 and reply.body["cells"]["1,1"] == 2 and reply.body["version"] == 1
    bad = as_("admin").put("/partitions/Default/priority-matrix", {"cells": {"1,1": 7}, "change_reason": "typo"})
    assert bad.status == 400 and bad.error == ("invalid_input", "p_1_1")


def test_a_call_logged_after_a_matrix_change_takes_the_new_priority_at_once(as_) -> None:
    """Each node keeps the matrix with the desk: a change is read by the very next call logged (it fails if the
    matrix did not change the desk version)."""
    def logged() -> int:
        reply = as_("alice").post("/calls", {"partition": "Default", "summary": "Site offline", "impact": 1,
                                             "urgency": 1})
        assert reply.status == 201, reply.body
        return int(reply.body["priority"])

    assert logged() == 1
    assert as_("admin").put("/partitions/Default/priority-matrix",
                            {"cells": {"1,1": 2}, "change_reason": "No P1 without a major incident"}).status == 200
    assert logged() == 2


def test_categories_are_listed_as_a_tree_added_renamed_and_deactivated(as_) -> None:
    top = as_("admin").post("/categories", {"partition": "Default", "name": "Hardware"}).body
    child = as_("admin").post("/categories", {"partition": "Default", "name": "Laptop", "parent": top["id"]}).body
    assert child["path"] == "Hardware › Laptop" and child["depth"] == 1
    renamed = as_("admin").request("PATCH", f"/categories/{child['id']}", {"name": "Notebook"}).body
    assert renamed["path"] == "Hardware › Notebook"
    as_("admin").request("PATCH", f"/categories/{top['id']}", {"active": False, "change_reason": "Outsourced"})
    listed = as_("rita").get("/categories?partition=Default").body
    assert [(c["path"], c["active"]) for c in listed] == [("Hardware", False), ("Hardware › Notebook", False)]


def test_listing_calls_with_categories_costs_the_same_queries_for_more_calls(as_, desk) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from closeloop.calls.services import log_call

    laptop = catalogue.add_category(desk.default, "Laptop", parent=catalogue.add_category(desk.default, "Hardware"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_("rita").get("/calls?page_size=50").status == 200
        return len(ctx.captured_queries)

    for n in range(2):
        log_call(desk.default, "incident", f"Laptop {n}", actor=desk.alice, category=laptop)
    queries()  # the token's first use costs its own queries
    few = queries()
    for n in range(8):
        log_call(desk.default, "incident", f"More {n}", actor=desk.alice, category=laptop)
    assert queries() == few
    assert as_("rita").get("/calls").body["items"][0]["category"] == "Hardware › Laptop"
