"""What every page shares: the favicon, and Closeloop's own error pages when DEBUG is off."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_every_page_links_closeloops_icon(client_for):
    for html in (Client().get("/login/").content.decode(), client_for("alice").get("/").content.decode()):
        assert '<link rel="icon" href="/static/closeloop/favicon.svg" type="image/svg+xml">' in html


def test_favicon_ico_leads_to_the_icon_without_signing_in():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/closeloop/favicon.svg"
    icon = finders.find("closeloop/favicon.svg")
    assert icon and Path(icon).read_text(encoding="utf-8").startswith("<svg")


def test_an_unknown_address_shows_closeloops_own_not_found_page_when_debug_is_off(settings, client_for):
    settings.DEBUG = False
    response = client_for("alice").get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in html and "· Closeloop</title>" in html and "Calls Outstanding" in html
    assert "Nothing here, or it is in a partition you do not work in." in html and "Resolver404" not in html


def test_a_call_outside_the_analysts_partitions_shows_the_not_found_page_with_the_reason(settings, client_for):
    settings.DEBUG = False
    response = client_for("olga").get("/calls/INC-999999/")
    html = response.content.decode()
    assert response.status_code == 404 and "<h1>Not found</h1>" in html and "No call &#x27;INC-999999&#x27;" in html


def test_server_error_page_is_closeloops_and_needs_no_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong · Closeloop" in html and "{%" not in html and "{{" not in html


def test_bad_request_page_is_closeloops():
    request = RequestFactory().get("/")
    response = defaults.bad_request(request, SuspiciousOperation("bad"))
    html = response.content.decode()
    assert response.status_code == 400 and "<h1>Bad request</h1>" in html and "· Closeloop</title>" in html


def test_a_crashing_page_answers_with_closeloops_server_error_page(settings, client_for, monkeypatch):
    settings.DEBUG = False
    from closeloop.web.views import desk

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(desk, "outstanding_calls", crash)
    client = client_for("alice")
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_a_form_sent_without_its_security_token_gets_closeloops_own_page_saying_what_to_do(desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.alice)
    response = client.post("/calls/new/", {"summary": "Printer jams"})
    page = response.content.decode()
    assert response.status_code == 403 and "nothing was saved" in page and "CSRF verification failed" not in page
