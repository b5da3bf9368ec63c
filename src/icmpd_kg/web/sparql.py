"""The SPARQL 1.1 Protocol at ``/sparql``: queries by GET, POST form and POST direct, updates with
the update key, and the service description (or, for a browser, the query UI) when no query is
given.

``SparqlEndpoint`` is a plain ASGI application, outside Starlette's routing and middleware: a query
is the hot path, and reading its request, handing it to a worker and writing its bytes is all it
does. It gives every answer what the middleware gives the pages (CORS for simple requests, gzip
for large answers; the security headers, HEAD and the request log come from ``web.app``), and every
refusal goes through the one mapping of errors to responses (``web.errors``).
"""

from __future__ import annotations

import asyncio
import gzip
import hmac
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from rdflib import RDF, RDFS, Graph, URIRef
from starlette.requests import Request

from icmpd_kg.core.errors import ClientGone, ProtocolError
from icmpd_kg.core.formats import BY_KEY, BY_MEDIA_TYPE, GRAPH_ANSWER, RESULTS_ANSWER
from icmpd_kg.core.namespaces import DATASET, DCTERMS, OWL, SD, VOID, bind_prefixes
from icmpd_kg.sparql.negotiation import negotiate, refuse_early
from icmpd_kg.sparql.results import QueryRequest
from icmpd_kg.web.common import Context
from icmpd_kg.web.errors import error_parts

VARY = {"Vary": "Accept"}
BODY_IN_THREAD = 64 * 1024  # bytes: a 1.26 MB form body held the event loop 240 ms
GZIP_IN_THREAD = 256 * 1024  # bytes: compressing more on the event loop held it up to 0.7 s
GZIP_MINIMUM = 1024  # bytes: smaller answers are sent as they are (as GZipMiddleware does for the rest)
EXPOSED = "X-Result-Truncated, X-Result-Rows, Link, ETag"  # CORS: what a script may read


def service_description(base: str, allowlist: tuple[str, ...], update: bool = False) -> Graph:
    """SPARQL 1.1 Service Description of the endpoint at ``base``/sparql (SPARQL Update among its
    languages when ``update`` is enabled)."""
    from icmpd_kg.sparql.functions import FUNCTIONS, iri

    g = bind_prefixes(Graph())
    base = base.rstrip("/")
    service = URIRef(f"{base}/sparql")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if update:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for func in FUNCTIONS:
        function = iri(func)
        g.add((service, SD.extensionFunction, function))
        g.add((function, RDF.type, SD.Function))
        g.add((function, RDFS.seeAlso, URIRef(base + "/functions")))
    for key in (*RESULTS_ANSWER, *GRAPH_ANSWER):
        g.add((service, SD.resultFormat, URIRef(BY_KEY[key].iri or "")))
    default = URIRef(f"{base}/sparql#dataset")
    g.add((service, SD.defaultDataset, default))
    g.add((default, RDF.type, SD.Dataset))
    g.add((default, RDF.type, VOID.Dataset))
    g.add((default, RDFS.seeAlso, URIRef(f"{base}/.well-known/void")))
    g.add((default, OWL.sameAs, DATASET))
    for endpoint in allowlist:
        g.add((service, DCTERMS.relation, URIRef(endpoint)))
        g.add((URIRef(endpoint), RDF.type, SD.Service))
        g.add((URIRef(endpoint), SD.endpoint, URIRef(endpoint)))
        # a SPARQL service this one calls: what it is asked (every sd:Service says, SD 3.2)
        g.add((URIRef(endpoint), SD.supportedLanguage, SD.SPARQL11Query))
    return g


def _pairs(raw: bytes | str) -> list[tuple[str, str]]:
    """The name=value pairs of a query string or form body; its bytes, and its percent-encoded
    bytes, must be UTF-8 (refused with 400, never replaced by U+FFFD)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            400, f"the query string is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            400, f"a percent-encoded parameter is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


@dataclass
class Call:
    """What a request to /sparql asks: a query, an update, or neither (the description)."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


def read_get(query_string: bytes, update_key: str | None) -> Call:
    pairs = _pairs(query_string)
    queries = _values(pairs, "query")
    if len(queries) > 1:
        raise ProtocolError(400, "more than one 'query' parameter")
    if _values(pairs, "update"):
        if update_key:
            raise ProtocolError(
                405, "SPARQL Update is not accepted by GET (SPARQL 1.1 Protocol §2.2): POST it"
            )
        raise ProtocolError(403, "SPARQL Update is disabled: this endpoint is read-only.")
    return Call(
        queries[0] if queries else None,
        None,
        _values(pairs, "default-graph-uri"),
        _values(pairs, "named-graph-uri"),
        next(iter(_values(pairs, "format")), None),
    )


