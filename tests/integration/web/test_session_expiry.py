"""A signed-in session ends when the browser closes and after CLOSELOOP_SESSION_IDLE_MINUTES idle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.desk import PASSWORD


@pytest.fixture
def signed_in(desk) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    assert client.post("/login/", {"username": "carol", "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Moves the server's clock forward (sessions expire by the database's expiry date and time.time)."""
    import time

    start, start_epoch = timezone.now(), time.time()
    moved = {"by": timedelta(0)}
    monkeypatch.setattr(timezone, "now", lambda: start + moved["by"])
    monkeypatch.setattr(time, "time", lambda: start_epoch + moved["by"].total_seconds())

    def forward(minutes: float) -> None:
        moved["by"] += timedelta(minutes=minutes)

    return forward


def _signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_the_session_cookie_is_dropped_when_the_browser_closes(desk):
    reply = Client().post("/login/", {"username": "carol", "password": PASSWORD})
    cookie = reply.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_a_session_ends_after_an_hour_without_activity_by_default(signed_in, clock, settings):
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    clock(61)
    reply = signed_in.get("/")
    assert reply.status_code == 302 and reply.url.startswith("/login/")


def test_an_active_analyst_stays_signed_in_past_the_idle_time(signed_in, clock):
    for _ in range(3):
        clock(45)
        assert _signed_in(signed_in)


def test_the_queue_counts_polling_does_not_keep_an_idle_session_alive(signed_in, clock):
    for _ in range(3):
        clock(20)
        signed_in.get("/queue-counts/")
    clock(2)
    assert not _signed_in(signed_in)


def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(desk):
    """Sessions live in a signed cookie: signing out must still make a copy of it worthless."""
    browser = Client()
    assert browser.post("/login/", {"username": "carol", "password": PASSWORD}).status_code == 302
    copied = browser.cookies["sessionid"].value
    assert browser.post("/logout/").status_code == 302
    thief = Client()
    thief.cookies["sessionid"] = copied
    reply = thief.get("/")
    assert reply.status_code == 302 and reply.url.startswith("/login/")
    assert browser.post("/login/", {"username": "carol", "password": PASSWORD}).status_code == 302
    assert _signed_in(browser)  # signing in again works as before


def test_no_session_row_is_read_or_written_per_request(signed_in, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert _signed_in(signed_in)
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"]]
