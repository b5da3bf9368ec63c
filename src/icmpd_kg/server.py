"""The web server: SPARQL 1.1 Protocol endpoint, service description, dumps, health.

``create_app`` is the app factory; ``icmpd-kg serve`` runs it with uvicorn. Queries run in
worker processes (see ``workers``) with a timeout, a maximum length and a row cap.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib import RDF, RDFS, Graph, URIRef
from starlette.datastructures import MutableHeaders

from icmpd_kg import __version__, paths
from icmpd_kg.distfiles import DUMPS, ONTOLOGY_NAME, SHAPES_NAME, VOID_NAME
from icmpd_kg.engine import Policy, StoreSpec
from icmpd_kg.linked_data import FORMAT_PARAM, RDF_FORMATS, Site, choose_language, entity_page
from icmpd_kg.namespaces import BASE, SD, VOID, bind_prefixes
from icmpd_kg.ontology_docs import ontology_html as render_ontology_html
from icmpd_kg.sparql import (
    ProtocolError,
    QueryRequest,
    QueryResponse,
    negotiate,
)
from icmpd_kg.workers import Busy, ClientGone, QueryTimeout, Source, WorkerCrash, WorkerPool

log = logging.getLogger("icmpd_kg.server")
access = logging.getLogger("icmpd_kg.access")  # one line per request: client, method, path, status, time

DEFAULT_SERVICE_ALLOWLIST = ("https://query.wikidata.org/sparql",)
MEDIA_TYPES = {d.filename: d.media_type for d in DUMPS} | {
    ".context.jsonld": "application/ld+json", ".ttl": "text/turtle", "SHA256SUMS": "text/plain",
    ".tsv": "text/tab-separated-values; charset=utf-8"}


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
    memory_limit_mb: int | None = 2048  # per query worker
    max_result_bytes: int = 50_000_000
    service_allowlist: tuple[str, ...] = DEFAULT_SERVICE_ALLOWLIST
    yasgui_dir: Path | None = field(default_factory=lambda: paths.YASGUI_DIR)
    update_key: str | None = None  # SPARQL Update is refused (403) unless this is set and presented


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"message": message}, headers=headers)


def service_description(config: ServerConfig) -> Graph:
    g = bind_prefixes(Graph())
    base = config.public_url.rstrip("/")
    service = URIRef(f"{base}/sparql")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    from icmpd_kg.functions import FUNCTIONS, iri

    for func in FUNCTIONS:
        function = iri(func)
        g.add((service, SD.extensionFunction, function))
        g.add((function, RDF.type, SD.Function))
        g.add((function, RDFS.seeAlso, URIRef(config.public_url.rstrip("/") + "/functions")))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "JSON-LD", "N-Triples", "RDF_XML"):
        g.add((service, SD.resultFormat, URIRef(f"http://www.w3.org/ns/formats/{fmt}")))
    dataset = URIRef("https://w3id.org/icmpd-kg/id/dataset/icmpd-kg")
    default = URIRef(f"{base}/sparql#dataset")
    g.add((service, SD.defaultDataset, default))
    g.add((default, RDF.type, SD.Dataset))
    g.add((default, RDF.type, VOID.Dataset))
    g.add((default, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), URIRef(f"{base}/.well-known/void")))
    g.add((default, URIRef("http://www.w3.org/2002/07/owl#sameAs"), dataset))
    for endpoint in config.service_allowlist:
        g.add((service, URIRef("http://purl.org/dc/terms/relation"), URIRef(endpoint)))
        g.add((URIRef(endpoint), RDF.type, SD.Service))
        g.add((URIRef(endpoint), SD.endpoint, URIRef(endpoint)))
    return g


class WebHeaders:
    """Pure ASGI middleware. HEAD is answered as GET without the body (RFC 9110 §9.3.2), with the
    same headers; every response says nosniff, no framing and its referrer policy, and HTML pages
    carry a Content-Security-Policy (scripts only from here or the hashed inline ones, no plug-ins,
    nothing sent elsewhere) under which the pages and YASGUI work."""

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
            access.info("%s %s %s %s %.1f ms", client[0], method, scope.get("path"), status[0] or 500,
                        (time.perf_counter() - started) * 1000)


def content_security_policy(*pages: str) -> str:
    """The policy for our HTML: inline scripts allowed by their SHA-256 only (data blocks such as
    JSON-LD are not scripts), styles inline (pyLODE's pages), images and fonts also as data: URLs."""
    import base64
    import re as _re

    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
                     for page in pages
                     for attributes, body in _re.findall(r"<script([^>]*)>(.*?)</script>", page, _re.DOTALL)
                     if "src=" not in attributes and "application/ld+json" not in attributes and body.strip()})
    return ("default-src 'self'; script-src 'self' " + " ".join(hashes) + "; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


def _pairs(text: str) -> list[tuple[str, str]]:
    """The name=value pairs of a query string or form body; percent-encoded bytes must be UTF-8
    (refused with 400, never replaced by U+FFFD)."""
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"a percent-encoded parameter is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _form_values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def create_app(config: ServerConfig) -> FastAPI:
    from icmpd_kg.engine import default_store

    policy = Policy(service_allowlist=config.service_allowlist, max_rows=config.max_rows,
                    max_result_bytes=config.max_result_bytes, service_timeout=config.timeout)
    store = config.store or default_store(config.dist)
    pool = WorkerPool(Source(store, str(config.dist)), policy, fast=config.workers, slow=config.workers,
                      fast_budget=config.fast_budget, client_share=config.client_share,
                      memory_limit_mb=config.memory_limit_mb)

    loop_holder: dict = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        loop_holder["loop"] = asyncio.get_running_loop()
        await pool.start()
        try:
            yield
        finally:
            pool.stop()

    # No /docs, /redoc or /openapi.json: FastAPI's pages load their scripts from CDNs, and this
    # server promises none (the query UI and the pages are served from here).
    app = FastAPI(title="icmpd-kg", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None,
                  description="SPARQL endpoint and Linked Data server of the ICMPD knowledge graph.")
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # dumps and results, for clients that accept gzip
    app.add_middleware(WebHeaders, csp=content_security_policy(query_page(config)))
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                       allow_methods=["GET", "POST", "HEAD", "OPTIONS"], allow_headers=["*"],
                       expose_headers=["X-Result-Truncated", "X-Result-Rows", "Link", "ETag"])
    sd_graph = service_description(config)
    app.state.config = config
    app.state.pool = pool

    async def run(req: QueryRequest, request: Request | None = None) -> QueryResponse:
        client = request.client.host if request is not None and request.client else "-"
        return await pool.run(req, config.timeout, client, request.is_disconnected if request is not None else None)

    async def answer(request: Request, query: str | None, update: str | None,
                     default_uris: list[str], named_uris: list[str], fmt: str | None) -> Response:
        vary = {"Vary": "Accept"}
        if update is not None:
            if not config.update_key:
                return _error(403, "SPARQL Update is disabled: this endpoint is read-only.", vary)
            # Header bytes as sent (Starlette decodes them as Latin-1), against the key in UTF-8: a
            # key with letters such as "Ğ" works when the client sends it in UTF-8.
            presented = request.headers.get("authorization", "").encode("latin-1", errors="replace")
            if not hmac.compare_digest(presented, f"Bearer {config.update_key}".encode("utf-8")):
                return _error(403, "SPARQL Update needs the update key (Authorization: Bearer KEY).", vary)
            if len(update) > config.max_query_length:
                return _error(413, f"the update is {len(update)} characters long; the limit is {config.max_query_length}")
            try:
                await pool.update(update, config.timeout)
            except QueryTimeout:
                return _error(503, f"the update ran longer than {config.timeout:g} s and was undone", vary)
            except WorkerCrash as exc:
                return _error(500, str(exc), vary)
            except ProtocolError as exc:
                return _error(exc.status, exc.message, vary)
            return Response(status_code=204)
        if query is None:
            accept = request.headers.get("accept")
            choice = negotiate(accept, ["text/turtle", "application/rdf+xml", "text/html", "application/ld+json",
                                        "application/n-triples"])
            if choice == "text/html":
                return HTMLResponse(query_page(config), headers=vary)
            if choice is None:
                return _error(406, "the service description is available as text/turtle, application/rdf+xml, "
                                   "application/ld+json or application/n-triples", vary)
            body = sd_graph.serialize(format={"text/turtle": "turtle", "application/rdf+xml": "xml",
                                              "application/ld+json": "json-ld", "application/n-triples": "nt"}[choice])
            return Response(body, media_type=choice, headers=vary)
        if len(query) > config.max_query_length:
            return _error(413, f"the query is {len(query)} characters long; the limit is {config.max_query_length}")
        req = QueryRequest(query=query, default_graph_uris=default_uris, named_graph_uris=named_uris,
                           accept=request.headers.get("accept"), format=fmt)
        try:
            result = await run(req, request)
        except Busy as exc:
            return _error(exc.status, exc.message, {**vary, "Retry-After": str(exc.retry_after)})
        except QueryTimeout:
            return _error(503, f"the query ran longer than {config.timeout:g} s (waiting included) and was stopped",
                          {**vary, "Retry-After": str(max(1, round(config.timeout)))})
        except ClientGone:
            return Response(status_code=499)
        except WorkerCrash as exc:
            return _error(500, str(exc), vary)
        except ProtocolError as exc:
            return _error(exc.status, exc.message, vary)
        headers = dict(vary)
        if result.rows is not None:
            headers["X-Result-Rows"] = str(result.rows)
        if result.truncated:
            headers["X-Result-Truncated"] = f"true; limit={config.max_rows}"
        return Response(result.body, media_type=result.media_type, headers=headers)

    async def sparql_get(request: Request) -> Response:
        pairs = _pairs(request.url.query)
        queries = _form_values(pairs, "query")
        if len(queries) > 1:
            return _error(400, "more than one 'query' parameter")
        if _form_values(pairs, "update"):
            return _error(405 if config.update_key else 403,
                          "SPARQL Update is not accepted by GET (SPARQL 1.1 Protocol §2.2): POST it"
                          if config.update_key else "SPARQL Update is disabled: this endpoint is read-only.")
        return await answer(request, queries[0] if queries else None, None,
                            _form_values(pairs, "default-graph-uri"), _form_values(pairs, "named-graph-uri"),
                            (_form_values(pairs, "format") or [None])[0])

    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "the request body is not UTF-8")
        url_pairs = _pairs(request.url.query)
        fmt = (_form_values(url_pairs, "format") or [None])[0]
        if content_type == "application/sparql-query":
            return await answer(request, body, None, _form_values(url_pairs, "default-graph-uri"),
                                _form_values(url_pairs, "named-graph-uri"), fmt)
        if content_type == "application/sparql-update":
            return await answer(request, None, body, [], [], fmt)
        if content_type == "application/x-www-form-urlencoded":
            pairs = _pairs(body)
            queries, updates = _form_values(pairs, "query"), _form_values(pairs, "update")
            if len(queries) + len(updates) != 1:
                return _error(400, "give exactly one 'query' (or 'update') parameter")
            return await answer(request, queries[0] if queries else None, updates[0] if updates else None,
                                _form_values(pairs, "default-graph-uri"), _form_values(pairs, "named-graph-uri"),
                                (_form_values(pairs, "format") or [fmt])[0])
        return _error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")

    @app.api_route("/sparql", methods=["GET", "POST"])
    async def sparql(request: Request) -> Response:
        """One route for both methods, so a 405 names them all in its Allow header."""
        try:
            if request.method == "POST":
                return await sparql_post(request)
            return await sparql_get(request)
        except ProtocolError as exc:
            return _error(exc.status, exc.message, {"Vary": "Accept"})

    ld_state: dict = {}
    ld_lock = threading.Lock()

    def select(query: str):
        """A SELECT for the Linked Data pages, run by the same workers (and engine) as /sparql."""
        from rdflib.query import Result

        future = asyncio.run_coroutine_threadsafe(
            run(QueryRequest(query=query, accept="application/sparql-results+json")), loop_holder["loop"])
        body = future.result().body
        import io

        from icmpd_kg.engine import Answer

        result = Result.parse(io.BytesIO(body), format="json")
        variables = [str(v) for v in result.vars or []]
        return Answer("SELECT", variables, [tuple(b.get(v) for v in result.vars or []) for b in result.bindings])

    def site() -> Site:
        with ld_lock:
            if "site" not in ld_state:
                from icmpd_kg.store import recorded_datatypes

                datatypes = recorded_datatypes(Path(store.location)) if store.kind == "oxigraph" else {}
                ld_state["site"] = Site(select, Graph().parse(config.dist / ONTOLOGY_NAME), datatypes=datatypes)
            return ld_state["site"]

    def ontology_html(lang: str) -> str:
        with ld_lock:
            key = f"ontology_html_{lang}"
            if key not in ld_state:
                ld_state[key] = render_ontology_html(config.dist / ONTOLOGY_NAME, lang)
            return ld_state[key]

    def _negotiate_document(request: Request, vary: str) -> tuple[str | None, dict]:
        """The media type for a Linked Data document (``?format=`` first, then Accept) and its
        headers; the media type is None when nothing offered is acceptable."""
        override = request.query_params.get("format")
        if override:
            choice = FORMAT_PARAM.get(override.lower())
        else:
            choice = negotiate(request.headers.get("accept"), ["text/turtle", "text/html", *list(RDF_FORMATS)[1:]])
        headers = {"Vary": vary}
        if choice is not None:
            headers["Link"] = _alternates(request.url.path, choice)
        return choice, headers

    def _not_acceptable(headers: dict) -> JSONResponse:
        return _error(406, "available: text/html, " + ", ".join(RDF_FORMATS), headers)

    def _alternates(path: str, current: str) -> str:
        links = [f'<{path}?format={key}>; rel="alternate"; type="{media}"'
                 for key, media in (("html", "text/html"), ("turtle", "text/turtle"), ("jsonld", "application/ld+json"),
                                    ("nt", "application/n-triples"), ("rdfxml", "application/rdf+xml"))
                 if media != current]
        return ", ".join(links)

    @app.get("/id/{path:path}")
    async def resource(path: str, request: Request) -> Response:
        iri = URIRef(BASE + "id/" + path)
        try:
            ld = await asyncio.to_thread(lambda: site().resource(iri))
        except (QueryTimeout, Busy, WorkerCrash, ProtocolError) as exc:
            log.warning("Linked Data page for %s not served: %r", iri, exc)
            return _error(503, f"the description of {iri} could not be read now; retry later", {"Retry-After": "2"})
        if ld is None:
            return _error(404, f"no resource {iri} in this graph")
        choice, headers = _negotiate_document(request, "Accept, Accept-Language")
        if choice is None:
            return _not_acceptable(headers)
        if choice == "text/html":
            lang = choose_language(request.headers.get("accept-language"), request.query_params.get("lang"))
            page = await asyncio.to_thread(entity_page, ld, iri, lang, request.url.path)
            return HTMLResponse(page, headers={**headers, "Content-Language": lang})
        if choice == "application/ld+json":
            body = (await asyncio.to_thread(ld.jsonld, iri)).encode("utf-8")
        else:
            graph = await asyncio.to_thread(ld.describe, iri)
            body = graph.serialize(format=RDF_FORMATS[choice], encoding="utf-8")
        return Response(body, media_type=choice + ("; charset=utf-8" if choice.startswith("text/") else ""),
                        headers=headers)

    @app.get("/ontology")
    async def ontology(request: Request) -> Response:
        choice, headers = _negotiate_document(request, "Accept, Accept-Language")
        if choice is None:
            return _not_acceptable(headers)
        if choice == "text/html":
            lang = choose_language(request.headers.get("accept-language"), request.query_params.get("lang"))
            return HTMLResponse(await asyncio.to_thread(ontology_html, lang),
                                headers={**headers, "Content-Language": lang})
        if choice == "text/turtle":
            return _static(request, config.dist / ONTOLOGY_NAME, "text/turtle")
        graph = Graph().parse(config.dist / ONTOLOGY_NAME)
        return Response(graph.serialize(format=RDF_FORMATS[choice], encoding="utf-8"), media_type=choice,
                        headers=headers)

    def _rdf_file(request: Request, path: Path) -> Response:
        """A Turtle file of the build, in the RDF syntax the client asks for (Turtle for a browser)."""
        choice, headers = _negotiate_document(request, "Accept")
        if choice is None:
            return _not_acceptable(headers)
        if choice in ("text/turtle", "text/html"):
            return _static(request, path, "text/turtle")
        graph = bind_prefixes(Graph().parse(path, format="turtle"))
        return Response(graph.serialize(format=RDF_FORMATS[choice], encoding="utf-8"), media_type=choice,
                        headers=headers)

    @app.get("/shapes")
    async def shapes(request: Request) -> Response:
        return _rdf_file(request, config.dist / SHAPES_NAME)

    @app.get("/")
    async def home() -> HTMLResponse:
        return HTMLResponse(query_page(config))

    @app.get("/functions")
    async def functions_docs() -> Response:
        """The SPARQL extension functions, documented by rdflib-endpoint's generate_docs (Markdown)."""
        from icmpd_kg.functions import documentation

        return Response(documentation(), media_type="text/markdown; charset=utf-8")

    @app.get("/assets/yasgui/{name}")
    async def yasgui_asset(name: str, request: Request) -> Response:
        media = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}.get(name)
        if media is None or config.yasgui_dir is None or not (config.yasgui_dir / name).is_file():
            return _error(404, f"no asset {name!r}; run 'npm install' to install the YASGUI assets")
        return _static(request, config.yasgui_dir / name, media)

    @app.get("/health")
    async def health() -> JSONResponse:
        status = pool.status()
        ok = status["workers"] > 0
        body = {"status": "ok" if ok else "unavailable", "version": __version__, **status}
        if not ok and pool.last_error:
            body["last_error"] = pool.last_error.splitlines()[-1]
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/.well-known/void")
    async def well_known_void(request: Request) -> Response:
        return _rdf_file(request, config.dist / VOID_NAME)

    @app.get("/dumps/")
    async def dumps_index() -> HTMLResponse:
        """The files of the build, with their media types and sizes."""
        from icmpd_kg.templating import render

        files = [{"name": p.name, "size": p.stat().st_size, "media": _media_type(p.name)}
                 for p in sorted(config.dist.iterdir()) if p.is_file() and not p.name.startswith(".")]
        return HTMLResponse(render("dumps.html", files=files))

    @app.get("/dumps/{name}")
    async def dumps(name: str, request: Request) -> Response:
        path = config.dist / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return _error(404, f"no dump named {name!r}")
        return _static(request, path, _media_type(name))

    return app