def read_post(query_string: bytes, content_type: str, raw: bytes) -> Call:
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the request body is not UTF-8") from None
    url_pairs = _pairs(query_string)
    fmt = next(iter(_values(url_pairs, "format")), None)
    if content_type == "application/sparql-query":
        return Call(
            body, None, _values(url_pairs, "default-graph-uri"), _values(url_pairs, "named-graph-uri"), fmt
        )
    if content_type == "application/sparql-update":
        return Call(None, body, format=fmt)
    if content_type == "application/x-www-form-urlencoded":
        pairs = _pairs(body)
        queries, updates = _values(pairs, "query"), _values(pairs, "update")
        if len(queries) + len(updates) != 1:
            raise ProtocolError(400, "give exactly one 'query' (or 'update') parameter")
        return Call(
            queries[0] if queries else None,
            updates[0] if updates else None,
            _values(pairs, "default-graph-uri"),
            _values(pairs, "named-graph-uri"),
            next(iter(_values(pairs, "format")), fmt),
        )
    raise ProtocolError(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")


def body_limit(config) -> int:
    """The most bytes a query's body can take: the longest query, form-encoded (a character is at
    most 4 bytes of UTF-8, each written %XX), with room for the other parameters."""
    return 12 * config.max_query_length + 65_536


async def read_body(receive: Any, declared: str | None, limit: int, seconds: float) -> bytes:
    """The body, refused from its Content-Length when that is past ``limit`` (nothing is read),
    else read as it comes, up to ``limit`` bytes and within ``seconds``."""
    if declared is not None:
        if not declared.isdigit():
            raise ProtocolError(
                400, f"Content-Length {declared[:40]!r} is not a number", {"Connection": "close"}
            )
        if int(declared) > limit:
            raise ProtocolError(
                413,
                f"the body is {declared} bytes long; this endpoint reads at most {limit}",
                {"Connection": "close"},
            )
    chunks: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ProtocolError(
                    413,
                    f"the body is longer than {limit} bytes, the most this endpoint reads",
                    {"Connection": "close"},
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return

    try:
        await asyncio.wait_for(collect(), seconds)
    except asyncio.TimeoutError:
        raise ProtocolError(
            408, f"the body did not arrive within {seconds:g} seconds", {"Connection": "close"}
        ) from None
    return b"".join(chunks)


def _description(request: Request, ctx: Context) -> Any:
    """No query: the service description, or the query UI for a browser."""
    from starlette.responses import Response

    from icmpd_kg.web.pages import query_ui

    offered = [
        "text/turtle",
        "application/rdf+xml",
        "text/html",
        "application/ld+json",
        "application/n-triples",
    ]
    choice = negotiate(request.headers.get("accept"), offered)
    if choice == "text/html":
        return query_ui(request)
    if choice is None:
        raise ProtocolError(
            406,
            "the service description is available as " + ", ".join(m for m in offered if m != "text/html"),
            VARY,
        )
    graph = ctx.cached(
        "service-description",
        lambda: service_description(
            ctx.config.public_url, ctx.config.service_allowlist, ctx.config.update_key is not None
        ),
    )
    return Response(graph.serialize(format=BY_MEDIA_TYPE[choice].rdflib), media_type=choice, headers=VARY)


async def _update(authorization: bytes, ctx: Context, update: str) -> None:
    config = ctx.config
    if not config.update_key:
        raise ProtocolError(403, "SPARQL Update is disabled: this endpoint is read-only.", VARY)
    # Header bytes as sent, against the key in UTF-8: a key with letters such as "Ğ" works when
    # the client sends it in UTF-8.
    if not hmac.compare_digest(authorization, f"Bearer {config.update_key}".encode()):
        raise ProtocolError(403, "SPARQL Update needs the update key (Authorization: Bearer KEY).", VARY)
    if len(update) > config.max_query_length:
        raise ProtocolError(
            413, f"the update is {len(update)} characters long; the limit is {config.max_query_length}"
        )
    await ctx.runner.update(update, config.timeout)
    ctx.forget("search-index")  # names may have changed: the search index is read again


class SparqlEndpoint:
    """``/sparql`` as an ASGI application (see the module's documentation)."""

    def __init__(self, ctx: Context, app: Any = None):
        self.ctx = ctx
        self.app = app  # the Starlette app whose state the query UI's page reads

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            name = name.lower()  # a header sent twice is one list, comma-separated (RFC 9110 §5.3)
            headers[name] = headers[name] + b", " + value if name in headers else value
        try:
            status, out, body = await self._answer(scope, receive, headers)
        except ProtocolError as exc:
            status, out, body = error_parts(exc, VARY)
        await self._send(send, status, out, body, headers)  # (a 499 reaches no one; the log says it)

    async def _answer(
        self, scope: dict, receive: Any, headers: dict[bytes, bytes]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        ctx = self.ctx
        config = ctx.config
        if scope["method"] == "POST":
            content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
            declared = headers.get(b"content-length")
            raw = await read_body(
                receive,
                declared.decode("latin-1") if declared is not None else None,
                body_limit(config),
                config.client_timeout,
            )
            if len(raw) > BODY_IN_THREAD:  # a large body is read beside the event loop
                call = await asyncio.to_thread(read_post, scope["query_string"], content_type, raw)
            else:
                call = read_post(scope["query_string"], content_type, raw)
        else:
            call = read_get(scope["query_string"], config.update_key)
        if call.update is not None:
            await _update(headers.get(b"authorization", b""), ctx, call.update)
            return 204, [], b""
        if call.query is None:
            response = _description(Request({**scope, "app": self.app}, receive), ctx)
            return response.status_code, list(response.raw_headers), response.body
        if len(call.query) > config.max_query_length:
            raise ProtocolError(
                413, f"the query is {len(call.query)} characters long; the limit is {config.max_query_length}"
            )
        accept = headers.get(b"accept")
        request = QueryRequest(
            call.query,
            call.default_graphs,
            call.named_graphs,
            accept.decode("latin-1") if accept is not None else None,
            call.format,
        )
        refuse_early(request.query, request.accept, request.format)  # a 406 costs no trip to a worker
        client = scope.get("client")
        watch = Disconnection(receive)
        try:
            result = await ctx.run(request, client[0] if client else "-", watch)
        finally:
            watch.close()
        out = [(b"content-type", result.media_type.encode("latin-1")), (b"vary", b"Accept")]
        if result.rows is not None:
            out.append((b"x-result-rows", str(result.rows).encode()))
        if result.truncated:
            out.append((b"x-result-truncated", f"true; limit={config.max_rows}".encode()))
        return 200, out, result.body

    @staticmethod
    async def _send(
        send: Any, status: int, out: list[tuple[bytes, bytes]], body: bytes, headers: dict[bytes, bytes]
    ) -> None:
        """The response, with CORS's headers for a cross-origin request and gzip for a large body."""
        if b"origin" in headers:
            out.append((b"access-control-allow-origin", b"*"))
            out.append((b"access-control-expose-headers", EXPOSED.encode()))
        if len(body) >= GZIP_MINIMUM and b"gzip" in headers.get(b"accept-encoding", b""):
            if len(body) > GZIP_IN_THREAD:  # a large answer is compressed beside the event loop
                body = await asyncio.to_thread(gzip.compress, body, 6, mtime=0)
            else:
                body = gzip.compress(body, compresslevel=6, mtime=0)
            out.append((b"content-encoding", b"gzip"))
            out = [(k, v + b", Accept-Encoding" if k == b"vary" else v) for k, v in out]
            if not any(k == b"vary" for k, _ in out):
                out.append((b"vary", b"Accept-Encoding"))
        out = [(k, v) for k, v in out if k != b"content-length"]
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


class Disconnection:
    """``await watch()``: whether the client has hung up, asked only when a query takes a while
    (the first call starts listening for the disconnect message; ``close`` stops listening)."""

    def __init__(self, receive: Any):
        self.receive = receive
        self.listening: asyncio.Future | None = None

    async def __call__(self) -> bool:
        if self.listening is None:
            self.listening = asyncio.ensure_future(self._listen())
            await asyncio.sleep(0)
        return self.listening.done()

    async def _listen(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":  # a GET's (empty) body comes first
            pass

    def close(self) -> None:
        if self.listening is not None and not self.listening.done():
            self.listening.cancel()
