"""The contact's public page behind the accept/refuse links: no sign-in, GET changes nothing, POST answers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.calls import services as calls
from closeloop.calls.links import acceptance_links
from closeloop.calls.models import Call, CallEvent
from closeloop.closure import Status

pytestmark = pytest.mark.django_db


def paths(call: Call) -> tuple[str, str]:
    made = acceptance_links(Call.objects.get(pk=call.pk), timezone.now())
    return urlsplit(made.accept).path, urlsplit(made.refuse).path


def answers(call: Call) -> int:
    return CallEvent.objects.filter(call=call, action__in=["user_accept", "accept_and_close", "user_refuse"]).count()


def test_opening_the_link_shows_the_call_and_the_question_without_signing_in_and_changes_nothing(resolved_call):
    accept, _ = paths(resolved_call)
    browser = Client(enforce_csrf_checks=True)
    for _ in range(2):  # a mail scanner opened it first: still nothing recorded
        page = browser.get(accept)
        assert page.status_code == 200
    html = page.content.decode()
    assert resolved_call.ref in html and "VPN drops every hour" in html and "Updated the VPN client" in html
    assert "Yes, it is fixed" in html
    assert "rita" not in html and "alice" not in html  # no analyst is named to the contact
    assert answers(resolved_call) == 0 and Call.objects.get(pk=resolved_call.pk).user_confirmed_at is None
    assert page.headers["Cache-Control"].startswith("max-age=0") and "noindex" in page.headers["X-Robots-Tag"]


def test_accepting_thanks_the_contact_and_records_the_confirmation(resolved_call):
    accept, _ = paths(resolved_call)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(accept)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = browser.post(accept, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    assert f"the service desk will close {resolved_call.ref}" in done.content.decode()
    assert Call.objects.get(pk=resolved_call.pk).user_confirmed_at is not None
    again = browser.post(accept, {"csrfmiddlewaretoken": token})
    assert again.status_code == 410 and "already answered" in again.content.decode()
    assert answers(resolved_call) == 1


def test_a_post_without_the_csrf_token_records_nothing(resolved_call):
    accept, _ = paths(resolved_call)
    assert Client(enforce_csrf_checks=True).post(accept).status_code == 403
    assert answers(resolved_call) == 0


def test_accepting_where_acceptance_closes_says_the_call_is_closed(desk, resolved_call):
    desk.configure(acceptance_closes=True, acceptance_reason="FIXED")
    done = Client().post(paths(resolved_call)[0])
    assert f"the service desk closed {resolved_call.ref}" in done.content.decode()
    assert Call.objects.get(pk=resolved_call.pk).status == Status.CLOSED


def test_refusing_needs_words_and_then_sends_the_call_back(desk, resolved_call):
    _, refuse = paths(resolved_call)
    browser = Client()
    assert "What is still wrong?" in browser.get(refuse).content.decode()
    blank = browser.post(refuse, {"words": "   "})
    assert blank.status_code == 400 and "required" in blank.content.decode()
    assert answers(resolved_call) == 0
    done = browser.post(refuse, {"words": "The VPN still drops at 10:00"})
    assert f"will look at {resolved_call.ref} again" in done.content.decode()
    call = Call.objects.get(pk=resolved_call.pk)
    assert (call.status, call.assigned_analyst, call.times_refused) == (Status.ASSIGNED, desk.rita, 1)


def test_a_superseded_link_gets_410_saying_so(desk, resolved_call):
    accept, _ = paths(resolved_call)
    calls.reject_resolution(resolved_call.ref, desk.carol, "Not documented")
    calls.resolve_call(resolved_call.ref, desk.rita, "Updated the VPN client and documented it")
    page = Client().get(accept)
    assert page.status_code == 410 and "superseded" in page.content.decode()


@pytest.mark.parametrize("damage", [lambda p: p[:-6] + "/", lambda p: p.replace("/answer/", "/answer/x")])
def test_a_damaged_or_forged_link_gets_400_never_a_500(resolved_call, damage):
    accept, _ = paths(resolved_call)
    for method in ("get", "post"):
        page = getattr(Client(), method)(damage(accept))
        assert page.status_code == 400 and "This link is not valid" in page.content.decode()
    assert answers(resolved_call) == 0


def test_the_page_has_the_strict_policy_and_no_inline_code(resolved_call):
    page = Client().get(paths(resolved_call)[1])
    html = page.content.decode()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"<script", html) and not re.search(r"\son[a-z]+=", html) and " style=" not in html


def test_the_page_has_a_title_a_main_landmark_and_a_labelled_field(resolved_call):
    from .test_accessibility import _Page, _unlabelled

    for path in paths(resolved_call):
        page = _Page()
        page.feed(Client().get(path).content.decode())
        assert page.title.strip().startswith(resolved_call.ref) and "main" in page.tags
        assert _unlabelled(page) == []
