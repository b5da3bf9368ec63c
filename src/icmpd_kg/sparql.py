"""SPARQL 1.1 Protocol logic, free of HTTP: content negotiation, the dataset a request names,
what a query may reach, and running a query into bytes of a chosen format.

Queries never leave the machine unless the operator allows it: FROM / FROM NAMED and the
protocol's default-graph-uri / named-graph-uri name graphs of the local dataset only (nothing is
downloaded), and SERVICE is allowed only to the endpoints of an allowlist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import rdflib
import rdflib.plugins.sparql
from pyparsing import ParseException
from rdflib import Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLResult

from icmpd_kg.namespaces import PREFIXES

# Never fetch a graph named in FROM / FROM NAMED: they mean local graphs (checked again below).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
# Keep literals as written ("1.0E6" stays "1.0E6"): results give the data's lexical forms.
rdflib.NORMALIZE_LITERALS = False

RESULT_FORMATS = {  # media type -> rdflib result serializer
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
}
GRAPH_FORMATS = {  # media type -> rdflib graph serializer
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/x-turtle": "turtle",
    "text/plain": "nt",
    "application/json": "json-ld",
    "application/xml": "xml",
}
FORMAT_ALIASES = {  # the ?format= override
    "json": "application/sparql-results+json", "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "turtle": "text/turtle", "ttl": "text/turtle", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "ntriples": "application/n-triples", "nt": "application/n-triples", "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
}
GRAPH_ALIASES = {"json": "application/ld+json", "xml": "application/rdf+xml"}


class ProtocolError(Exception):
    """A request the endpoint refuses, with the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(message)


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """(media range, q) pairs of an Accept header, RFC 9110 §12.5.1; parameters other than q dropped."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range that matches ``media`` (RFC 9110: most specific wins)."""
    best, best_specificity = 0.0, -1
    kind = media.split("/")[0]
    for rng, q in ranges:
        if rng == media:
            specificity = 2
        elif rng == f"{kind}/*":
            specificity = 1
        elif rng == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = q, specificity
    return best


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers (server order breaks ties); None if none is acceptable."""
    ranges = parse_accept(accept)
    scored = [(_quality(m, ranges), -i, m) for i, m in enumerate(offered)]
    q, _, media = max(scored)
    return media if q > 0 else None


def choose_format(kind: str, accept: str | None, override: str | None) -> str:
    """Media type of the response for a query of ``kind`` (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    graph_result = kind in ("CONSTRUCT", "DESCRIBE")
    table = GRAPH_FORMATS if graph_result else RESULT_FORMATS
    if override:
        wanted = override.strip().lower()
        wanted = (GRAPH_ALIASES.get(wanted) if graph_result else None) or FORMAT_ALIASES.get(wanted, wanted)
        if wanted not in table:
            raise ProtocolError(406, f"format {override!r} is not available for a {kind} query; "
                                     f"available: {', '.join(sorted(set(table)))}")
        return wanted
    offered = [m for m in table if not m.startswith(("application/json", "application/xml", "application/x-", "text/plain"))]
    offered += [m for m in table if m not in offered]
    media = negotiate(accept, offered)
    if media is None:
        raise ProtocolError(406, f"none of the requested media types ({accept}) is available for a {kind} query; "
                                 f"available: {', '.join(offered)}")
    return media


@dataclass
class QueryRequest:
    query: str
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    accept: str | None = None
    format: str | None = None


@dataclass
class QueryResponse:
    body: bytes
    media_type: str
    truncated: bool = False
    rows: int | None = None


def parse(query: str):
    try:
        return translateQuery(parseQuery(query), initNs=PREFIXES)
    except ParseException as exc:
        raise ProtocolError(400, f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}\n"
                                 f"{exc.line}\n{' ' * (exc.col - 1)}^") from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain Exceptions for bad queries
        raise ProtocolError(400, f"SPARQL error: {exc}") from None


