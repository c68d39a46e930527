"""Every page has a title and landmarks, and every visible form field has a label."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from closeloop.calls import services as calls

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.tags: set[str] = set()
        self.title = ""
        self._in_title = False
        self._open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "title":
            self._in_title = True
        if tag == "label":
            self._open_labels += 1
            if a.get("for"):
                self.label_targets.add(a["for"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append({**a, "wrapped": "yes" if self._open_labels else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "label":
            self._open_labels -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _unlabelled(page: _Page) -> list[dict[str, str | None]]:
    return [f for f in page.fields if not f.get("wrapped") and not f.get("aria-label")
            and f.get("id") not in page.label_targets]


@pytest.fixture
def pages(desk) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", "VPN drops", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    resolved = calls.resolve_call(call.ref, desk.rita, "Updated the client")
    return [("alice", "/"), ("alice", "/calls/new/"), ("carol", f"/calls/{resolved.ref}/"),
            ("admin", f"/calls/{resolved.ref}/"), ("alice", "/profile/"), ("admin", "/system/"),
            ("admin", "/system/settings/"), ("admin", "/system/groups/"), ("admin", "/system/analysts/"),
            ("admin", "/system/reasons/"), ("alice", f"/calls/{resolved.ref}/edit/"),
            ("admin", "/system/priority-matrix/"), ("admin", "/system/categories/"),
            ("admin", "/system/closure-sla/")]


def test_every_page_has_a_title_landmarks_and_labelled_fields(client_for, pages):
    for username, url in pages:
        response = client_for(username).get(url)
        assert response.status_code == 200, url
        page = _Page()
        page.feed(response.content.decode())
        assert page.title.strip().endswith("· Closeloop"), url
        assert {"header", "nav", "main"} <= page.tags, url
        assert _unlabelled(page) == [], url


def test_sign_in_page_fields_are_labelled(client, desk):
    page = _Page()
    page.feed(client.get("/login/").content.decode())
    assert page.fields and _unlabelled(page) == []
