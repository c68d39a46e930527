"""Long unbroken text (a pasted log line, a URL) wraps inside the page instead of widening it."""

from __future__ import annotations

import pytest

from .conftest import DANA

pytestmark = pytest.mark.e2e

UNBROKEN = "x" * 10_000


def _page_width_overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many pixels the document is wider than the viewport (0 when nothing sticks out)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("width", [1280, 390])
def test_call_with_long_unbroken_text_fits_the_viewport(live_desk, sign_in, screenshot, width):
    call = live_desk.cli("call", "log", "--partition", "Default", "--type", "incident", "--summary", "S" * 200,
                         "--description", UNBROKEN, "--group", "Service Desk", "--assign-analyst", "alice",
                         "--contact", DANA, "--as", "alice")
    live_desk.cli("call", "resolve", call["ref"], "--resolution", "R" * 10_000, "--as", "alice")
    page = sign_in("carol")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/calls/{call['ref']}/")
    page.get_by_role("heading", name="History").wait_for()
    assert _page_width_overflow(page) <= 0, f"the call page is wider than a {width}px viewport"
    screenshot(page, f"long-text-call-{width}")
    page.goto("/?sort=-age")
    page.get_by_role("link", name=call["ref"]).wait_for()
    assert _page_width_overflow(page) <= 0, f"Calls Outstanding is wider than a {width}px viewport"
    screenshot(page, f"long-text-outstanding-{width}")
