"""The web app: ``create_app(config, runner=None)`` puts the SPARQL endpoint (a plain ASGI
application, ``web.sparql``) and the routers of the pages and files (Starlette) over one query
runner, under the layer every response passes (HEAD, security headers, the request log);
``icmpd-kg serve`` runs it with uvicorn. The runner is the worker pool (``workers.WorkerPool``:
queries in worker processes, with a timeout, a memory limit and the lanes) unless another is given,
such as ``workers.InlineRunner`` for tests in one process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from icmpd_kg import __version__
from icmpd_kg.core import settings
from icmpd_kg.runtime.config import ServerConfig, per_query_limit, query_policy
from icmpd_kg.runtime.pool import Source, WorkerPool
from icmpd_kg.web.guard import loggable

log = logging.getLogger("icmpd_kg.server")
access = logging.getLogger("icmpd_kg.access")  # one line per request: client, method, path, status, time


class Front:
    """Queries to /sparql (GET; HEAD arrives as GET) go to the endpoint itself; the rest, /sparql's
    other methods among it (a CORS preflight, a 405), to Starlette."""

    def __init__(self, endpoint: Any, app: Any):
        self.endpoint, self.app = endpoint, app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/sparql" and scope["method"] in ("GET", "POST"):
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


WRITE_CHUNK = 256 * 1024  # bytes of an answer handed to a connection at a time


async def _within(awaitable: Any, seconds: float) -> None:
    """``await awaitable`` within ``seconds`` (TimeoutError past them): ``asyncio.timeout`` where
    there is one (Python 3.11; no task per call, as ``wait_for`` makes on 3.10)."""
    timeout = getattr(asyncio, "timeout", None)
    if timeout is None:
        await asyncio.wait_for(awaitable, seconds)
        return
    async with timeout(seconds):
        await awaitable


class ClientNotReading(Exception):
    """A client took longer than the write deadline to read a piece of its answer."""


def _as_html_errors(send: Any) -> Any:
    """``send`` with each JSON refusal (status 400 and up, ``{"message": …}``) written as an HTML page
    of the site that says the same; its other headers (Retry-After, Allow, …) kept."""
    import json

    from icmpd_kg.core.templating import render

    held: dict[str, Any] = {}

    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            kind = dict(message.get("headers") or ()).get(b"content-type", b"")
            if message["status"] >= 400 and kind.startswith(b"application/json"):
                held["start"], held["body"] = message, b""
                return
        elif message["type"] == "http.response.body" and "start" in held:
            held["body"] += message.get("body", b"")
            if message.get("more_body"):
                return
            start = held.pop("start")
            try:
                text = str(json.loads(held["body"] or b"{}").get("message", ""))
            except (ValueError, AttributeError):
                text = held["body"].decode("utf-8", "replace")
            status = start["status"]
            page = render("error.html", status=status, reason=_reason(status), message=text).encode("utf-8")
            kept = [
                (k, v) for k, v in start.get("headers") or () if k not in (b"content-type", b"content-length")
            ]
            headers = kept + [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(page)).encode()),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": page})
            return
        await send(message)

    return sending


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class WebHeaders:
    """Pure ASGI middleware. HEAD is answered as GET without the body (RFC 9110 §9.3.2), with the
    same headers; every response says nosniff, no framing and its referrer policy, HTML pages carry a
    Content-Security-Policy (scripts only from here or the hashed inline ones, no plug-ins, nothing
    sent elsewhere) under which the pages and YASGUI work, and every other response the strictest
    one (nothing loads, nothing runs)."""

    def __init__(self, app: Any, csp: str, write_timeout: float = 10.0, public_url: str | None = None):
        self.app, self.csp, self.write_timeout = app, csp.encode("latin-1"), write_timeout
        self.public_url = public_url.rstrip("/").encode("latin-1") if public_url else None

    def _located(self, headers: list, scope: dict) -> list:
        """A redirect's Location on the public URL, not on whatever Host the client sent (Starlette
        builds the trailing-slash redirects from the request's Host header)."""
        if self.public_url is None:
            return headers
        from urllib.parse import urlsplit

        out = []
        for name, value in headers:
            if name.lower() == b"location":
                parts = urlsplit(value.decode("latin-1"))
                if parts.scheme in ("http", "https"):
                    tail = parts.path + (f"?{parts.query}" if parts.query else "")
                    value = self.public_url + tail.encode("latin-1")
            out.append((name, value))
        return out

    async def _write(self, send: Any, message: dict) -> None:
        """A body in pieces of ``WRITE_CHUNK`` bytes, each handed to the connection only once the
        client has read what came before (uvicorn waits for the transport to drain), and each within
        ``write_timeout`` seconds: a client that does not read its answer holds one piece in memory,
        not the whole answer, and is cut off (``ClientNotReading``)."""
        body = message.get("body", b"")
        more = message.get("more_body", False)
        pieces = [body[i : i + WRITE_CHUNK] for i in range(0, len(body), WRITE_CHUNK)] or [b""]
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            try:
                await _within(
                    send({**message, "body": piece, "more_body": more or not last}), self.write_timeout
                )
            except (asyncio.TimeoutError, TimeoutError):
                raise ClientNotReading() from None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        started = time.perf_counter()
        status = [0]

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers") or ())
                present = {name.lower() for name, _ in headers}
                html = any(
                    name.lower() == b"content-type" and value.startswith(b"text/html")
                    for name, value in headers
                )
                for name, value in (
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    # data (results, errors, dumps) runs nothing, loads nothing, is framed nowhere
                    (b"content-security-policy", self.csp if html else DATA_POLICY),
                ):
                    if name not in present:
                        headers.append((name, value))
                if 300 <= status[0] < 400:
                    headers = self._located(headers, scope)
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                if head:
                    message = {**message, "body": b""}
                await self._write(send, message)
                return
            await send(message)

        client = scope.get("client") or ("-", 0)
        accept = next((v for k, v in scope.get("headers") or () if k == b"accept"), b"")
        if b"text/html" in accept:  # a browser: its refusals are pages of the site, not JSON
            sending = _as_html_errors(sending)
        who = (loggable(client[0]), loggable(method), loggable(scope.get("path")))
        try:
            await self.app(scope, receive, sending)
        except ClientNotReading:
            # the response is left incomplete: uvicorn closes the connection
            log.warning(
                "%s %s %s: the client did not read its answer within %g s; the connection is closed",
                *who,
                self.write_timeout,
            )
            status[0] = status[0] or 500
        except Exception:
            access.exception("%s %s %s: unhandled error", *who)
            raise
        finally:
            access.info("%s %s %s %s %.1f ms", *who, status[0] or 500, (time.perf_counter() - started) * 1000)


