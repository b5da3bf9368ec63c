"""The SPARQL 1.1 Protocol at ``/sparql``: queries by GET, POST form and POST direct, updates with
the update key, and the service description (or, for a browser, the query UI) when no query is
given."""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import RDF, RDFS, Graph, URIRef

from icmpd_kg.formats import BY_KEY, BY_MEDIA_TYPE, GRAPH_ANSWER, RESULTS_ANSWER
from icmpd_kg.namespaces import DATASET, DCTERMS, OWL, SD, VOID, bind_prefixes
from icmpd_kg.sparql import ProtocolError, QueryRequest, negotiate
from icmpd_kg.web.common import Context, context, error
from icmpd_kg.workers import Busy, ClientGone, QueryTimeout, WorkerCrash

router = APIRouter()
VARY = {"Vary": "Accept"}


def service_description(base: str, allowlist: tuple[str, ...], update: bool = False) -> Graph:
    """SPARQL 1.1 Service Description of the endpoint at ``base``/sparql (SPARQL Update among its
    languages when ``update`` is enabled)."""
    from icmpd_kg.functions import FUNCTIONS, iri

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
    return g


def _pairs(text: str) -> list[tuple[str, str]]:
    """The name=value pairs of a query string or form body; percent-encoded bytes must be UTF-8
    (refused with 400, never replaced by U+FFFD)."""
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            400, f"a percent-encoded parameter is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


async def _update(request: Request, ctx: Context, update: str) -> Response:
    config = ctx.config
    if not config.update_key:
        return error(403, "SPARQL Update is disabled: this endpoint is read-only.", VARY)
    # Header bytes as sent (Starlette decodes them as Latin-1), against the key in UTF-8: a key
    # with letters such as "Ğ" works when the client sends it in UTF-8.
    presented = request.headers.get("authorization", "").encode("latin-1", errors="replace")
    if not hmac.compare_digest(presented, f"Bearer {config.update_key}".encode()):
        return error(403, "SPARQL Update needs the update key (Authorization: Bearer KEY).", VARY)
    if len(update) > config.max_query_length:
        return error(
            413, f"the update is {len(update)} characters long; the limit is {config.max_query_length}"
        )
    try:
        await ctx.pool.update(update, config.timeout)
    except QueryTimeout:
        return error(503, f"the update ran longer than {config.timeout:g} s and was undone", VARY)
    except WorkerCrash as exc:
        return error(500, str(exc), VARY)
    except ProtocolError as exc:
        return error(exc.status, exc.message, VARY)
    return Response(status_code=204)


def _description(request: Request, ctx: Context) -> Response:
    """No query: the service description, or the query UI for a browser."""
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
        return error(
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


async def _answer(
    request: Request,
    query: str | None,
    update: str | None,
    default_uris: list[str],
    named_uris: list[str],
    fmt: str | None,
) -> Response:
    ctx = context(request)
    config = ctx.config
    if update is not None:
        return await _update(request, ctx, update)
    if query is None:
        return _description(request, ctx)
    if len(query) > config.max_query_length:
        return error(
            413, f"the query is {len(query)} characters long; the limit is {config.max_query_length}"
        )
    req = QueryRequest(
        query=query,
        default_graph_uris=default_uris,
        named_graph_uris=named_uris,
        accept=request.headers.get("accept"),
        format=fmt,
    )
    try:
        result = await ctx.run(req, request)
    except Busy as exc:
        return error(exc.status, exc.message, {**VARY, "Retry-After": str(exc.retry_after)})
    except QueryTimeout:
        return error(
            503,
            f"the query ran longer than {config.timeout:g} s (waiting included) and was stopped",
            {**VARY, "Retry-After": str(max(1, round(config.timeout)))},
        )
    except ClientGone:
        return Response(status_code=499)
    except WorkerCrash as exc:
        return error(500, str(exc), VARY)
    except ProtocolError as exc:
        return error(exc.status, exc.message, VARY)
    headers = dict(VARY)
    if result.rows is not None:
        headers["X-Result-Rows"] = str(result.rows)
    if result.truncated:
        headers["X-Result-Truncated"] = f"true; limit={config.max_rows}"
    return Response(result.body, media_type=result.media_type, headers=headers)


async def _get(request: Request) -> Response:
    pairs = _pairs(request.url.query)
    queries = _values(pairs, "query")
    if len(queries) > 1:
        return error(400, "more than one 'query' parameter")
    if _values(pairs, "update"):
        key = context(request).config.update_key
        return error(
            405 if key else 403,
            "SPARQL Update is not accepted by GET (SPARQL 1.1 Protocol §2.2): POST it"
            if key
            else "SPARQL Update is disabled: this endpoint is read-only.",
        )
    return await _answer(
        request,
        queries[0] if queries else None,
        None,
        _values(pairs, "default-graph-uri"),
        _values(pairs, "named-graph-uri"),
        next(iter(_values(pairs, "format")), None),
    )


def body_limit(config) -> int:
    """The most bytes a query's body can take: the longest query, form-encoded (a character is at
    most 4 bytes of UTF-8, each written %XX), with room for the other parameters."""
    return 12 * config.max_query_length + 65_536


async def read_body(request: Request, limit: int, seconds: float) -> bytes:
    """The body, refused from its Content-Length when that is past ``limit`` (nothing is read),
    else read as it comes, up to ``limit`` bytes and within ``seconds``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ProtocolError(400, f"Content-Length {declared[:40]!r} is not a number")
        if int(declared) > limit:
            raise ProtocolError(
                413, f"the body is {declared} bytes long; this endpoint reads at most {limit}"
            )
    chunks: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ProtocolError(
                    413, f"the body is longer than {limit} bytes, the most this endpoint reads"
                )
            chunks.append(chunk)

    try:
        await asyncio.wait_for(collect(), seconds)
    except asyncio.TimeoutError:
        raise ProtocolError(408, f"the body did not arrive within {seconds:g} seconds") from None
    return b"".join(chunks)


async def _post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        config = context(request).config
        raw = await read_body(request, body_limit(config), config.client_timeout)
    except ProtocolError as exc:
        return error(exc.status, exc.message, {"Connection": "close"})
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return error(400, "the request body is not UTF-8")
    url_pairs = _pairs(request.url.query)
    fmt = next(iter(_values(url_pairs, "format")), None)
    if content_type == "application/sparql-query":
        return await _answer(
            request,
            body,
            None,
            _values(url_pairs, "default-graph-uri"),
            _values(url_pairs, "named-graph-uri"),
            fmt,
        )
    if content_type == "application/sparql-update":
        return await _answer(request, None, body, [], [], fmt)
    if content_type == "application/x-www-form-urlencoded":
        pairs = _pairs(body)
        queries, updates = _values(pairs, "query"), _values(pairs, "update")
        if len(queries) + len(updates) != 1:
            return error(400, "give exactly one 'query' (or 'update') parameter")
        return await _answer(
            request,
            queries[0] if queries else None,
            updates[0] if updates else None,
            _values(pairs, "default-graph-uri"),
            _values(pairs, "named-graph-uri"),
            next(iter(_values(pairs, "format")), fmt),
        )
    return error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")


async def sparql(request: Request) -> Response:
    """One route for both methods, so a 405 names them all in its Allow header."""
    try:
        return await (_post(request) if request.method == "POST" else _get(request))
    except ProtocolError as exc:
        return error(exc.status, exc.message, VARY)


# A plain Starlette route: the endpoint reads the request itself, so FastAPI's dependency
# resolution (a sixth of the web layer's processor time per query) has nothing to do.
router.add_route("/sparql", sparql, methods=["GET", "POST"])
