"""The outbox has one list definition: the API and `closeloop outbox` show the same rows, only of one's own
partitions, to IPK Setup only; retrying works the same way through both."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.cli.main import main
from closeloop.notifications.delivery import deliver_due
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.outbox import enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(desk):  # type: ignore[no-untyped-def]
    for i in range(3):
        enqueue(kind="call_logged", recipient=f"user{i}@example.com", subject=f"Call {i}", body_text="logged",
                partition=desk.default)
    enqueue(kind="call_logged", recipient="bad address", subject="Failing", body_text="x", partition=desk.default)
    enqueue(kind="call_logged", recipient="olga@example.com", subject="Other", body_text="x", partition=desk.other)
    deliver_due()
    enqueue(kind="call_resolved", recipient="late@example.com", subject="Later", body_text="y", partition=desk.default)
    return desk


def _api(desk, username: str, method: str, path: str):  # type: ignore[no-untyped-def]
    key = create_token(getattr(desk, username), "outbox")[1]
    response = Client().generic(method, f"/api/v1/outbox{path}", HTTP_AUTHORIZATION=f"Bearer {key}")
    return response.status_code, response.json()


def _cli(capsys, *argv: str):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else json.loads(err.strip().splitlines()[-1])


@pytest.mark.parametrize("state", [None, "pending", "sent", "failed"])
def test_the_api_and_the_command_list_the_same_messages(outbox, capsys, state):
    query = f"?state={state}" if state else ""
    status, api = _api(outbox, "admin", "GET", query)
    code, cli = _cli(capsys, "outbox", "list", "--as", "admin", *(["--state", state] if state else []))
    assert (status, code) == (200, 0)
    assert [m["id"] for m in api["items"]] == [m["id"] for m in cli]
    assert {m["partition"] for m in cli} == {"Default"}
    expected = OutboxMessage.objects.filter(partition=outbox.default, **({"state": state} if state else {}))
    assert sorted(m["id"] for m in cli) == sorted(expected.values_list("id", flat=True))


def test_the_system_operator_sees_every_partitions_messages(outbox, capsys):
    code, cli = _cli(capsys, "outbox", "list")
    assert code == 0 and {m["partition"] for m in cli} == {"Default", "Other"}


def test_reading_the_outbox_needs_ipk_setup_everywhere(outbox, capsys):
    status, body = _api(outbox, "carol", "GET", "")
    code, err = _cli(capsys, "outbox", "list", "--as", "carol")
    assert (status, body["error"], code, err["error"]) == (403, "not_allowed", 4, "not_allowed")


def test_show_and_retry_through_the_api_and_the_command(outbox, capsys):
    failed = OutboxMessage.objects.get(state="failed")
    status, shown = _api(outbox, "admin", "GET", f"/{failed.pk}")
    code, cli_shown = _cli(capsys, "outbox", "show", str(failed.pk), "--as", "admin")
    assert (status, code) == (200, 0) and shown == json.loads(json.dumps(cli_shown, default=str)) | {
        k: shown[k] for k in ("next_attempt_at", "created_at", "sent_at")}
    assert shown["body_text"] == "x" and "not a valid e-mail address" in shown["last_error"]
    status, retried = _api(outbox, "admin", "POST", f"/{failed.pk}/retry")
    assert (status, retried["state"], retried["attempts"]) == (200, "pending", 0)
    status, again = _api(outbox, "admin", "POST", f"/{failed.pk}/retry")
    assert (status, again["error"]) == (409, "invalid_transition")
    code, err = _cli(capsys, "outbox", "retry", str(failed.pk))
    assert (code, err["error"]) == (5, "invalid_transition")


def test_a_message_of_another_partition_is_not_found(outbox, capsys):
    other = OutboxMessage.objects.get(partition=outbox.other)
    status, body = _api(outbox, "admin", "GET", f"/{other.pk}")
    code, err = _cli(capsys, "outbox", "show", str(other.pk), "--as", "admin")
    assert (status, code) == (404, 3)
