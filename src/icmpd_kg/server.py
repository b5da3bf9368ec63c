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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.datastructures import MutableHeaders

from icmpd_kg import __version__, paths
from icmpd_kg.engine import Policy, StoreSpec
from icmpd_kg.workers import Source, WorkerPool

log = logging.getLogger("icmpd_kg.server")
access = logging.getLogger("icmpd_kg.access")  # one line per request: client, method, path, status, time

DEFAULT_SERVICE_ALLOWLIST = ("https://query.wikidata.org/sparql",)
SPARE_WORKERS = 2  # idle workers kept ready beside the fast lane (WorkerPool's default)


def machine_memory_mb() -> int | None:
    """The memory this server may use: its cgroup's limit where one is set, else the machine's."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            return int(limit) // (1024 * 1024)
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def per_query_limit(config: ServerConfig) -> int | None:
    """Each worker's memory limit: ``--memory-limit``, within an equal share of the budget for every
    process that can run a query at once (both lanes, the spares and an update), so that all of
    them together stay inside the budget (3/4 of the machine's memory unless set)."""
    processes = 2 * config.workers + SPARE_WORKERS + 1
    budget = config.memory_budget_mb
    if budget is None:
        machine = machine_memory_mb()
        budget = machine * 3 // 4 if machine else None
    share = max(64, budget // processes) if budget else None
    if config.memory_limit_mb and share:
        return min(config.memory_limit_mb, share)
    return config.memory_limit_mb or share


@dataclass
class ServerConfig:
    dist: Path
    public_url: str = "http://127.0.0.1:8000"
    timeout: float = 10.0
    max_query_length: int = 100_000
    max_rows: int = 10_000
    workers: int = 2  # fast-lane slots; the slow lane has as many
    store: StoreSpec | None = None  # default: the build's Oxigraph store, else the dump in memory
    fast_budget: float = 0.5  # seconds a query may run in the fast lane before it moves to the slow lane
    client_share: int = 1  # slow-lane slots one client address may hold; past them, 429
    memory_limit_mb: int | None = 2048  # per query worker, within the budget below
    memory_budget_mb: int | None = None  # for every worker together; None: 3/4 of the machine's memory
    max_result_bytes: int = 50_000_000
    service_allowlist: tuple[str, ...] = DEFAULT_SERVICE_ALLOWLIST
    yasgui_dir: Path | None = field(default_factory=lambda: paths.YASGUI_DIR)
    update_key: str | None = None  # SPARQL Update is refused (403) unless this is set and presented
    client_timeout: float = 10.0  # seconds a client may take to send a request's head, and its body


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
