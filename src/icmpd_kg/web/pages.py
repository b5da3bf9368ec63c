"""The pages: home (with the timeline), the query UI, Linked Data under ``/id/``, the ontology's
documentation (pyLODE) and diagram, and the SPARQL functions' documentation. Every page is a
Jinja2 template (``icmpd_kg/templates``); every query they need runs on the one engine."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from icmpd_kg.core import paths
from icmpd_kg.core.distfiles import ONTOLOGY_NAME, SOURCE_NAME, example_queries, ontology_page
from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.core.namespaces import BASE, IKG, QUERY_PREFIXES, bind_prefixes
from icmpd_kg.core.templating import render
from icmpd_kg.sparql.negotiation import negotiate
from icmpd_kg.sparql.query_text import is_iri
from icmpd_kg.web.common import (
    PAGE_CLIENT,
    Context,
    context,
    error,
    negotiate_document,
    not_acceptable,
    rdf_response,
    select,
    select_from_thread,
    static,
)
from icmpd_kg.web.guard import loggable
from icmpd_kg.web.linked_data import Site, choose_language, entity_view, local_href, pick_label

log = logging.getLogger(__name__)
router = APIRouter()

# Each date stated by a fact graph (a graph that is an annotation's body), with the quote.
TIMELINE_QUERY = """PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT (MIN(?s) AS ?subject) (MIN(?p) AS ?property) ?date ?g (SAMPLE(?quote) AS ?exact) WHERE {
  GRAPH ?g { ?s ?p ?date }
  FILTER(isLiteral(?date) && DATATYPE(?date) IN (xsd:date, xsd:gYear, xsd:gYearMonth, xsd:dateTime))
  ?a oa:hasBody ?g ; oa:hasTarget/oa:hasSelector ?q . ?q oa:exact ?quote
} GROUP BY ?date ?g ORDER BY ?date ?g"""


def _language(request: Request) -> tuple[str, str, str]:
    """The page language, the other one, and this page's address in the other (query kept)."""
    from urllib.parse import parse_qsl, urlencode

    lang = choose_language(request.headers.get("accept-language"), request.query_params.get("lang"))
    other = "en" if lang == "tr" else "tr"
    params = dict(parse_qsl(request.url.query, keep_blank_values=True))
    params["lang"] = other
    return lang, other, "?" + urlencode(params)


def _site(ctx: Context) -> Site:
    def make() -> Site:
        text = (ctx.dist / SOURCE_NAME).read_text(encoding="utf-8")
        return Site(select_from_thread(ctx), _ontology(ctx), text)

    return ctx.cached("site", make)


def _ontology(ctx: Context) -> Graph:
    return ctx.cached("ontology", lambda: Graph().parse(ctx.dist / ONTOLOGY_NAME, format="turtle"))


def _imported_labels(ctx: Context) -> Graph:
    """The labels of the terms the ontology reuses (ELI's "date of document"…), from its import files."""

    def read() -> Graph:
        labels = Graph()
        for path in sorted(paths.IMPORTS_DIR.glob("*.ttl")):
            for triple in Graph().parse(path, format="turtle").triples((None, RDFS.label, None)):
                labels.add(triple)
        return labels

    return ctx.cached("imported-labels", read)


def query_ui(request: Request) -> HTMLResponse:
    """YASGUI, from this server's own assets, with the build's example queries as tabs."""
    ctx = context(request)
    yasgui = ctx.config.yasgui_dir is not None and (ctx.config.yasgui_dir / "yasgui.min.js").is_file()
    lang, other, _ = _language(request)
    page = ctx.cached(
        f"query-ui-{lang}",
        lambda: render(
            "query.html",
            lang=lang,
            other=other,
            examples=example_queries(ctx.dist, lang),
            prefixes=QUERY_PREFIXES,
            yasgui=yasgui,
            endpoint=ctx.config.public_url.rstrip("/") + "/sparql",
        ),
    )
    return HTMLResponse(page, headers={"Vary": "Accept, Accept-Language", "Content-Language": lang})


