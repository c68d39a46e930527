"""The README's curl walk-through, run as written (bash, curl, jq, `closeloop token create`) against the
live server, with only the base URL pointed at it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .live import LiveDesk, use_log_group_rule

README = Path(__file__).resolve().parents[3] / "README.md"


def _blocks(kind: str) -> list[str]:
    """Code blocks of the README's REST API section."""
    section = README.read_text().split("## The REST API", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{kind}\n(.*?)```", section, flags=re.S)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the walk-through needs curl and jq")
def test_the_curl_walkthrough_works_as_written(live_desk: LiveDesk):
    use_log_group_rule(live_desk)
    script = _blocks("bash")[0].replace("http://127.0.0.1:8000", live_desk.url)
    env = {**live_desk.env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script + '\necho "REF=$REF"'], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ref = re.search(r"^REF=(\S+)$", done.stdout, flags=re.M)
    assert ref, done.stdout
    call = httpx.get(f"{live_desk.url}/api/v1/calls/{ref[1]}", headers=live_desk.headers("carol")).json()
    assert (call["status"], call["resolved_by"], call["closed_by"], call["closure_reason"]) == \
        ("closed", "rita", "carol", "FIXED")
    assert re.search(r"carol close$", done.stdout, flags=re.M), done.stdout
    # resolve, Calls Outstanding and close each printed the call
    assert done.stdout.count(f'"ref": "{ref[1]}"') == 3, done.stdout
    assert '"status_label": "Forward for Closure"' in done.stdout


def test_the_documented_second_close_is_refused_as_shown(live_desk: LiveDesk):
    example = _blocks("console")[0]
    shown = example.strip().splitlines()[-1]
    closed = httpx.get(f"{live_desk.url}/api/v1/calls?status=closed&page_size=1",
                       headers=live_desk.headers("carol")).json()["items"][0]["ref"]
    reply = httpx.post(f"{live_desk.url}/api/v1/calls/{closed}/close", headers=live_desk.headers("carol"),
                       json={"comments": "again", "reason": "FIXED"})
    assert reply.status_code == 409
    assert reply.json() == {**httpx.Response(200, content=shown).json(),
                            "message": f"{closed} is Closed: you cannot close it now"}
