"""Two app nodes sharing one PostgreSQL: closers racing on the same calls through both nodes.

Each node is a real `closeloop serve` (gunicorn) on its own port; clients fire at the same moment,
one through each node. Every call must end in exactly one valid state, with one history event per
successful request and none lost or doubled.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from bench.servers import closeloop_env, free_port, serving

from .ops.scratch import postgres_reachable, scratch_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CALLS = 16

SETUP = """
import json
import django
django.setup()
from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.desk import migrate_database
from tests.desk import build_desk

migrate_database()
desk = build_desk()
desk.configure("closure group validates every call", closure_rule="closure_group")
refs = []
for n in range({calls}):
    call = calls.log_call(desk.default, "incident", f"Race {{n}}", actor=desk.alice, log_group=desk.service_desk,
                          assigned_analyst=desk.rita)
    refs.append(calls.resolve_call(call.ref, desk.rita, "Replaced the cable").ref)
tokens = {{name: create_token(getattr(desk, name), "race")[1] for name in ("carol", "dave")}}
print(json.dumps({{"refs": refs, "tokens": tokens}}))
"""


@pytest.fixture
def two_nodes(tmp_path) -> Iterator[tuple[str, list[str], dict[str, object]]]:  # type: ignore[no-untyped-def]
    if not postgres_reachable():
        pytest.fail("PostgreSQL is not reachable for a postgres-marked test")
    with scratch_database("postgresql", tmp_path) as url, ExitStack() as stack:
        env = {**closeloop_env(url), "CLOSELOOP_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
               "closeloop.site.settings", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", SETUP.format(calls=CALLS)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        desk = json.loads(done.stdout.strip().splitlines()[-1])
        nodes = []
        for _ in range(2):
            port = free_port()
            nodes.append(stack.enter_context(serving(
                [sys.executable, "-m", "closeloop.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "2"], env, port, "/login/", log_dir=tmp_path)))
        yield url, nodes, desk


def _race(*attempts: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Fire the attempts at the same moment, each from its own thread."""
    start = threading.Barrier(len(attempts))

    def fire(attempt: Callable[[], httpx.Response]) -> httpx.Response:
        start.wait()
        return attempt()

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(fire, attempts))


def _post(node: str, token: str, path: str, body: dict[str, object]) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(f"{node}/api/v1/calls/{path}", json=body, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})


def _history(url: str) -> dict[str, list[tuple[str, str, str]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT c.ref, e.action, e.from_status, e.to_status FROM calls_callevent e "
                            "JOIN calls_call c ON c.id = e.call_id ORDER BY c.ref, e.at, e.id").fetchall()
    found: dict[str, list[tuple[str, str, str]]] = {}
    for ref, action, before, after in rows:
        found.setdefault(ref, []).append((action, before, after))
    return found


def _calls(url: str) -> dict[str, tuple[str, int, int, int]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT c.ref, c.status, c.version, c.closure_target_analyst_id, "
                            "(SELECT count(*) FROM calls_closuredecision d WHERE d.call_id = c.id) "
                            "FROM calls_call c").fetchall()
    return {ref: (status, version, target, decisions) for ref, status, version, target, decisions in rows}


def test_closers_racing_through_two_nodes_leave_every_call_in_exactly_one_valid_state(two_nodes):
    url, (node_a, node_b), desk = two_nodes
    carol, dave = desk["tokens"]["carol"], desk["tokens"]["dave"]
    winners = {}
    for ref in desk["refs"]:
        taken = _race(_post(node_a, carol, f"{ref}/take", {}), _post(node_b, dave, f"{ref}/take", {}))
        assert sorted(r.status_code for r in taken)[0] == 200 and [r.status_code for r in taken].count(200) == 1
        assert all(r.status_code in (200, 403, 409) for r in taken), [r.text for r in taken]
        winners[ref] = (carol, dave)[[r.status_code for r in taken].index(200)]
    outcomes = {}
    for ref in desk["refs"]:
        token, other = winners[ref], dave if winners[ref] == carol else carol
        decided = _race(
            _post(node_a, token, f"{ref}/close", {"comments": "Checked with the user", "reason": "FIXED"}),
            _post(node_b, token, f"{ref}/reject", {"reason": "The user says it still fails"}),
            _post(node_b, other, f"{ref}/close", {"comments": "Not mine to close", "reason": "FIXED"}))
        codes = [r.status_code for r in decided]
        assert codes[:2].count(200) == 1 and codes[2] != 200, [r.text for r in decided]
        outcomes[ref] = "closed" if codes[0] == 200 else "assigned"
    history, calls = _history(url), _calls(url)
    for ref in desk["refs"]:
        status, version, _, decisions = calls[ref]
        events = history[ref]
        last = "close" if outcomes[ref] == "closed" else "reject"
        assert [e[0] for e in events] == ["log", "assign", "resolve_to_group", "take", last], (ref, events)
        assert all(a[2] == b[1] for a, b in zip(events, events[1:], strict=False)), (ref, events)
        assert (status, version, decisions) == (outcomes[ref], len(events), 1), ref
    assert set(outcomes.values()) <= {"closed", "assigned"}
