"""What the routers share: the per-app context, error answers, conditional file responses and
content negotiation of RDF documents."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response
from rdflib import Graph

from icmpd_kg.core.formats import BY_MEDIA_TYPE, alias, document_links, document_media_types
from icmpd_kg.core.namespaces import bind_prefixes
from icmpd_kg.publishing.jsonld import line_safe
from icmpd_kg.sparql.negotiation import negotiate
from icmpd_kg.sparql.results import QueryRequest, QueryResponse, answer_from_json
from icmpd_kg.sparql.writers import xml_safe
from icmpd_kg.web.errors import error

if TYPE_CHECKING:
    from icmpd_kg.runtime.config import ServerConfig
    from icmpd_kg.runtime.pool import Runner


@dataclass
class Context:
    """One per app: ``request.app.state.context``."""

    config: ServerConfig
    runner: Runner  # the worker pool, or ``workers.InlineRunner``
    loop: asyncio.AbstractEventLoop | None = None
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def dist(self) -> Path:
        return self.config.dist

    async def run(
        self, req: QueryRequest, client: str = "-", disconnected: Any = None, page: bool = False
    ) -> QueryResponse:
        """Run a query on the runner (the one engine) as this client (an address); a page's own
        query stays in the fast lane."""
        return await self.runner.run(req, self.config.timeout, client, disconnected, pinned=page)

    def cached(self, key: str, make: Any) -> Any:
        """``make()``, once per app (thread-safe; the pages call it from worker threads)."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    def forget(self, key: str | None = None) -> None:
        """What ``cached`` made for ``key`` (for every key: None) is made again when next asked for."""
        with self._lock:
            if key is None:
                self._cache.clear()
            else:
                self._cache.pop(key, None)


def context(request: Request) -> Context:
    return request.app.state.context


@functools.lru_cache(maxsize=256)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    """A file's content-hash ETag, computed once per version of the file (its time and size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return '"' + digest.hexdigest()[:32] + '"'


def static(request: Request, path: Path, media_type: str) -> Response:
    """A file with a content-hash ETag, answering 304 to a matching If-None-Match (unread)."""
    stat = path.stat()
    etag = _etag(path, stat.st_mtime_ns, stat.st_size)
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
        "Cache-Control": "public, max-age=3600",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and (
        if_none_match.strip() == "*"
        # weak comparison, as RFC 9110 (13.1.2) asks of If-None-Match: W/"x" matches "x"
        or etag.removeprefix("W/") in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    ):
        return Response(status_code=304, headers=headers)
    if media_type.startswith("text/") and "charset" not in media_type:
        media_type += "; charset=utf-8"
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


def negotiate_document(request: Request, vary: str) -> tuple[str | None, dict[str, str]]:
    """The media type of a Linked Data document (``?format=`` first, then Accept) and its headers;
    None when nothing offered is acceptable."""
    offered = document_media_types()
    override = request.query_params.get("format")
    if override:
        wanted = alias(override, graph=True)
        choice = wanted if wanted in offered else None
    else:
        choice = negotiate(request.headers.get("accept"), offered)
    headers = {"Vary": vary}
    if choice is not None:
        headers["Link"] = alternates(request.url.path, choice)
    return choice, headers


def alternates(path: str, current: str) -> str:
    """A Link header naming the document's other formats (rel="alternate")."""
    return ", ".join(
        f'<{href}>; rel="alternate"; type="{media}"'
        for _, media, href in document_links(path)
        if media != current
    )


def not_acceptable(headers: dict) -> Response:
    return error(406, "available: " + ", ".join(document_media_types()), headers)


def rdf_response(graph: Graph, media: str, headers: dict) -> Response:
    """``graph`` in the RDF syntax ``media`` (one of GRAPH_ANSWER), with the project's prefixes."""
    fmt = BY_MEDIA_TYPE[media]
    body = bind_prefixes(graph).serialize(format=fmt.rdflib or fmt.key, encoding="utf-8")
    if fmt.key in ("ntriples", "nquads"):
        body = line_safe(body.decode("utf-8")).encode("utf-8")
    elif fmt.key == "rdfxml":
        body = xml_safe(body)
    return Response(
        body, media_type=media + ("; charset=utf-8" if media.startswith("text/") else ""), headers=headers
    )


def rdf_file(request: Request, path: Path) -> Response:
    """A Turtle file of the build, in the RDF syntax the client asks for (Turtle for a browser)."""
    choice, headers = negotiate_document(request, "Accept")
    if choice is None:
        return not_acceptable(headers)
    if choice == "text/html" and "text/html" in request.headers.get("accept", ""):
        # a browser: the file on a page of the site, with the file itself and its other syntaxes
        from fastapi.responses import HTMLResponse

        from icmpd_kg.core.templating import render

        title = {"void.ttl": "The dataset (VoID, DCAT)", "icmpd-kg-shapes.ttl": "The SHACL shapes"}.get(
            path.name, path.name
        )
        links = [("Turtle", f"{request.url.path}?format=turtle")] + [
            (key, href) for key, _, href in document_links(request.url.path) if key not in ("html", "turtle")
        ]
        text = path.read_text(encoding="utf-8")
        return HTMLResponse(render("text.html", title=title, about="As a file:", links=links, text=text))
    if choice in ("text/turtle", "text/html"):
        return static(request, path, "text/turtle")
    graph = context(request).cached(f"graph:{path}", lambda: Graph().parse(path, format="turtle"))
    return rdf_response(graph, choice, headers)


# The address of the client a page is made for: its queries run as that client (its own share of
# the lanes), not as one anonymous client that every page reader shares.
PAGE_CLIENT: ContextVar[str] = ContextVar("page_client", default="-")


async def select(ctx: Context, query: str, client: str | None = None) -> Any:
    """A SELECT for the pages, run by the same workers (and engine) as /sparql."""
    request = QueryRequest(query=query, accept="application/sparql-results+json")
    response = await ctx.run(request, client or PAGE_CLIENT.get(), page=True)
    return answer_from_json(response.body)


def select_from_thread(ctx: Context) -> Any:
    """``select`` for code that runs in a worker thread (the Linked Data reader)."""

    def run(query: str) -> Any:
        assert ctx.loop is not None, "the app has not started"
        client = PAGE_CLIENT.get()  # the thread runs in a copy of the page handler's context
        return asyncio.run_coroutine_threadsafe(select(ctx, query, client), ctx.loop).result()

    return run