def _media_type(name: str) -> str:
    return MEDIA_TYPES.get(name) or next((m for k, m in MEDIA_TYPES.items() if name.endswith(k)),
                                         "application/octet-stream")


def _static(request: Request, path: Path, media_type: str) -> Response:
    data = path.read_bytes()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    stat = path.stat()
    headers = {"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
               "Cache-Control": "public, max-age=3600"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and (if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")]):
        return Response(status_code=304, headers=headers)
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(data, media_type=media_type, headers=headers)


def example_queries() -> list[dict[str, str]]:
    """The project's example queries, each named by its English title header."""
    examples = []
    for path in paths.query_files():
        text = path.read_text(encoding="utf-8")
        title = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# title@en:")),
                     path.stem)
        examples.append({"name": title, "file": path.name, "query": text})
    return examples


def query_page(config: ServerConfig) -> str:
    """YASGUI, from this server's own /assets/yasgui/, with every example query as a named tab."""
    examples = json.dumps(example_queries(), ensure_ascii=False).replace("</", "<\\/")
    missing = "" if config.yasgui_dir and (config.yasgui_dir / "yasgui.min.js").is_file() else (
        "<p><strong>The YASGUI assets are not installed</strong>: run <code>npm install</code> in the checkout "
        "(or give <code>--yasgui-dir</code>). The endpoint itself works.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>icmpd-kg — SPARQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/yasgui/yasgui.min.css">
<style>body{{font-family:system-ui,sans-serif;margin:0}} header{{padding:.5rem 1rem;background:#1d3557;color:#fff}}
header a{{color:#fff}}</style></head>
<body><header><strong>icmpd-kg</strong> SPARQL endpoint · <a href="/ontology">ontology</a> ·
<a href="/.well-known/void">dataset</a> · <a href="/functions">SPARQL functions</a> · <a href="/id/organisation/icmpd">ICMPD</a></header>{missing}
<div id="yasgui"></div>
<script src="/assets/yasgui/yasgui.min.js"></script>
<script>
const EXAMPLES = {examples};
const ENDPOINT = window.location.origin + "/sparql";
// Offline: no prefix.cc or LOV look-ups; only variable-name completion.
if (Yasgui.Yasqe) Yasgui.Yasqe.defaults.autocompleters = ["variables"];
const yasgui = new Yasgui(document.getElementById("yasgui"), {{
  requestConfig: {{ endpoint: ENDPOINT, method: "POST" }},
  copyEndpointOnNewTab: true,
  persistenceId: null,
  yasqe: {{ autocompleters: ["variables"] }},
  endpointCatalogueOptions: {{ getData: () => [{{ endpoint: ENDPOINT }}] }},
}});
const initial = yasgui.getTab();
EXAMPLES.forEach((example, i) => {{
  yasgui.addTab(i === 0, {{ ...Yasgui.Tab.getDefaults(), name: example.name,
    requestConfig: {{ ...Yasgui.Tab.getDefaults().requestConfig, endpoint: ENDPOINT, method: "POST" }},
    yasqe: {{ value: example.query }} }});
}});
if (EXAMPLES.length && initial) initial.close();
window.yasgui = yasgui;
</script></body></html>"""
