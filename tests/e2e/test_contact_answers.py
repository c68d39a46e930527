"""The contact answers a resolution through the real links of the resolved e-mail, in Chromium, not signed in.

The links are made by the desk itself (`closeloop.calls.links.acceptance_links`, signed with the server's
own key in its var directory), exactly as the resolved e-mail carries them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e

# Makes the call's accept and refuse links; with a number of days, as they were made that long ago.
_MAKE_LINKS = """
import json, sys, time
import django
django.setup()
from django.core import signing
from django.utils import timezone
from closeloop.calls.links import acceptance_links
from closeloop.calls.models import Call

days_ago = float(sys.argv[2])
if days_ago:
    class Clock:
        @staticmethod
        def time():
            return time.time() - days_ago * 86400
    signing.time = Clock
links = acceptance_links(Call.objects.get(ref=sys.argv[1]), timezone.now())
print(json.dumps({"accept": links.accept, "refuse": links.refuse}))
"""


def _links(live_desk: Any, ref: str, days_ago: float = 0) -> dict[str, str]:
    env = {**live_desk.env, "DJANGO_SETTINGS_MODULE": "closeloop.site.settings", "CLOSELOOP_BASE_URL": live_desk.url}
    made = subprocess.run([sys.executable, "-c", _MAKE_LINKS, ref, str(days_ago)], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return dict(json.loads(made.stdout))


def _resolved_call(live_desk: Any, summary: str) -> str:
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary", summary,
                         "--group", "Service Desk", "--assign-analyst", "rita", "--contact", DANA, "--as", "alice")
    live_desk.cli("call", "resolve", call["ref"], "--resolution", "Replaced the docking station", "--as", "rita")
    return str(call["ref"])


@pytest.fixture
def contact(live_desk: Any, browser: Any) -> Iterator[Callable[..., Any]]:
    """A browser page of someone who is not signed in (the contact reading the e-mail)."""
    contexts: list[Any] = []

    def open_page(width: int = 1024) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 800})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_the_contact_accepts_and_the_closer_sees_the_confirmation(live_desk, contact, sign_in, screenshot):
    ref = _resolved_call(live_desk, "Second screen stays black")
    page = contact()
    reply = page.goto(_links(live_desk, ref)["accept"])
    assert reply.status == 200
    assert page.get_by_role("heading", name="Is your problem solved?").is_visible()
    assert ref in page.locator("main").inner_text() and "Replaced the docking station" in page.content()
    page.get_by_role("button", name="Yes, it is fixed").click()
    page.get_by_text(f"the service desk will close {ref}").wait_for()
    screenshot(page, "contact-accepted")

    shown = live_desk.cli("call", "show", ref)
    assert shown["status"] == "forward_for_closure" and shown["user_confirmed_at"]
    last = shown["history"][-1]
    assert last["actor"] == "the contact, Dana Fisher" and last["action"] == "user_accept"
    carol = sign_in("carol")
    carol.goto(f"/calls/{ref}/")
    assert "Confirmed by the contact" in carol.locator("main").inner_text()


def test_the_contact_refuses_in_their_own_words_and_the_call_goes_back_to_its_resolver(live_desk, contact, sign_in):
    ref = _resolved_call(live_desk, "Laptop will not charge")
    page = contact()
    page.goto(_links(live_desk, ref)["refuse"])
    page.get_by_role("button", name="It is not fixed: send my call back").click()
    page.get_by_role("alert").filter(has_text="required").wait_for()  # no words: nothing sent
    assert live_desk.cli("call", "show", ref)["status"] == "forward_for_closure"
    page.get_by_label("What is still wrong?").fill("It charges only when the lid is open")
    page.get_by_role("button", name="It is not fixed: send my call back").click()
    page.get_by_text(f"the service desk will look at {ref} again").wait_for()

    shown = live_desk.cli("call", "show", ref)
    assert (shown["status"], shown["assigned_analyst"], shown["times_refused"]) == ("assigned", "rita", 1)
    assert shown["history"][-1]["note"] == "It charges only when the lid is open"
    rita = sign_in("rita")
    rita.goto(f"/calls/{ref}/")
    assert "It charges only when the lid is open" in rita.locator("main").inner_text()


def test_a_link_used_once_is_refused_the_second_time(live_desk, contact):
    ref = _resolved_call(live_desk, "Headset crackles")
    links = _links(live_desk, ref)
    page = contact()
    page.goto(links["accept"])
    page.get_by_role("button", name="Yes, it is fixed").click()
    page.get_by_text("Your answer is recorded").wait_for()
    for link in (links["accept"], links["refuse"]):
        reply = page.goto(link)
        assert reply.status == 410
        assert page.get_by_role("heading", name="This link has already been used").is_visible()
    history = live_desk.cli("call", "show", ref)["history"]
    assert [e["action"] for e in history].count("user_accept") == 1


def test_an_expired_link_says_so_and_changes_nothing(live_desk, contact):
    ref = _resolved_call(live_desk, "Badge reader ignores my card")
    page = contact()
    reply = page.goto(_links(live_desk, ref, days_ago=15)["accept"])
    assert reply.status == 410
    assert page.get_by_role("heading", name="This link has expired").is_visible()
    assert page.get_by_role("button").count() == 0
    assert live_desk.cli("call", "show", ref)["user_confirmed_at"] is None


def test_a_tampered_link_is_refused_with_a_clear_page(live_desk, contact):
    ref = _resolved_call(live_desk, "Teams camera is upside down")
    accept = _links(live_desk, ref)["accept"]
    page = contact()
    for tampered in (accept[:-8] + "/", accept.replace("/answer/", "/answer/AAAA")):
        reply = page.goto(tampered)
        assert reply.status == 400
        assert page.get_by_role("heading", name="This link is not valid").is_visible()
    assert live_desk.cli("call", "show", ref)["user_confirmed_at"] is None


def test_the_page_works_on_a_375_pixel_phone(live_desk, contact, screenshot):
    ref = _resolved_call(live_desk, "Phone will not sync mail")
    page = contact(width=375)
    page.goto(_links(live_desk, ref)["refuse"])
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    words = page.get_by_label("What is still wrong?")
    box = words.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    button = page.get_by_role("button", name="It is not fixed: send my call back")
    assert button.is_visible() and button.bounding_box()["x"] + button.bounding_box()["width"] <= 375
    screenshot(page, "contact-refuse-375px")
