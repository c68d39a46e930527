"""Sign-in throttling (django-axes): after 5 failed sign-ins, signing in is refused for 15 minutes.

The locked-out analyst is told so on the sign-in form; a Security Admin sees the lockout on the
Analysts page and lifts it there or with `closeloop analyst unlock USERNAME`.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.cli.main import main
from tests.desk import PASSWORD

LOCKED = "Too many failed sign-ins for carol"


def _sign_in(client: Client, password: str, username: str = "carol"):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password})


@pytest.fixture
def carol_locked_out(desk, client) -> Client:  # type: ignore[no-untyped-def]
    for n in range(5):
        reply = _sign_in(client, f"wrong-guess-{n}")
        assert reply.status_code in (200, 429)
    return client


def test_five_wrong_passwords_then_the_right_one_is_refused_with_the_lockout_message(carol_locked_out):
    reply = _sign_in(carol_locked_out, PASSWORD)
    html = reply.content.decode()
    assert reply.status_code == 429
    assert LOCKED in html and "15 minutes" in html and 'name="password"' in html
    assert carol_locked_out.get("/").status_code == 302  # still not signed in


def test_fewer_failures_than_the_limit_do_not_stop_the_right_password(desk, client):
    for n in range(4):
        _sign_in(client, f"wrong-guess-{n}")
    assert _sign_in(client, PASSWORD).status_code == 302


def test_the_lockout_ends_by_itself_after_fifteen_minutes(carol_locked_out, monkeypatch):
    import axes.attempts
    import axes.handlers.proxy

    later = timezone.now() + timedelta(minutes=16)
    for module in (timezone, axes.attempts, axes.handlers.proxy):
        monkeypatch.setattr(module, "now", lambda: later)
    assert _sign_in(carol_locked_out, PASSWORD).status_code == 302


def test_closeloop_analyst_unlock_lifts_the_lockout(carol_locked_out, capsys):
    assert main(["analyst", "list", "--json"]) == 0
    listed = {a["username"]: a["locked_out"] for a in json.loads(capsys.readouterr().out)}
    assert listed["carol"] is True and listed["alice"] is False
    assert main(["analyst", "unlock", "carol"]) == 0
    assert "carol may sign in again" in capsys.readouterr().out
    assert _sign_in(carol_locked_out, PASSWORD).status_code == 302


def test_unlocking_an_unknown_analyst_exits_3(desk, capsys):
    assert main(["analyst", "unlock", "nobody"]) == 3
    assert "nobody" in capsys.readouterr().err


def test_a_security_admin_sees_the_lockout_and_lifts_it_on_the_analysts_page(carol_locked_out, client_for, desk):
    admin = client_for("admin")
    html = admin.get("/system/analysts/").content.decode()
    carol_row = html.split('id="analyst-carol"')[1].split("</tr>")[0]
    alice_row = html.split('id="analyst-alice"')[1].split("</tr>")[0]
    assert "Locked out" in carol_row and "Locked out" not in alice_row
    reply = admin.post("/system/analysts/", {"op": "unlock", "analyst": desk.carol.id}, follow=True)
    assert "carol may sign in again" in reply.content.decode()
    assert "Locked out" not in admin.get("/system/analysts/").content.decode()
    assert _sign_in(carol_locked_out, PASSWORD).status_code == 302


def test_only_a_security_admin_may_lift_a_lockout(carol_locked_out, client_for, desk):
    reply = client_for("alice").post("/system/analysts/", {"op": "unlock", "analyst": desk.carol.id})
    assert reply.status_code == 403
    assert _sign_in(carol_locked_out, PASSWORD).status_code == 429
