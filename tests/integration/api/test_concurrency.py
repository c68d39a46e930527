"""Real parallel HTTP clients racing on the same calls against the real server (gunicorn, 4 workers).

Several closers close and reject each resolved call at the same moment: exactly one action per call
succeeds, every other client gets 409, and the call's history records the decision once.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx

from .live import LiveDesk, use_log_group_rule

CALLS = 6
CLOSERS = ["carol", "dave", "mia"]  # Closers in Service Desk, the log group that validates these calls


def _prepare(desk: LiveDesk) -> tuple[list[str], list[int]]:
    """Settings the race relies on (set here: other tests share the server), then calls awaiting closure."""
    use_log_group_rule(desk)
    with httpx.Client(base_url=f"{desk.url}/api/v1", timeout=30) as http:
        checklist = http.get("/partitions/Default/checklist", headers=desk.headers("carol")).json()
        ticked = [item["id"] for item in checklist]
        refs = []
        for n in range(CALLS):
            logged = http.post("/calls", headers=desk.headers("alice"), json={
                "partition": "Default", "summary": f"Race {n}: VPN drops", "log_group": "Service Desk",
                "assigned_analyst": "rita"})
            assert logged.status_code == 201, logged.text
            resolved = http.post(f"/calls/{logged.json()['ref']}/resolve", headers=desk.headers("rita"),
                                 json={"resolution": "Updated the VPN client"})
            assert resolved.json()["status"] == "forward_for_closure", resolved.text
            refs.append(resolved.json()["ref"])
        return refs, ticked


def _attempts(ref: str, ticked: list[int], version: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Each closer both closes and rejects; half the attempts send the version they read."""
    out = []
    for n, closer in enumerate(CLOSERS):
        sent = {"version": version} if n % 2 == 0 else {}
        out.append((closer, f"/calls/{ref}/close", {"comments": f"{closer} confirmed", "reason": "FIXED",
                                                     "ticked": ticked, **sent}))
        out.append((closer, f"/calls/{ref}/reject", {"reason": f"{closer}: still drops", **sent}))
    return out


def test_racing_closers_get_exactly_one_success_per_call_and_409_for_the_rest(live_desk: LiveDesk):
    refs, ticked = _prepare(live_desk)
    jobs = [(ref, *attempt) for ref in refs for attempt in _attempts(ref, ticked, version=3)]
    start = threading.Barrier(len(jobs))
    results: list[tuple[str, str, int, dict[str, Any]]] = []
    lock = threading.Lock()

    def attempt(ref: str, closer: str, path: str, body: dict[str, Any]) -> None:
        with httpx.Client(base_url=f"{live_desk.url}/api/v1", headers=live_desk.headers(closer), timeout=60) as http:
            start.wait()
            reply = http.post(path, json=body)
        with lock:
            results.append((ref, path.rsplit("/", 1)[1], reply.status_code, reply.json()))

    threads = [threading.Thread(target=attempt, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == len(jobs)
    assert {status for *_, status, _ in results} <= {200, 409}, results
    wins = Counter(ref for ref, _, status, _ in results if status == 200)
    assert wins == {ref: 1 for ref in refs}, results
    assert {body["error"] for *_, status, body in results if status == 409} <= {"invalid_transition",
                                                                                  "changed_by_other"}
    with httpx.Client(base_url=f"{live_desk.url}/api/v1", headers=live_desk.headers("carol"), timeout=30) as http:
        for ref in refs:
            winner = next(action for r, action, status, _ in results if r == ref and status == 200)
            call = http.get(f"/calls/{ref}").json()
            assert (call["status"], call["times_rejected"]) == (("closed", 0) if winner == "close" else ("assigned", 1))
            history = http.get(f"/calls/{ref}/history").json()
            decisions = [e["action"] for e in history if e["action"] in ("close", "reject")]
            assert decisions == [winner], history
            assert [e["action"] for e in history] == ["log", "assign", "resolve_to_group", winner]
