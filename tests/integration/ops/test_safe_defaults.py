"""A fresh install is safe by default: no debug pages, its own secret key, local host names only.

The server is started exactly as `make run` does, with no Closeloop variable but the var directory.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from closeloop.site.secret_key import install_secret_key

from .scratch import cli_env, closeloop

DEBUG_PAGE_TEXT = ["Using the URLconf", "Traceback", "DEBUG = True", "settings file", "SECRET_KEY", "INSTALLED_APPS"]


@dataclass
class Served:
    url: str
    var_dir: Path
    pid: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("fresh-install")
    url = f"sqlite:///{home / 'closeloop.sqlite3'}"
    assert closeloop(url, "init", "--admin-password", "fresh-admin-pass-1", CLOSELOOP_VAR_DIR=str(home)).returncode == 0
    port = _free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "closeloop"), "serve", "--port", str(port)],
                              env=cli_env(url, CLOSELOOP_VAR_DIR=str(home)), stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (home / "server.log").read_text()
            try:
                if httpx.get(base + "/login/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (home / "server.log").read_text()
            time.sleep(0.3)
        yield Served(base, home, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_a_missing_page_shows_no_debug_details_under_the_real_server(served):
    reply = httpx.get(served.url + "/no-such-page/", timeout=10)
    assert reply.status_code == 404
    assert not [text for text in DEBUG_PAGE_TEXT if text in reply.text], reply.text[:500]


def test_a_missing_api_resource_answers_json_under_the_real_server(served):
    reply = httpx.get(served.url + "/api/v1/no-such-resource", timeout=10)
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/json")
    assert json.loads(reply.text)["error"] == "not_found"


def test_the_real_server_serves_its_stylesheet_and_script_without_debug(served):
    for path in ("/static/closeloop/closeloop.css", "/static/closeloop/closeloop.js"):
        reply = httpx.get(served.url + path, timeout=10)
        assert reply.status_code == 200, path
        assert "document" in reply.text or "{" in reply.text


def test_a_fresh_install_generates_its_secret_key_readable_by_its_owner_only(served):
    key_file = served.var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 50


def test_an_unlisted_host_name_is_refused_by_default(served):
    reply = httpx.get(served.url + "/login/", headers={"Host": "desk.example.com"}, timeout=10)
    assert reply.status_code == 400


def test_the_secret_key_is_generated_once_and_then_kept(tmp_path):
    first = install_secret_key(tmp_path / "var")
    assert install_secret_key(tmp_path / "var") == first
    assert install_secret_key(tmp_path / "other") != first
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["secret_key"]


def test_debug_is_on_only_when_asked_for(tmp_path):
    show = "from django.conf import settings; import django; django.setup(); print(settings.DEBUG)"
    for value, expected in ((None, "False"), ("1", "True"), ("0", "False")):
        extra = {"CLOSELOOP_DEBUG": value} if value else {}
        done = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, check=True,
                              env=cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}", CLOSELOOP_VAR_DIR=str(tmp_path),
                                          DJANGO_SETTINGS_MODULE="closeloop.site.settings", **extra))
        assert done.stdout.strip() == expected, (value, done.stderr)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("CLOSELOOP_SESSION_IDLE_MINUTES", "an hour", "is not a positive whole number"),
    ("CLOSELOOP_LOGIN_FAILURE_LIMIT", "0", "is not a positive whole number"),
    ("CLOSELOOP_LOGIN_LOCKOUT_PER", "ip", "is not one of: username_and_ip, username"),
])
def test_a_bad_security_setting_stops_start_up_saying_how_to_fix_it(tmp_path, variable, value, says):
    done = closeloop(f"sqlite:///{tmp_path / 'x.sqlite3'}", "check", CLOSELOOP_VAR_DIR=str(tmp_path),
                     **{variable: value})
    assert done.returncode != 0 and f"{variable}={value!r} {says}" in done.stderr


def test_the_real_servers_workers_give_a_sign_ins_memory_back(served):
    """`closeloop serve` starts gunicorn with glibc's mmap threshold fixed at 1 MiB, so the 19 MiB a password
    check allocates goes back to the system after it (docs/deploy.md, "Password hashing and worker memory")."""
    workers = Path(f"/proc/{served.pid}/task/{served.pid}/children").read_text().split()
    assert workers, "gunicorn started no workers"
    for pid in workers:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"MALLOC_MMAP_THRESHOLD_=1048576" in environ, pid
