"""A crawler started at the home page follows every internal link of every page (anchors, stylesheets,
scripts, images) and gets no 4xx or 5xx: the site has no broken link."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)

LIMIT = 5000  # pages: far above the site's, so that a loop in the links ends


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def test_every_internal_link_answers(site):
    base = str(site.base_url).rstrip("/")
    seen: set[str] = set()
    todo = ["/"]
    broken: dict[str, tuple[int, str]] = {}
    linked_from: dict[str, str] = {}
    while todo and len(seen) < LIMIT:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        r = site.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
        if r.status_code >= 400:
            broken[path] = (r.status_code, linked_from.get(path, ""))
            continue
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        parser = Links()
        parser.feed(r.text)
        for link in parser.links:
            parts = urlsplit(urljoin(base + path, link))
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue  # outside this server
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                linked_from.setdefault(target, path)
                todo.append(target)
    assert len(seen) > 500, len(seen)  # every entity, graph and page of the build
    assert broken == {}, broken