async def _timeline(ctx: Context, lang: str) -> list[Any]:
    from icmpd_kg.web.diagrams import Event

    rows = (await select(ctx, TIMELINE_QUERY)).rows
    labels = bind_prefixes(Graph())  # the subjects' labels, in one query; the properties' are the ontology's
    subjects = " ".join(sorted({s.n3() for s, *_ in rows if isinstance(s, URIRef)}))
    if subjects:
        query = f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {subjects} }} ?s <{RDFS.label}> ?l }}"
        for s, label in (await select(ctx, query)).rows:
            labels.add((s, RDFS.label, label))
    graphs = (_ontology(ctx), _imported_labels(ctx), labels)
    return [
        Event(
            str(date),
            f"{pick_label(graphs, s, lang)}: {pick_label(graphs, p, lang)}",
            local_href(str(g)),
            str(exact) if exact else None,
        )
        for s, p, date, g, exact in rows
    ]


@router.get("/")
async def home(request: Request) -> Response:
    from icmpd_kg.web.diagrams import timeline

    ctx = context(request)
    lang, other, switch = _language(request)
    PAGE_CLIENT.set(request.client.host if request.client else "-")
    try:
        events = await _timeline(ctx, lang)
    except ProtocolError as exc:
        log.warning("home page timeline not drawn: %r", exc)
        events = []
    frame, placed, ticks = timeline(events)
    page = render("home.html", lang=lang, other=other, switch=switch, frame=frame, events=placed, ticks=ticks)
    return HTMLResponse(page, headers={"Content-Language": lang, "Vary": "Accept-Language"})


@router.get("/id/{path:path}")
async def resource(path: str, request: Request) -> Response:
    ctx = context(request)
    if not is_iri(BASE + "id/" + path):  # a space, <>"{}|\^`, a control character, bytes not UTF-8
        return error(404, "no resource with such a name in this graph: not an IRI")
    iri = URIRef(BASE + "id/" + path)
    PAGE_CLIENT.set(request.client.host if request.client else "-")
    try:
        site = await asyncio.to_thread(_site, ctx)
        ld = await asyncio.to_thread(site.resource, iri)
    except ProtocolError as exc:
        log.warning("Linked Data page for %s not served: %r", loggable(iri), exc)
        return error(
            503, f"the description of {iri} could not be read now; retry later", {"Retry-After": "2"}
        )
    if ld is None:
        return error(404, f"no resource {iri} in this graph")
    choice, headers = negotiate_document(request, "Accept, Accept-Language")
    if choice is None:
        return not_acceptable(headers)
    if choice == "text/html":
        lang, other, switch = _language(request)
        view = await asyncio.to_thread(entity_view, ld, iri, lang, request.url.path)
        page = render("entity.html", **view, other=other, switch=switch)
        return HTMLResponse(page, headers={**headers, "Content-Language": lang})
    if choice == "application/ld+json":
        body = (await asyncio.to_thread(ld.jsonld, iri)).encode("utf-8")
        return Response(body, media_type=choice, headers=headers)
    return rdf_response(await asyncio.to_thread(ld.describe, iri), choice, headers)


@router.get("/ontology")
async def ontology(request: Request) -> Response:
    ctx = context(request)
    choice, headers = negotiate_document(request, "Accept, Accept-Language")
    if choice is None:
        return not_acceptable(headers)
    if choice == "text/html":
        lang, _, _ = _language(request)
        # written by the build (pyLODE runs there, not here)
        page = ctx.cached(
            f"ontology-{lang}", lambda: (ctx.dist / ontology_page(lang)).read_text(encoding="utf-8")
        )
        return HTMLResponse(page, headers={**headers, "Content-Language": lang})
    if choice == "text/turtle":
        return static(request, ctx.dist / ONTOLOGY_NAME, "text/turtle")
    return rdf_response(_ontology(ctx), choice, headers)


