"""The real server in Debian's Chromium: one server per session on a fresh SQLite database.

The desk is set up through the `closeloop` command, exactly as an administrator would, then the
server is started with `closeloop serve` on a free localhost port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOSELOOP = ROOT / ".venv" / "bin" / "closeloop"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "e2e-pass-1234"
DANA = "dana.fisher@example.org"  # the contact who reports the calls of the e2e desk


def _missing(what: str) -> None:
    """Skip on a developer machine without a browser; in CI a missing browser is a failure."""
    message = f"browser tests need {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: browser tests must run)")
    pytest.skip(message)


@dataclass
class LiveDesk:
    """The running server and a way to run `closeloop` commands against its database."""

    url: str
    env: dict[str, str]

    def cli(self, *argv: str) -> Any:
        result = subprocess.run([str(CLOSELOOP), *argv, "--json"], env=self.env, capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"closeloop {' '.join(argv)} failed ({result.returncode}): {result.stderr}")
        return json.loads(result.stdout) if result.stdout.strip() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _set_up(desk: LiveDesk) -> None:
    desk.cli("init", "--admin-password", PASSWORD)
    for group in ("Service Desk", "Closure Group", "Empty Group"):
        desk.cli("group", "add", "Default", group)
    for user, role, groups in (("alice", "Analyst", ["Service Desk"]), ("rita", "Analyst", ["Service Desk"]),
                               ("carol", "Closer", ["Service Desk", "Closure Group"]),
                               ("dave", "Closer", ["Closure Group"])):
        desk.cli("analyst", "add", user, "--partition", "Default", "--role", role, "--password", PASSWORD,
                 *[arg for g in groups for arg in ("--group", g)])
    desk.cli("reason", "add", "Default", "FIXED", "Fixed", "--type", "incident")
    # `init` makes the Default partition require a contact on new calls: Dana reports them.
    desk.cli("contact", "add", "Dana Fisher", "--partition", "Default", "--email", DANA, "--phone", "+44 20 7946 0123",
             "--organisation", "Finance")
    desk.cli("settings", "set", "Default", "--method", "rules", "--rule", "closure_group", "--closure-group",
             "Closure Group", "--change-reason", "Initial set-up: the Closure Group validates")


@pytest.fixture(scope="session")
def live_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDesk]:
    if not os.path.exists(CHROMIUM):
        _missing(f"Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright for Python (pip install -e '.[dev]')")
    home = tmp_path_factory.mktemp("e2e-desk")
    # As shipped: no debug, a generated secret key, local host names, the Content-Security-Policy.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{home / 'closeloop.sqlite3'}", "CLOSELOOP_VAR_DIR": str(home)}
    for name in ("CLOSELOOP_TEST_DB_NAME", "CLOSELOOP_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        env.pop(name, None)
    port = _free_port()
    desk = LiveDesk(f"http://127.0.0.1:{port}", env)
    _set_up(desk)
    log = (home / "server.log").open("w")
    server = subprocess.Popen([str(CLOSELOOP), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        _wait_until_up(desk.url + "/login/", server, home / "server.log")
        yield desk
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"closeloop serve exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"closeloop serve did not answer on {url} within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def browser(live_desk: LiveDesk) -> Iterator[Any]:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            _missing(f"a working Chromium ({exc})")
        yield chromium
        chromium.close()


@pytest.fixture
def sign_in(live_desk: LiveDesk, browser: Any) -> Iterator[Callable[[str], Any]]:
    """Open a fresh browser session signed in as the given analyst; returns its page."""
    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context = browser.new_context(base_url=live_desk.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(live_desk.url + "/")
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    def save(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
