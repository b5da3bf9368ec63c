"""SPARQL 1.1 Protocol logic, free of HTTP: content negotiation, the request and response of a
query, and the writer that turns the engine's answer into bytes of the chosen format.

What a query may reach, and running it, is the engine's business (``icmpd_kg.engine``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Graph, Literal, Variable
from rdflib.plugins.sparql.processor import SPARQLResult

from icmpd_kg import settings
from icmpd_kg.formats import GRAPH_ANSWER, RESULTS_ANSWER, alias, serializers
from icmpd_kg.namespaces import PREFIXES

# Keep literals as written ("1.0E6" stays "1.0E6"): results give the data's lexical forms.
settings.for_queries()

RESULT_FORMATS = {
    **serializers(RESULTS_ANSWER),
    "text/html": "html",
}  # media type -> writer; HTML for browsers
GRAPH_FORMATS = serializers(GRAPH_ANSWER)  # media type -> rdflib graph serializer


# An absolute IRI as SPARQL's IRIREF allows it: none of <>"{}|^`\ and no control character or space;
# nor U+FFFD, which only stands for bytes that were not UTF-8.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20\x7f\ufffd\ud800-\udfff]*")


def is_iri(text: str) -> bool:
    """Whether ``text`` can stand between ``<`` and ``>`` in a query as an absolute IRI."""
    return _IRI.fullmatch(text) is not None


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
    if kind == "ASK":  # the CSV and TSV results formats define no boolean result
        table = {m: f for m, f in table.items() if f not in ("csv", "tsv")}
    if override:
        wanted = alias(override, graph_result) or override.strip().lower()
        if wanted in table:
            return wanted
        if wanted in RESULT_FORMATS or wanted in GRAPH_FORMATS:  # a known format, but not for this query form
            raise ProtocolError(
                406,
                f"format {override!r} is not available for a {kind} query; "
                f"available: {', '.join(sorted(set(table)))}",
            )
        # an unknown value (clients send their own names: "rdf+xml", "turtle-rdf", …) yields to Accept
    offered = [
        m
        for m in table
        if not m.startswith(
            ("application/json", "application/xml", "application/x-", "text/plain", "text/html")
        )
    ]
    offered += [m for m in table if m not in offered]
    media = negotiate(accept, offered)
    if media is None:
        raise ProtocolError(
            406,
            f"none of the requested media types ({accept}) is available for a {kind} query; "
            f"available: {', '.join(offered)}",
        )
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


_TURTLE_SHORT = {  # datatype -> the Turtle grammar of its abbreviated form
    "http://www.w3.org/2001/XMLSchema#integer": re.compile(r"[+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#decimal": re.compile(r"[+-]?\d*\.\d+"),
    "http://www.w3.org/2001/XMLSchema#double": re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)[eE][+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false"),
}


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term) -> str:
    """A term in Turtle syntax (SPARQL 1.1 Query Results TSV §3): a number or boolean whose lexical
    form is a Turtle token is written bare, any other literal as a short string ("…", never the
    long \"\"\"…\"\"\" form) with newlines, returns, tabs, quotes and backslashes escaped."""
    if isinstance(term, Literal):
        if term.datatype is not None:
            grammar = _TURTLE_SHORT.get(str(term.datatype))
            if grammar is not None and grammar.fullmatch(str(term)):
                return str(term)
        text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        return text + (f"^^<{term.datatype}>" if term.datatype is not None else "")
    return term.n3()


def to_tsv(result: SPARQLResult) -> bytes:
    """SPARQL 1.1 Query Results TSV: RDF terms in Turtle syntax, tabs and newlines escaped.

    rdflib parses this format but has no serializer for it."""
    names = [str(v) for v in result.vars or []]
    lines = ["\t".join(f"?{v}" for v in names)]
    for row in result.bindings:
        cells = []
        for v in names:
            term = row.get(Variable(v))
            cells.append("" if term is None else _tsv_term(term))
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def html_table(answer) -> bytes:
    """SELECT rows (or an ASK answer) as an HTML page, from the package's template."""
    from rdflib import URIRef

    from icmpd_kg.namespaces import BASE
    from icmpd_kg.templating import render

    def cell(term):
        if term is None:
            return None
        if isinstance(term, URIRef):
            iri = str(term)
            href = "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri
            return {"href": href, "iri": iri, "text": iri}
        if isinstance(term, Literal):
            return {
                "text": str(term),
                "lang": term.language,
                "datatype": str(term.datatype) if term.datatype else None,
            }
        return {"text": term.n3()}

    page = render(
        "results.html",
        variables=answer.variables,
        rows=[[cell(t) for t in row] for row in answer.rows],
        boolean=answer.boolean if answer.form == "ASK" else None,
        truncated=answer.truncated,
    )
    return page.encode("utf-8")


def write_answer(answer, media: str) -> bytes:
    """An engine ``Answer`` as bytes of ``media`` (one writer for every store)."""
    if answer.form in ("CONSTRUCT", "DESCRIBE"):
        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        for triple in answer.triples:
            graph.add(triple)
        return graph.serialize(format=GRAPH_FORMATS[media], encoding="utf-8")
    if answer.form == "ASK":
        result = SPARQLResult({"type_": "ASK", "askAnswer": bool(answer.boolean)})
    else:
        variables = [Variable(v) for v in answer.variables]
        bindings = [
            {v: t for v, t in zip(variables, row, strict=True) if t is not None} for row in answer.rows
        ]
        result = SPARQLResult({"type_": "SELECT", "vars_": variables, "bindings": bindings})
    if RESULT_FORMATS[media] == "tsv":
        return to_tsv(result)
    if RESULT_FORMATS[media] == "html":
        return html_table(answer)
    body = result.serialize(format=RESULT_FORMATS[media], encoding="utf-8") or b""
    if RESULT_FORMATS[media] == "xml":
        # A carriage return in a literal must be a character reference, or XML parsers turn it into
        # a line feed (XML 1.0 §2.11); rdflib's writer leaves it raw, and only text can hold one.
        body = body.replace(b"\r", b"&#13;")
    return body