def parse_update(text: str):
    """Parse a SPARQL Update; LOAD is refused (it would fetch a remote document)."""
    from rdflib.plugins.sparql.processor import prepareUpdate

    try:
        update = prepareUpdate(text, initNs=PREFIXES)
    except ParseException as exc:
        raise ProtocolError(400, f"SPARQL Update syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001
        raise ProtocolError(400, f"SPARQL Update error: {exc}") from None
    if any(op.name == "Load" for op in update.algebra):
        raise ProtocolError(403, "LOAD is not allowed: this endpoint makes no outbound requests")
    return update


def _walk(node):
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _walk(item)


def check_services(algebra, allowlist: tuple[str, ...]) -> None:
    for node in _walk(algebra):
        if node.name == "ServiceGraphPattern":
            target = node.get("term")
            if isinstance(target, Variable) or str(target) not in allowlist:
                allowed = ", ".join(allowlist) or "none"
                raise ProtocolError(400, f"SERVICE <{target}> is not allowed; this endpoint may call only: {allowed}")


WIKIBASE_LABEL = "http://wikiba.se/ontology#label"
WIKIBASE_LANGUAGE = URIRef("http://wikiba.se/ontology#language")
DEFAULT_LABEL_LANGUAGES = ("tr", "en")


def take_label_service(algebra) -> tuple[str, ...] | None:
    """The Wikidata Query Service's label service, answered locally: every
    ``SERVICE wikibase:label { bd:serviceParam wikibase:language "tr,en" }`` is taken out of the
    query (it names no remote endpoint, so nothing is called) and its languages returned;
    ``fill_labels`` then binds each projected ``?xLabel`` to ``?x``'s label, as WDQS does."""
    languages: tuple[str, ...] | None = None
    for node in _walk(algebra):
        if node.name == "ServiceGraphPattern" and str(node.get("term")) == WIKIBASE_LABEL:
            found: list[str] = []
            for inner in _walk(node.get("graph")):
                for triple in inner.get("triples") or []:
                    if len(triple) == 3 and triple[1] == WIKIBASE_LANGUAGE and isinstance(triple[2], Literal):
                        found += [x.strip().lower() for x in str(triple[2]).split(",") if x.strip()]
            found = [x for x in found if not x.startswith("[")]  # [AUTO_LANGUAGE]: our default order
            languages = tuple(found) or DEFAULT_LABEL_LANGUAGES
            node.clear()
            node.name = "BGP"
            node["triples"] = []
    return languages


def fill_labels(result: SPARQLResult, data: Dataset, languages: tuple[str, ...]) -> None:
    """Bind every unbound ``?xLabel`` to ``?x``'s label in the first language that has one
    (``en`` also finds ``en-t-tr``), else, as WDQS does, to the entity's own name (its Q-id)."""
    from rdflib import RDFS

    label_vars = [v for v in (result.vars or []) if str(v).endswith("Label") and len(str(v)) > 5]
    if not label_vars:
        return
    cache: dict = {}

    def label(node) -> Literal:
        if node not in cache:
            by_lang: dict[str, Literal] = {}
            for _, _, value, _ in data.quads((node, RDFS.label, None, None)):
                if isinstance(value, Literal) and value.language:
                    by_lang.setdefault(value.language.lower(), value)
            choice = next((by_lang[tag] for lang in languages for tag in sorted(by_lang)
                           if tag == lang or tag.startswith(lang + "-")), None)
            cache[node] = choice if choice is not None else Literal(str(node).rstrip("/").rsplit("/", 1)[-1])
        return cache[node]

    rows = []
    for row in result.bindings:
        row = dict(row)
        for var in label_vars:
            entity = row.get(Variable(str(var)[:-5]))
            if row.get(var) is None and entity is not None:
                row[var] = label(entity) if isinstance(entity, URIRef) else Literal(str(entity))
        rows.append(row)
    result.bindings = rows


def dataset_view(data: Dataset, default_uris: list[str], named_uris: list[str]) -> Dataset:
    """The RDF dataset a request describes, made of local graphs only (SPARQL 1.1 Protocol §2.1.4).

    Without any graph IRIs, the default graph is the union of all graphs and every named graph is
    visible. A named graph the store does not hold is empty; it is never fetched.
    """
    if not default_uris and not named_uris:
        return data
    from icmpd_kg.functions import new_dataset

    view = new_dataset(default_union=False)  # the project's SPARQL functions answer here too
    for prefix, ns in data.namespaces():
        view.bind(prefix, ns)
    default = view.graph(DATASET_DEFAULT_GRAPH_ID)
    for uri in default_uris:
        for triple in data.graph(URIRef(uri)):
            default.add(triple)
    for uri in named_uris:
        target = view.graph(URIRef(uri))
        for triple in data.graph(URIRef(uri)):
            target.add(triple)
    return view


_TURTLE_SHORT = {  # datatype -> the Turtle grammar of its abbreviated form
    "http://www.w3.org/2001/XMLSchema#integer": re.compile(r"[+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#decimal": re.compile(r"[+-]?\d*\.\d+"),
    "http://www.w3.org/2001/XMLSchema#double": re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)[eE][+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false"),
}


def _tsv_term(term) -> str:
    """A term in Turtle syntax; a number or boolean whose lexical form is a Turtle token is written
    bare, as the TSV results format allows, any other literal in full."""
    if isinstance(term, Literal) and term.datatype is not None:
        grammar = _TURTLE_SHORT.get(str(term.datatype))
        if grammar is not None and grammar.fullmatch(str(term)):
            return str(term)
    return term.n3().replace("\t", "\\t").replace("\n", "\\n")


def to_tsv(result: SPARQLResult) -> bytes:
    """SPARQL 1.1 Query Results TSV: RDF terms in Turtle syntax, tabs and newlines escaped.

    rdflib parses this format but has no serializer for it."""
    if result.type == "ASK":
        return b"?_askResult\n" + (b"true\n" if result.askAnswer else b"false\n")
    names = [str(v) for v in result.vars or []]
    lines = ["\t".join(f"?{v}" for v in names)]
    for row in result.bindings:
        cells = []
        for v in names:
            term = row.get(Variable(v))
            cells.append("" if term is None else _tsv_term(term))
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _is_select_star(query: str) -> bool:
    return re.search(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", query, re.IGNORECASE) is not None


def _in_order_of_appearance(query: str, variables: list[Variable]) -> list[Variable]:
    """SELECT * projects variables in the order they first appear in the query (as the W3C
    result-format tests expect); rdflib hands them over in set order."""
    def first(v: Variable) -> int:
        match = re.search(r"[?$]" + re.escape(str(v)) + r"\b", query)
        return match.start() if match else len(query)
    return sorted(variables, key=first)


def execute(data: Dataset, request: QueryRequest, allowlist: tuple[str, ...], max_rows: int) -> QueryResponse:
    query = parse(request.query)
    algebra = query.algebra
    label_languages = take_label_service(algebra)
    check_services(algebra, allowlist)
    kind = algebra.name.replace("Query", "").upper()
    media = choose_format(kind, request.accept, request.format)
    default_uris, named_uris = list(request.default_graph_uris), list(request.named_graph_uris)
    clauses = algebra.get("datasetClause") or []
    if not default_uris and not named_uris and clauses:
        default_uris = [str(c.default) for c in clauses if c.get("default") is not None]
        named_uris = [str(c.named) for c in clauses if c.get("named") is not None]
    algebra["datasetClause"] = None
    view = dataset_view(data, default_uris, named_uris)
    try:
        result = SPARQLResult(evalQuery(view, query, {}))
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ProtocolError(400, f"SPARQL evaluation failed: {exc}") from None
    truncated = False
    rows = None
    if result.type == "SELECT" and label_languages is not None:
        fill_labels(result, view, label_languages)
    if result.type == "SELECT" and _is_select_star(request.query):
        result.vars = _in_order_of_appearance(request.query, result.vars or [])
    if result.type == "SELECT":
        bindings = result.bindings
        rows = len(bindings)
        if len(bindings) > max_rows:
            result.bindings = bindings[:max_rows]
            truncated, rows = True, max_rows
    if kind in ("CONSTRUCT", "DESCRIBE"):
        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        for triple in result:
            graph.add(triple)
        body = graph.serialize(format=GRAPH_FORMATS[media], encoding="utf-8")
    elif RESULT_FORMATS[media] == "tsv":
        body = to_tsv(result)
    else:
        body = result.serialize(format=RESULT_FORMATS[media], encoding="utf-8")
    content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
    return QueryResponse(body=body, media_type=content_type, truncated=truncated, rows=rows)
