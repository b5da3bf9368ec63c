"""The web server: ``create_app`` puts the routers of ``icmpd_kg.web`` (SPARQL, pages, files)
over one worker pool, with the middleware every response passes (HEAD, security headers, request
log, gzip, CORS); ``icmpd-kg serve`` runs it with uvicorn. Queries run in worker processes (see
``workers``) with a timeout, a maximum length and row and byte caps.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.datastructures import MutableHeaders

from icmpd_kg import __version__
from icmpd_kg.config import ServerConfig, per_query_limit
from icmpd_kg.engine import Policy
from icmpd_kg.workers import Source, WorkerPool

log = logging.getLogger("icmpd_kg.server")
access = logging.getLogger("icmpd_kg.access")  # one line per request: client, method, path, status, time


class WebHeaders:
    """Pure ASGI middleware. HEAD is answered as GET without the body (RFC 9110 §9.3.2), with the
    same headers; every response says nosniff, no framing and its referrer policy, HTML pages carry a
    Content-Security-Policy (scripts only from here or the hashed inline ones, no plug-ins, nothing
    sent elsewhere) under which the pages and YASGUI work, and every other response the strictest
    one (nothing loads, nothing runs)."""

    def __init__(self, app: Any, csp: str):
        self.app, self.csp = app, csp

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
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.csp)
                else:  # data (results, errors, dumps) runs nothing, loads nothing, is framed nowhere
                    headers.setdefault("Content-Security-Policy", DATA_CONTENT_SECURITY_POLICY)
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        client = scope.get("client") or ("-", 0)
        try:
            await self.app(scope, receive, sending)
        except Exception:
            access.exception("%s %s %s: unhandled error", client[0], method, scope.get("path"))
            raise
        finally:
            access.info(
                "%s %s %s %s %.1f ms",
                client[0],
                method,
                scope.get("path"),
                status[0] or 500,
                (time.perf_counter() - started) * 1000,
            )


DATA_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"

# Scripts only from this server (the pages have no inline script; JSON and JSON-LD data blocks are
# not scripts), styles also inline (pyLODE's pages), images and fonts also as data: URLs, nothing
# sent elsewhere, no plug-ins, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(config: ServerConfig) -> FastAPI:
    """The app: the SPARQL, page and file routers over one worker pool (the one engine)."""
    from icmpd_kg.engine import default_store
    from icmpd_kg.web import files, pages, sparql
    from icmpd_kg.web.common import Context

    policy = Policy(
        service_allowlist=config.service_allowlist,
        max_rows=config.max_rows,
        max_result_bytes=config.max_result_bytes,
        service_timeout=config.timeout,
        base_iri=config.public_url.rstrip("/") + "/sparql",  # the protocol's base for relative IRIs
    )
    store = config.store or default_store(config.dist)
    pool = WorkerPool(
        Source(store, str(config.dist)),
        policy,
        fast=config.workers,
        slow=config.workers,
        fast_budget=config.fast_budget,
        client_share=config.client_share,
        memory_limit_mb=per_query_limit(config),
    )
    context = Context(config, pool)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        context.loop = asyncio.get_running_loop()
        await pool.start()
        try:
            yield
        finally:
            pool.stop()

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
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # dumps and results, for clients that accept gzip
    app.add_middleware(WebHeaders, csp=CONTENT_SECURITY_POLICY)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Result-Truncated", "X-Result-Rows", "Link", "ETag"],
    )
    app.state.config = config
    app.state.pool = pool
    app.state.context = context
    for module in (sparql, pages, files):
        app.include_router(module.router)
    return app
