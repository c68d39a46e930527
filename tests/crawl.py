"""A breadth-first crawl of the pages a signed-in analyst can reach, for "every page works" tests.

From the start pages it follows every same-site GET link (`href`, and htmx `hx-get`), redirects
included, and records each answer. It skips static files, signing out and anything that is only a
POST; it caps the call pages, and the links to one page that differ only in the values of the same
query parameters (sort orders, page numbers, queues), so a desk with hundreds of calls is crawled
in seconds.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.test import Client

__all__ = ["Crawl", "crawl"]

_SKIPPED_PREFIXES = ("/static/", "/logout/", "/admin/")
_CALL_PAGE = re.compile(r"^/calls/(?!new/)([^/]+)/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((name == "href" and tag == "a") or name == "hx-get"):
                self.links.append(value)


@dataclass
class Crawl:
    """What one crawl saw: every URL with its status, and where each URL was linked from."""

    answers: dict[str, int] = field(default_factory=dict)
    linked_from: dict[str, str] = field(default_factory=dict)

    @property
    def server_errors(self) -> list[str]:
        return [f"{url} -> {status} (linked from {self.linked_from.get(url, 'start')})"
                for url, status in self.answers.items() if status >= 500]

    def visited(self, prefix: str) -> list[str]:
        return [url for url in self.answers if url.startswith(prefix)]


def crawl(client: Client, start: Iterable[str] = ("/",), *, max_call_pages: int = 15,
          max_variants: int = 3, max_pages: int = 600) -> Crawl:
    """GET every page reachable from `start`; a page's answer is recorded, never raised.

    `max_variants` is how many links to one page with the same query parameter names are followed.
    """
    seen = Crawl()
    queue: deque[str] = deque()
    calls: set[str] = set()
    variants: dict[tuple[str, ...], int] = {}

    def enqueue(url: str, referrer: str | None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            return
        path = parts.path or "/"
        local = path + (f"?{parts.query}" if parts.query else "")
        if local in seen.linked_from or local in seen.answers or path.startswith(_SKIPPED_PREFIXES):
            return
        call = _CALL_PAGE.match(path)
        if call and call.group(1) not in calls:
            if len(calls) >= max_call_pages:
                return
            calls.add(call.group(1))
        if parts.query:
            signature = (path, *sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}))
            if variants.get(signature, 0) >= max_variants:
                return
            variants[signature] = variants.get(signature, 0) + 1
        seen.linked_from[local] = referrer or "start"
        queue.append(local)

    for url in start:
        enqueue(url, None)
    while queue and len(seen.answers) < max_pages:
        url = queue.popleft()
        try:
            response = client.get(url)
        except Exception as exc:  # an exception the test client re-raises is a 500 to the analyst
            seen.answers[url] = 500
            seen.linked_from[url] += f"; raised {type(exc).__name__}: {exc}"
            continue
        seen.answers[url] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            enqueue(urljoin(url, response["Location"]), url)
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(response.content.decode())
            for link in parser.links:
                enqueue(urljoin(url, link.split("#", 1)[0]) if not link.startswith("#") else url, url)
    return seen
