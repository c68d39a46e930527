"""A real Closeloop server process for the API tests: a temporary database prepared with the CLI, then
`closeloop serve` (gunicorn, several workers) on a free local port.

On SQLite the database is a file in a temporary directory; when the suite runs on PostgreSQL
(DATABASE_URL=postgresql://...) a scratch database of its own is created and dropped afterwards.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PASSWORD = "live-pass-123"
BIN = Path(sys.executable).parent

# The desk, built with the same commands an administrator types (run in one process to stay quick).
SETUP: list[list[str]] = [
    ["init", "--admin-password", PASSWORD],
    ["group", "add", "Default", "Service Desk"],
    ["group", "add", "Default", "Closure Group"],
    *[["analyst", "add", name, "--partition", "Default", "--role", role, "--password", PASSWORD,
       *[arg for g in groups for arg in ("--group", g)]]
      for name, role, groups in (("alice", "Analyst", ["Service Desk"]), ("rita", "Analyst", ["Service Desk"]),
                                 ("carol", "Closer", ["Service Desk", "Closure Group"]),
                                 ("dave", "Closer", ["Service Desk", "Closure Group"]),
                                 ("mia", "Closer", ["Service Desk"]))],
    ["partition", "add", "Other"],
    ["group", "add", "Other", "Other Group"],
    ["analyst", "add", "olga", "--partition", "Other", "--role", "Closer", "--group", "Other Group",
     "--password", PASSWORD],
    ["settings", "set", "Default", "--method", "rules", "--rule", "log_group", "--closure-group", "Closure Group",
     "--no-contact-required", "--change-reason", "Log groups validate their calls"],
    ["settings", "set", "Other", "--method", "rules", "--rule", "closure_group", "--closure-group", "Other Group",
     "--no-contact-required", "--change-reason", "The Other Group validates"],
    ["contact", "add", "Priya Patel", "--partition", "Default", "--email", "priya.patel@harbourside.example.com"],
    ["reason", "add", "Default", "FIXED", "Fixed", "--type", "incident", "--type", "service_request"],
    ["checklist", "add", "Default", "User confirmed service restored", "--change-reason", "Standard checks"],
    ["call", "log", "--partition", "Default", "--type", "incident", "--summary", "Printer jams on tray 2",
     "--group", "Service Desk", "--as", "alice"],
]
TOKEN_HOLDERS = ["admin", "alice", "rita", "carol", "dave", "mia", "olga"]

_RUN_COMMANDS = """
import contextlib, io, json, sys
from closeloop.cli.main import main
results = []
for argv in json.load(sys.stdin):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    if code != 0:
        sys.exit(f"closeloop {' '.join(argv)} exited {code}: {out.getvalue()}")
    results.append(json.loads(out.getvalue() or "null"))
json.dump(results, sys.stdout)
"""


@dataclass
class LiveDesk:
    """A running server: its base URL and an API token per analyst."""

    url: str
    tokens: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # for running `closeloop` against its database

    def headers(self, analyst: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[analyst]}"}


def use_log_group_rule(desk: LiveDesk) -> None:
    """Put Default back to the log-group rule (the contract test may have changed anything)."""
    reply = httpx.put(f"{desk.url}/api/v1/partitions/Default/closure-settings", headers=desk.headers("admin"),
                      timeout=30, json={"change_reason": "Tests: log groups validate", "closure_method": "rules",
                                        "closure_rule": "log_group", "closure_group": "Closure Group",
                                        "require_independent_closer": False, "allow_designated_closer": False,
                                        "closure_reason_required": True})
    assert reply.status_code == 200, reply.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(env: dict[str, str], commands: list[list[str]]) -> list[object]:
    done = subprocess.run([sys.executable, "-c", _RUN_COMMANDS], input=json.dumps(commands), env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@contextmanager
def scratch_database(tmp: Path) -> Iterator[str]:
    """A DATABASE_URL nobody else uses: a SQLite file, or a PostgreSQL database dropped afterwards."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        yield f"sqlite:///{tmp / 'live.sqlite3'}"
        return
    import psycopg

    name = f"test_cl_api_live_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(suite_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield suite_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(suite_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def live_server(tmp: Path, workers: int = 4) -> Iterator[LiveDesk]:
    """Prepare a desk with the CLI and serve it with `closeloop serve` until the block ends."""
    with scratch_database(tmp) as database_url:
        env = {k: v for k, v in os.environ.items() if k not in {"CLOSELOOP_TEST_DB_NAME", "DJANGO_SETTINGS_MODULE"}}
        env.update(DATABASE_URL=database_url, CLOSELOOP_VAR_DIR=str(tmp), PYTHONWARNINGS="ignore")
        run_cli(env, SETUP)
        tokens = run_cli(env, [["token", "create", "--as", name, "--name", "live tests"] for name in TOKEN_HOLDERS])
        port = free_port()
        log = (tmp / "server.log").open("w")
        server = subprocess.Popen([str(BIN / "closeloop"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
        desk = LiveDesk(f"http://127.0.0.1:{port}",
                        {name: t["token"] for name, t in zip(TOKEN_HOLDERS, tokens, strict=True)},  # type: ignore[index]
                        env)
        try:
            _wait_until_up(desk.url, server, tmp / "server.log")
            yield desk
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer within 60 s:\n{log.read_text()[-3000:]}")