def ontology_diagram(ontology: Graph, lang: str) -> Any:
    """The diagram of our classes: object properties from domain to range, subclass arrows."""
    from icmpd_kg.web.diagrams import Node, class_diagram

    def label(node: URIRef) -> str:
        return pick_label((ontology,), node, lang)

    def members(node: Any) -> list[URIRef]:
        """A class, or the members of an owl:unionOf."""
        if isinstance(node, URIRef):
            return [node]
        union = ontology.value(node, OWL.unionOf)
        if union is None:
            return []
        from rdflib.collection import Collection

        return [m for m in Collection(ontology, union) if isinstance(m, URIRef)]

    ns = str(IKG._NS)
    ours = sorted(
        c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and str(c).startswith(ns)
    )
    nodes = {c: Node(label(c), local_href(str(c)), title=str(c), kind="class") for c in ours}
    nm = bind_prefixes(Graph()).namespace_manager

    def node(c: URIRef) -> Any:
        """Our class, or a class of an imported vocabulary (org:Organization, schema:Place…),
        drawn apart and marked as imported."""
        if c not in nodes:
            imported = "içe aktarılan sözlükten" if lang == "tr" else "from an imported vocabulary"
            nodes[c] = Node(nm.normalizeUri(c), str(c), title=f"{c} ({imported})", kind="external")
        return nodes[c]

    relations: list[tuple[Node, Node, str, str | None, str]] = []
    for prop in sorted(p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)):
        if not str(prop).startswith(ns):
            continue
        for domain in members(ontology.value(prop, RDFS.domain)):
            for target in members(ontology.value(prop, RDFS.range)):
                relations.append((node(domain), node(target), label(prop), local_href(str(prop)), ""))
    for c in ours:
        for parent in sorted(o for o in ontology.objects(c, RDFS.subClassOf) if isinstance(o, URIRef)):
            if parent in nodes:
                relations.append(
                    (
                        nodes[c],
                        nodes[parent],
                        "alt sınıfı" if lang == "tr" else "subclass of",
                        None,
                        "subclass",
                    )
                )
    return class_diagram(list(nodes.values()), relations)


@router.get("/ontology/diagram")
async def ontology_diagram_page(request: Request) -> HTMLResponse:
    ctx = context(request)
    lang, other, switch = _language(request)
    diagram = ctx.cached(f"ontology-diagram-{lang}", lambda: ontology_diagram(_ontology(ctx), lang))
    return HTMLResponse(
        render("ontology_diagram.html", lang=lang, other=other, switch=switch, diagram=diagram),
        headers={"Content-Language": lang, "Vary": "Accept-Language"},
    )


@router.get("/functions")
async def functions_docs(request: Request) -> Response:
    """The SPARQL extension functions, documented by rdflib-endpoint's generate_docs (Markdown; for a
    browser, on a page of the site)."""
    from icmpd_kg.sparql.functions import documentation

    text = documentation()
    browser = negotiate(request.headers.get("accept"), ["text/markdown", "text/html"]) == "text/html"
    if browser and request.query_params.get("format") != "markdown":
        page = render(
            "text.html",
            title="SPARQL functions",
            about="The project's SPARQL extension functions (ikgfn:), usable on both stores.",
            links=[("Markdown", "/functions?format=markdown")],
            text=text,
        )
        return HTMLResponse(page)
    return Response(text, media_type="text/markdown; charset=utf-8")


def _search_index(ctx: Context) -> Any:
    """The names of every resource, read once per build through the engine (``search.Index``), in a
    worker thread (as ``_site`` is), by ``Context.cached``: made once, even for concurrent requests."""
    from icmpd_kg.web.search import LABELS_QUERY, Index

    def make() -> Index:
        run = select_from_thread(ctx)
        rows: list[Any] = []
        page = ctx.config.max_rows  # read in pages of the endpoint's row cap, which applies to pages too
        while True:
            batch = run(f"{LABELS_QUERY} ORDER BY ?s ?l LIMIT {page} OFFSET {len(rows)}").rows
            rows += batch
            if len(batch) < page:
                return Index([(str(s), str(label), getattr(label, "language", None)) for s, label in rows])

    return ctx.cached("search-index", make)


@router.get("/search")
async def search(request: Request) -> Response:
    """Find a resource by name: ?q= (and ?limit=, at most 50); JSON in the shape of the Wikidata API's
    wbsearchentities for a client that asks for JSON (or ?format=json), else a page of the site."""
    ctx = context(request)
    text = request.query_params.get("q", "")
    try:
        limit = int(request.query_params.get("limit", "10"))
    except ValueError:
        return error(400, "limit is a number of results, such as 10")
    if len(text) > 200:
        return error(400, "a name to search for is at most 200 characters long")
    hits = (await asyncio.to_thread(_search_index, ctx)).search(text, limit) if text.strip() else []
    wants_json = request.query_params.get("format") == "json" or (
        negotiate(request.headers.get("accept"), ["text/html", "application/json"]) == "application/json"
    )
    results = [
        {
            "id": h.iri,
            "concepturi": h.iri,
            "url": local_href(h.iri),
            "label": h.label,
            "match": {"type": "label", "language": h.language or "", "text": h.label},
        }
        for h in hits
    ]
    if wants_json:
        return JSONResponse({"searchinfo": {"search": text}, "search": results, "success": 1})
    lang, _, _ = _language(request)
    return HTMLResponse(render("search.html", query=text, results=results, lang=lang))
