"""Who may call what: every API operation × (admin, resolver, closer, another partition's analyst, no token).

The table is the single source: a test per cell, and a guard that fails when the API publishes an
operation that has no row here, so a new endpoint cannot ship without its authorization row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from closeloop.api.site import api
from closeloop.autoclose import services as autoclose
from closeloop.contacts.services import add_contact
from closeloop.partitions.catalogue import add_category

# The analyst playing each role on the test desk (tests/desk.py).
ROLES = {"admin": "admin", "resolver": "rita", "closer": "carol", "other_partition": "olga", "no_token": None}


@dataclass(frozen=True)
class Row:
    """One operation: how to call it and the status each role gets (admin, resolver, closer, other, anon)."""

    method: str
    path: str  # the OpenAPI path; {ref} {name} {username} are filled from `subject`
    expected: tuple[int, int, int, int, int]
    subject: str = "assigned"
    body: dict[str, Any] | None = None
    query: str = ""
    fill: tuple[tuple[str, str], ...] = ()  # path values other than the defaults below

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}{self.query}"


CLOSE = {"comments": "User confirmed it works", "reason": "FIXED"}
AUTO_CLOSE_RULE = {"partition": "Default", "name": "Resolved calls", "statuses": ["forward_for_closure"],
                   "call_types": ["incident"], "idle_days": 10, "reason": "FIXED",
                   "change_reason": "Closers fall behind"}
MATRIX: list[Row] = [
    Row("GET", "/api/v1/calls", (200, 200, 200, 200, 401)),
    Row("POST", "/api/v1/calls", (201, 201, 201, 404, 401),
        body={"partition": "Default", "type": "incident", "summary": "Cannot print"}),
    Row("GET", "/api/v1/calls/{ref}", (200, 200, 200, 404, 401)),
    Row("GET", "/api/v1/calls/{ref}/history", (200, 200, 200, 404, 401)),
    Row("POST", "/api/v1/calls/{ref}/assign", (200, 200, 200, 404, 401), body={"analyst": "alice"}),
    Row("POST", "/api/v1/calls/{ref}/hold", (200, 200, 200, 404, 401), body={"reason": "Waiting for user"}),
    Row("POST", "/api/v1/calls/{ref}/resume", (200, 200, 200, 404, 401), subject="on_hold", body={}),
    Row("POST", "/api/v1/calls/{ref}/resolve", (200, 200, 200, 404, 401), body={"resolution": "Replaced toner"}),
    Row("POST", "/api/v1/calls/{ref}/take", (403, 403, 200, 404, 401), subject="for_closure", body={}),
    Row("POST", "/api/v1/calls/{ref}/forward", (403, 403, 200, 404, 401), subject="for_closure",
        body={"to_analyst": "dave", "reason": "Dave knows VPNs"}),
    Row("POST", "/api/v1/calls/{ref}/close", (403, 403, 200, 404, 401), subject="for_closure", body=CLOSE),
    Row("POST", "/api/v1/calls/{ref}/reject", (403, 403, 200, 404, 401), subject="to_carol",
        body={"reason": "Still failing"}),
    # the test desk has no reason for unresolved calls: whoever may close it as unresolved is told the reason is
    # required (400); whoever may not is refused first (403)
    Row("POST", "/api/v1/calls/{ref}/close-unresolved", (400, 403, 400, 404, 401),
        body={"kind": "cancelled", "comments": "Logged in error"}),
    # bulk actions answer 200 with each call's outcome: a refusal (or another partition's call) is per call
    Row("POST", "/api/v1/calls/bulk/take", (200, 200, 200, 200, 401), subject="for_closure", body={"refs": ["{ref}"]}),
    Row("POST", "/api/v1/calls/bulk/close", (200, 200, 200, 200, 401), subject="for_closure",
        body={"refs": ["{ref}"], **CLOSE}),
    Row("POST", "/api/v1/calls/bulk/reject", (200, 200, 200, 200, 401), subject="to_carol",
        body={"refs": ["{ref}"], "reason": "Still failing"}),
    Row("POST", "/api/v1/calls/bulk/forward", (200, 200, 200, 404, 401), subject="for_closure",
        body={"refs": ["{ref}"], "to_analyst": "dave", "reason": "Dave knows VPNs"}),
    # ... but an analyst named who is in none of your partitions is a bad request, as for one call
    Row("POST", "/api/v1/calls/bulk/assign", (200, 200, 200, 404, 401), body={"refs": ["{ref}"], "analyst": "alice"}),
    Row("GET", "/api/v1/outstanding", (200, 200, 200, 200, 401)),
    Row("GET", "/api/v1/partitions", (200, 200, 200, 200, 401)),
    Row("GET", "/api/v1/partitions/{name}/closure-settings", (200, 200, 200, 404, 401)),
    Row("PUT", "/api/v1/partitions/{name}/closure-settings", (200, 403, 403, 404, 401),
        body={"change_reason": "Independent closers from now on", "require_independent_closer": True}),
    Row("GET", "/api/v1/partitions/{name}/closure-settings/history", (200, 200, 200, 404, 401)),
    Row("GET", "/api/v1/partitions/{name}/checklist", (200, 200, 200, 404, 401)),
    Row("GET", "/api/v1/partitions/{name}/rejection-categories", (200, 200, 200, 404, 401)),
    Row("GET", "/api/v1/groups", (200, 200, 200, 200, 401)),
    Row("PATCH", "/api/v1/groups/{group_id}", (200, 403, 403, 404, 401), body={"mailbox": "closure@example.org"}),
    Row("GET", "/api/v1/closure-reasons", (200, 200, 200, 200, 401)),
    Row("GET", "/api/v1/analysts", (200, 200, 200, 200, 401)),
    Row("GET", "/api/v1/analysts/me", (200, 200, 200, 200, 401)),
    Row("GET", "/api/v1/analysts/{username}", (200, 200, 200, 404, 401)),
    Row("GET", "/api/v1/me/notifications", (200, 200, 200, 200, 401)),
    Row("PUT", "/api/v1/me/notifications", (200, 200, 200, 200, 401),
        body={"preferences": [{"kind": "reminder", "enabled": False}]}),
    Row("GET", "/api/v1/reports", (200, 200, 200, 200, 401)),
    Row("GET", "/api/v1/reports/{name}", (200, 200, 200, 404, 401), query="?partition=Default",
        fill=(("name", "backlog"),)),
    Row("POST", "/api/v1/reports/recurring/problems", (201, 403, 201, 404, 401),
        body={"partition": "Default", "refs": ["{ref}"], "summary": "Recurring: printer jams",
              "group": "Service Desk"}),
    # Contacts: the Log right adds and edits them; deactivating and importing are IPK Setup's.
    Row("GET", "/api/v1/contacts", (200, 200, 200, 200, 401)),
    Row("POST", "/api/v1/contacts", (201, 201, 201, 404, 401),
        body={"partition": "Default", "name": "Sam Lee", "email": "sam.lee@example.org"}),
    Row("POST", "/api/v1/contacts/import", (201, 403, 403, 404, 401),
        body={"partition": "Default", "csv": "name,email\nSam Lee,sam.lee@example.org\n"}),
    Row("GET", "/api/v1/contacts/{contact_id}", (200, 200, 200, 404, 401)),
    Row("PATCH", "/api/v1/contacts/{contact_id}", (200, 200, 200, 404, 401), body={"phone": "+44 20 7946 0000"}),
    Row("POST", "/api/v1/contacts/{contact_id}/deactivate", (200, 403, 403, 404, 401)),
    Row("POST", "/api/v1/contacts/{contact_id}/reactivate", (200, 403, 403, 404, 401)),
    Row("GET", "/api/v1/outbox", (200, 403, 403, 403, 401)),
    Row("GET", "/api/v1/outbox/{message_id}", (200, 403, 403, 403, 401)),
    Row("POST", "/api/v1/outbox/{message_id}/retry", (200, 403, 403, 403, 401)),
    Row("GET", "/api/v1/auto-close-rules", (200, 200, 200, 200, 401)),
    Row("POST", "/api/v1/auto-close-rules", (201, 403, 403, 404, 401), body=AUTO_CLOSE_RULE),
    Row("PUT", "/api/v1/auto-close-rules/{rule_id}", (200, 403, 403, 404, 401),
        body={"idle_days": 14, "change_reason": "Two weeks"}),
    # Editing a call: the Log or Resolve right; the priority matrix and categories: IPK Setup.
    Row("PATCH", "/api/v1/calls/{ref}", (200, 200, 200, 404, 401), body={"summary": "Edited: toner smears every page"}),
    Row("GET", "/api/v1/partitions/{name}/priority-matrix", (200, 200, 200, 404, 401)),
    Row("PUT", "/api/v1/partitions/{name}/priority-matrix", (200, 403, 403, 404, 401),
        body={"cells": {"2,2": 2}, "change_reason": "Medium × medium is high here"}),
    Row("GET", "/api/v1/categories", (200, 200, 200, 200, 401)),
    Row("POST", "/api/v1/categories", (201, 403, 403, 404, 401), body={"partition": "Default", "name": "Hardware"}),
    Row("PATCH", "/api/v1/categories/{category_id}", (200, 403, 403, 404, 401), body={"name": "Kit"}),
    # The business calendar and closure-stage SLA targets: anyone of the partition reads them; IPK Setup changes them
    Row("GET", "/api/v1/partitions/{name}/calendar", (200, 200, 200, 404, 401)),
    Row("PUT", "/api/v1/partitions/{name}/calendar", (200, 403, 403, 404, 401),
        body={"hours": {"sat": "10:00-14:00"}, "change_reason": "Saturday cover"}),
    Row("GET", "/api/v1/partitions/{name}/closure-sla", (200, 200, 200, 404, 401)),
    Row("PUT", "/api/v1/partitions/{name}/closure-sla", (200, 403, 403, 404, 401),
        body={"targets": {"p1": "4h"}, "change_reason": "Closure SLA agreed"}),
    # The sampling policy: anyone of the partition reads it; IPK Setup changes it
    Row("GET", "/api/v1/partitions/{name}/sampling-policy", (200, 200, 200, 404, 401)),
    Row("PUT", "/api/v1/partitions/{name}/sampling-policy", (200, 403, 403, 404, 401),
        body={"enabled": True, "min_priority": 2, "change_reason": "Validate every P1 and P2"}),
    # The work log: anyone who sees the call reads it; any call right writes in it; files only to who sees the call
    Row("GET", "/api/v1/calls/{ref}/notes", (200, 200, 200, 404, 401)),
    Row("POST", "/api/v1/calls/{ref}/notes", (201, 201, 201, 404, 401), body={"text": "Rang the user"}),
    Row("GET", "/api/v1/calls/{ref}/attachments", (200, 200, 200, 404, 401)),
    Row("GET", "/api/v1/attachments/{attachment_id}", (200, 200, 200, 404, 401)),
    # Saved searches are each analyst's own: anyone signed in keeps theirs; nobody has one named "Default" here
    Row("GET", "/api/v1/saved-searches", (200, 200, 200, 200, 401)),
    Row("POST", "/api/v1/saved-searches", (201, 201, 201, 201, 401),
        body={"name": "Waiting closures", "query": "status=awaiting_closure"}),
    Row("GET", "/api/v1/saved-searches/{name}", (404, 404, 404, 404, 401)),
    Row("GET", "/api/v1/saved-searches/{name}/calls", (404, 404, 404, 404, 401)),
    Row("DELETE", "/api/v1/saved-searches/{name}", (404, 404, 404, 404, 401)),
]

CELLS = [pytest.param(row, role, status, id=f"{row.id} as {role}")
         for row in MATRIX for role, status in zip(ROLES, row.expected, strict=True)]


def _filled(body: Any, values: dict[str, str]) -> Any:
    if isinstance(body, dict):
        return {k: _filled(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [_filled(v, values) for v in body]
    return body.format(**values) if isinstance(body, str) else body


def published_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_every_published_operation_has_exactly_one_row_in_the_matrix():
    rows = [(row.method, row.path) for row in MATRIX]
    assert len(rows) == len(set(rows)), "an operation has two rows"
    missing = published_operations() - set(rows)
    assert not missing, f"add a row to MATRIX for: {sorted(missing)}"
    assert not set(rows) - published_operations(), "MATRIX lists operations the API does not publish"


@pytest.fixture
def failed_message(desk) -> int:  # type: ignore[no-untyped-def]
    """An outbox message of the Default partition that could not be delivered (its address is no address)."""
    from closeloop.notifications.delivery import deliver_due
    from closeloop.notifications.outbox import enqueue

    message = enqueue(kind="call_assigned", recipient="rita at example", subject="Call assigned to you",
                      body_text="A call for you", partition=desk.default)
    assert deliver_due().failed == [message.pk]
    return message.pk


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role", "status"), CELLS)
def test_role_gets_the_expected_status(row: Row, role: str, status: int, scene, as_,  # type: ignore[no-untyped-def]
                                       desk, failed_message):
    contact = add_contact(desk.default, "Dana Fisher", email="dana.fisher@example.org")
    values = {"ref": scene[row.subject].ref, "name": "Default", "username": "alice", "contact_id": str(contact.id),
              "message_id": str(failed_message), "group_id": str(desk.closure_group.id), **dict(row.fill)}
    if "{rule_id}" in row.path:  # a rule of the Default partition to change
        fields = {k: v for k, v in AUTO_CLOSE_RULE.items() if k not in ("partition", "change_reason")}
        values["rule_id"] = str(autoclose.add_rule(scene["assigned"].partition, "set-up", **fields).rule.id)
    if "{category_id}" in row.path:  # a category of the Default partition to change
        values["category_id"] = str(add_category(desk.default, "Hardware").id)
    if "{attachment_id}" in row.path:  # a file on a call of the Default partition
        from django.core.files.base import ContentFile

        from closeloop.calls.notes import add_note

        added = add_note(scene["assigned"].ref, desk.rita, "log", files=[ContentFile(b"x", name="trace.txt")])
        values["attachment_id"] = str(added.attachments[0].id)
    path = row.path.format(**values) + row.query
    reply = as_(ROLES[role]).request(row.method, path, _filled(row.body, values))
    assert reply.status == status, reply.body
    if status >= 400:
        assert set(reply.body) == {"error", "message", "field"} and reply.body["message"]
