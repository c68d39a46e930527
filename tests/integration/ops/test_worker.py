"""The worker and `closeloop tick`: what they print, a clean stop on SIGTERM after the batch in hand, and
several of them draining one outbox at once without sending anything twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from closeloop.cli.main import main
from closeloop.notifications.delivery import deliver_due
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.outbox import enqueue
from closeloop.ops.worker import PASSES, Pass, run_passes
from tests.smtp import SmtpServer

from .scratch import cli_env, closeloop, postgres_reachable, scratch_database

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

SEED = """
import django, sys
django.setup()
from closeloop.notifications.outbox import enqueue
from closeloop.ops.worker import PASSES, Pass, run_passes
for i in range(int(sys.argv[1])):
    enqueue(kind="call_logged", recipient=f"user{i}@example.com", subject=f"Message {i}", body_text=f"Body {i}")
"""

COUNT = """
import django, json
django.setup()
from closeloop.notifications.models import OutboxMessage as M
print(json.dumps({"sent": M.objects.filter(state="sent").count(), "pending": M.objects.filter(state="pending").count(),
                  "claimed": M.objects.filter(state="pending", claimed_until__isnull=False).count(),
                  "attempts": sorted(set(M.objects.values_list("attempts", flat=True)))}))
"""


def _mail_env(server: SmtpServer) -> dict[str, str]:
    return {"CLOSELOOP_SMTP_HOST": "127.0.0.1", "CLOSELOOP_SMTP_PORT": str(server.port),
            "CLOSELOOP_MAIL_FROM": "desk@closeloop.test"}


def _python(url: str, script: str, *argv: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=300,
                          env=cli_env(url, DJANGO_SETTINGS_MODULE="closeloop.site.settings", **env), check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    smtp = SmtpServer()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture(params=ENGINES)
def desk_db(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "postgresql" and not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable")
    with scratch_database(request.param, tmp_path) as url:
        done = closeloop(url, "init", "--admin-password", "a-long-admin-password", CLOSELOOP_VAR_DIR=str(tmp_path))
        assert done.returncode == 0, done.stderr
        yield url


@pytest.mark.django_db
def test_tick_prints_what_each_pass_did_and_where_mail_goes(smtp, capsys):
    for i in range(3):
        enqueue(kind="call_logged", recipient=f"user{i}@example.com", subject=f"Message {i}", body_text="x")
    assert main(["tick"]) == 0
    out = capsys.readouterr().out
    assert "outbox: 3 sent" in out and f"the SMTP server 127.0.0.1:{smtp.port}" in out
    assert main(["tick"]) == 0 and "outbox: nothing due" in capsys.readouterr().out
    assert len(smtp.received) == 3


@pytest.mark.django_db
def test_tick_fails_when_a_message_could_not_be_sent_and_keeps_it_for_later(smtp, capsys):
    enqueue(kind="call_logged", recipient="user@example.com", subject="Message", body_text="x")
    smtp.stop()
    assert main(["tick", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    outbox = next(p for p in data["passes"] if p["name"] == "outbox")
    assert data["ok"] is False and "1 to try again later" in outbox["result"]
    assert "could not reach 127.0.0.1" in outbox["result"]
    assert OutboxMessage.objects.get().state == "pending"


@pytest.mark.django_db
def test_a_pass_that_fails_is_reported_and_the_others_still_run(smtp):
    enqueue(kind="call_logged", recipient="user@example.com", subject="Message", body_text="x")

    def broken(now):  # type: ignore[no-untyped-def]
        raise RuntimeError("the rules table is missing")

    outbox = next(p for p in PASSES if p.name == "outbox")
    outcomes = run_passes(passes=[Pass("broken", broken), outbox])
    assert [(o.name, o.ok) for o in outcomes] == [("broken", False), ("outbox", True)]
    assert str(outcomes[0]) == "broken: failed: RuntimeError: the rules table is missing"
    assert str(outcomes[1]) == "outbox: 1 sent" and len(smtp.received) == 1


@pytest.mark.django_db
def test_tick_and_worker_run_as_the_system_operator_only(desk, capsys):
    assert main(["tick", "--as", "admin"]) == 4
    assert "leave out --as" in capsys.readouterr().err


def test_sigterm_stops_the_worker_after_its_batch_with_nothing_half_done(desk_db, server, tmp_path):
    _python(desk_db, SEED, "120", CLOSELOOP_VAR_DIR=str(tmp_path))
    server.delay = 0.02  # a batch of 50 takes about a second
    worker = subprocess.Popen([sys.executable, "-m", "closeloop.cli.main", "worker"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env=cli_env(desk_db, CLOSELOOP_VAR_DIR=str(tmp_path), **_mail_env(server)))
    try:
        deadline = time.monotonic() + 60
        while len(server.received) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "SIGTERM received" in err and "outbox: 50 sent" in err and "worker stopped" in err
    counts = json.loads(_python(desk_db, COUNT, CLOSELOOP_VAR_DIR=str(tmp_path)))
    # the batch in hand was finished and recorded; nothing was left claimed, nothing sent twice
    assert counts["sent"] == len(server.received) == len(set(server.ids())) == 50
    assert (counts["pending"], counts["claimed"]) == (70, 0)


def test_two_ticks_at_once_send_every_message_exactly_once(desk_db, server, tmp_path):
    _python(desk_db, SEED, "300", CLOSELOOP_VAR_DIR=str(tmp_path))
    server.delay = 0.002
    env = cli_env(desk_db, CLOSELOOP_VAR_DIR=str(tmp_path), **_mail_env(server))
    ticks = [subprocess.Popen([sys.executable, "-m", "closeloop.cli.main", "tick"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)]
    results = [t.communicate(timeout=300) for t in ticks]
    assert [t.returncode for t in ticks] == [0, 0, 0], results
    assert len(server.received) == len(set(server.ids())) == 300
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(f"user{i}@example.com" for i in range(300))
    counts = json.loads(_python(desk_db, COUNT, CLOSELOOP_VAR_DIR=str(tmp_path)))
    assert (counts["sent"], counts["pending"], counts["attempts"]) == (300, 0, [1])
    assert sum(int(out.split("outbox: ")[1].split(" sent")[0]) for out, _err in results
               if "sent" in out) == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_workers_draining_one_outbox_on_postgresql_send_nothing_twice(smtp):
    assert connection.vendor == "postgresql"
    messages = [enqueue(kind="call_logged", recipient=f"user{i}@example.com", subject=f"Message {i}",
                        body_text="x") for i in range(400)]
    smtp.delay = 0.001
    sent: list[list[int]] = []

    def work() -> None:
        try:
            sent.append(deliver_due(limit=10).sent)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    everything = [pk for batch in sent for pk in batch]
    assert sorted(everything) == sorted(m.pk for m in messages)  # each message sent by exactly one worker
    assert sum(1 for batch in sent if batch) > 1  # they really shared the work
    assert len(smtp.received) == len(set(smtp.ids())) == 400
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {("sent", 1)}

