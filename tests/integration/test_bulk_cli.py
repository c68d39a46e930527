"""`closeloop call bulk`: one line per call and a summary, exit 0 / 9 (some refused) / 2 (bad input)."""

import io
import json

import pytest

from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent
from closeloop.cli.bulk_commands import SOME_REFUSED
from closeloop.cli.main import EXIT_CODES, main
from closeloop.closure import Status
from tests.integration.bulk.conftest import awaiting_closure

pytestmark = pytest.mark.django_db


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def waiting(desk):
    return [awaiting_closure(desk, s) for s in ("VPN drops", "Printer jams")]


@pytest.fixture
def assigned(desk):
    return calls.log_call(desk.default, "incident", "Laptop will not boot", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)


def test_bulk_close_prints_a_line_per_call_and_the_summary(capsys, desk, waiting, assigned):
    refs = [waiting[0].ref, assigned.ref, waiting[1].ref]
    code, out, err = cli(capsys, "call", "bulk", "close", *refs, "--comments", "Users confirmed", "--reason",
                         "FIXED", "--as", "carol")
    assert code == SOME_REFUSED and err == ""
    assert out.splitlines() == [f"{refs[0]:<11} closed: Closed",
                                f"{refs[1]:<11} refused: {refs[1]} is Assigned: you cannot close it now",
                                f"{refs[2]:<11} closed: Closed",
                                "Closed 2, refused 1"]
    assert [Call.objects.get(ref=r).status for r in refs] == [Status.CLOSED, Status.ASSIGNED, Status.CLOSED]
    assert list(CallEvent.objects.filter(call=assigned).values_list("action", flat=True)) == ["log", "assign"]


def test_all_done_exits_0_and_json_has_each_outcome(capsys, desk, waiting):
    code, out, _ = cli(capsys, "call", "bulk", "take", *(c.ref for c in waiting), "--as", "carol", "--json")
    body = json.loads(out)
    assert code == 0 and body["summary"] == "Taken 2"
    assert [(r["ok"], r["status"]) for r in body["results"]] == [(True, "forward_to_you_for_close")] * 2


def test_references_can_come_from_standard_input(capsys, monkeypatch, desk, waiting):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{waiting[0].ref}  # the VPN one\n{waiting[1].ref},\n"))
    code, out, _ = cli(capsys, "call", "bulk", "forward", "--refs-from", "-", "--to-group", "Closure Group",
                       "--reason", "For the closure group", "--as", "carol")
    assert code == 0 and out.splitlines()[-1] == "Forwarded 2"


def test_reject_and_assign(capsys, desk, waiting):
    code, out, _ = cli(capsys, "call", "bulk", "reject", waiting[0].ref, "--reason", "Still failing", "--as",
                       "carol")
    assert code == 0 and out.splitlines()[-1] == "Rejected 1"
    code, out, _ = cli(capsys, "call", "bulk", "assign", waiting[0].ref, "--group", "Network", "--analyst", "bob",
                       "--as", "carol")
    assert code == 0 and Call.objects.get(ref=waiting[0].ref).assigned_analyst == desk.bob


def test_another_partitions_call_is_not_found_and_untouched(capsys, desk, waiting):
    code, out, _ = cli(capsys, "call", "bulk", "close", waiting[0].ref, "--comments", "ok", "--as", "olga")
    assert code == SOME_REFUSED and f"refused: No call '{waiting[0].ref}' in your partitions" in out
    assert Call.objects.get(ref=waiting[0].ref).status == Status.FORWARD_FOR_CLOSURE


@pytest.mark.parametrize("argv", [
    ["call", "bulk", "close", "--comments", "ok"],  # no call
    ["call", "bulk", "close", "INC-000001"],  # no comments
    ["call", "bulk", "resolve", "INC-000001"],  # not a bulk action
    ["call", "bulk", "take", "INC-000001", "--comments", "take takes none"],
    ["call", "bulk", "take", "--refs-from", "/nonexistent/refs.txt"],
])
def test_a_bad_request_exits_2_and_touches_nothing(capsys, desk, waiting, argv):
    code, out, err = cli(capsys, *argv, "--as", "carol")
    assert code == EXIT_CODES["invalid_input"] == 2 and out == "" and err.startswith("error:")
    assert all(Call.objects.get(pk=c.pk).version == c.version for c in waiting)