DATA_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
DATA_POLICY = DATA_CONTENT_SECURITY_POLICY.encode("latin-1")

# Scripts only from this server (the pages have no inline script; JSON and JSON-LD data blocks are
# not scripts), styles also inline (pyLODE's pages), images and fonts also as data: URLs, nothing
# sent elsewhere, no plug-ins, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(config: ServerConfig, runner: Any = None) -> Any:
    """The app: the SPARQL endpoint and the page and file routers over one query runner (the one
    engine): ``runner``, or a worker pool over the configured store."""
    from starlette.routing import Route

    from icmpd_kg.core.errors import ProtocolError
    from icmpd_kg.store.spec import default_store
    from icmpd_kg.web import errors, files, pages
    from icmpd_kg.web.common import Context
    from icmpd_kg.web.sparql import SparqlEndpoint

    settings.for_queries()  # the app answers queries: literals as written, no FROM downloads
    if runner is None:
        runner = WorkerPool(
            Source(config.store or default_store(config.dist), str(config.dist)),
            query_policy(config),
            fast=config.workers,
            slow=config.workers,
            fast_budget=config.fast_budget,
            client_share=config.client_share,
            memory_limit_mb=per_query_limit(config),
        )
    context = Context(config, runner)

    def reload() -> None:
        """SIGHUP: serve dist/ as it is now, as servers conventionally reload (it ended the server)."""
        runner.reload()
        context.forget()
        served = context.cached("build-identity", lambda: files.build_identity(config.dist))
        log.info("reloaded on SIGHUP: serving build %s of %s", served, config.dist)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        context.loop = loop = asyncio.get_running_loop()
        await runner.start()
        try:
            loop.add_signal_handler(signal.SIGHUP, reload)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread (tests' client)
            pass
        try:
            yield
        finally:
            try:
                loop.remove_signal_handler(signal.SIGHUP)
            except (ValueError, RuntimeError, NotImplementedError):
                pass
            runner.stop()

    # No /docs, /redoc or /openapi.json: FastAPI's pages load their scripts from CDNs, and this
    # server promises none (the query UI and the pages are served from here).
    app = FastAPI(
        title="icmpd-kg",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        description="SPARQL endpoint and Linked Data server of the ICMPD knowledge graph.",
        exception_handlers={ProtocolError: errors.handler},
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # dumps and pages, for clients that accept gzip
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Result-Truncated", "X-Result-Rows", "Link", "ETag"],
    )
    app.state.config = config
    app.state.runner = runner
    app.state.context = context
    context.cached("build-identity", lambda: files.build_identity(config.dist))  # what is served now
    endpoint = SparqlEndpoint(context, app)
    # /sparql's other methods: a CORS preflight (answered by the middleware) or 405 naming these
    app.router.routes.append(Route("/sparql", endpoint, methods=["GET", "POST"]))
    for module in (pages, files):
        app.include_router(module.router)
    front = WebHeaders(
        Front(endpoint, app),
        csp=CONTENT_SECURITY_POLICY,
        write_timeout=config.client_timeout,
        public_url=config.public_url,
    )
    front.state = app.state  # type: ignore[attr-defined]
    return front
