"""The writers that turn an answer into bytes of the negotiated format: one writer for every store
(terms of Oxigraph's store are written as they are, without conversion), the HTML table, the
terminal's text and the XML safety check."""

from __future__ import annotations

import io
import re
from typing import Any

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.processor import SPARQLResult

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.core.namespaces import PREFIXES
from icmpd_kg.core.terms import XSD_STRING
from icmpd_kg.sparql.negotiation import GRAPH_FORMATS, RESULT_FORMATS
from icmpd_kg.sparql.results import Answer

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

    from icmpd_kg.core.namespaces import BASE
    from icmpd_kg.core.templating import render

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


def _json_term(term: Any, ox: Any) -> dict[str, str]:
    kind = type(term)
    if kind is ox.NamedNode:
        return {"type": "uri", "value": term.value}
    if kind is ox.Literal:
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": datatype}
    if kind is ox.BlankNode:
        return {"type": "bnode", "value": term.value}
    raise ProtocolError(400, "RDF-star triple terms cannot be returned by this endpoint")


def _native_json(answer: Answer) -> bytes:
    """SPARQL 1.1 Query Results JSON of an answer in Oxigraph's terms, each written as it is."""
    import json

    import pyoxigraph as ox

    if answer.form == "ASK":
        document: dict[str, Any] = {"head": {}, "boolean": bool(answer.boolean)}
    else:
        names = answer.variables
        bindings = [
            {name: _json_term(term, ox) for name, term in zip(names, row, strict=True) if term is not None}
            for row in answer.rows
        ]
        document = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _native_graph(answer: Answer, media: str) -> bytes | None:
    """CONSTRUCT/DESCRIBE triples in Oxigraph's terms, by Oxigraph's own writer for ``media`` (None
    where it has none in the formats table: JSON-LD is written by rdflib, with the project's
    context)."""
    import pyoxigraph as ox

    from icmpd_kg.core.formats import BY_KEY, GRAPH_ANSWER

    fmt = next((BY_KEY[k] for k in GRAPH_ANSWER if media in (BY_KEY[k].media_type, *BY_KEY[k].also_as)), None)
    if fmt is None or fmt.oxigraph is None or fmt.key == "jsonld":
        return None
    triples = [ox.Triple(*triple) for triple in answer.triples]
    return (
        ox.serialize(triples, format=getattr(ox.RdfFormat, fmt.oxigraph), prefixes=_used_prefixes(triples))
        or b""
    )


_NAMESPACES = {str(ns): prefix for prefix, ns in PREFIXES.items()}


def _used_prefixes(triples: list[Any]) -> dict[str, str]:
    """The project's prefixes whose namespace an IRI of ``triples`` is in (a writer declares every
    prefix it is given)."""
    used: dict[str, str] = {}
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            value = getattr(term, "value", "")
            if isinstance(value, str) and ":" in value:
                namespace = value[: max(value.rfind("/"), value.rfind("#")) + 1]
                prefix = _NAMESPACES.get(namespace)
                if prefix is not None:
                    used[prefix] = namespace
    return dict(sorted(used.items()))


def write_answer(answer: Answer, media: str) -> bytes:
    """An engine ``Answer`` as bytes of ``media`` (one writer for every store), every XML answer
    well-formed (``xml_safe``)."""
    body = _written(answer, media)
    return xml_safe(body) if _is_xml(media) else body


def _is_xml(media: str) -> bool:
    from icmpd_kg.core.formats import BY_KEY

    rdfxml = BY_KEY["rdfxml"]
    return RESULT_FORMATS.get(media) == "xml" or media in (rdfxml.media_type, *rdfxml.also_as)


# Characters XML 1.0 cannot carry at all (§2.2), not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


ASK_ANOTHER_FORMAT = "ask for it as JSON (application/sparql-results+json), N-Triples or Turtle"


def xml_safe(body: bytes, advice: str = ASK_ANOTHER_FORMAT) -> bytes:
    """An XML answer as XML 1.0 parsers read it back: a carriage return as the character reference
    ``&#13;`` (raw, parsers turn it into a line feed, §2.11; rdflib's and Oxigraph's writers leave
    it raw, and only text can hold one); a character XML 1.0 forbids refused (406), never written."""
    text = body.decode("utf-8")
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise ProtocolError(
            406,
            f"the answer holds the character U+{ord(bad.group()):04X}, which XML 1.0 cannot carry"
            + (f"; {advice}" if advice else ""),
        )
    return body.replace(b"\r", b"&#13;")


def _written(answer: Answer, media: str) -> bytes:
    """An answer in Oxigraph's terms is written without converting them: SPARQL JSON results here,
    graphs by Oxigraph's writers; the other result formats convert it to rdflib's terms first."""
    if answer.native:
        if answer.form in ("CONSTRUCT", "DESCRIBE"):
            native = _native_graph(answer, media)
            if native is not None:
                return native
        elif RESULT_FORMATS[media] == "json":
            return _native_json(answer)
        answer = answer.in_rdflib()
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
    return result.serialize(format=RESULT_FORMATS[media], encoding="utf-8") or b""


# --- on the command line --------------------------------------------------------------------------


def _cell(term, nm) -> str:
    if term is None:
        return ""
    try:
        return term.n3(nm)
    except TypeError:
        return term.n3()


def terminal_text(answer: Answer, fmt: str) -> str:
    """``table``, ``csv`` or ``json`` for SELECT/ASK; Turtle (or JSON-LD for ``json``) for graphs."""
    if answer.form in ("CONSTRUCT", "DESCRIBE"):
        media = "application/ld+json" if fmt == "json" else "text/turtle"
        return write_answer(answer, media).decode("utf-8")
    if fmt == "json":
        return write_answer(answer, "application/sparql-results+json").decode("utf-8")
    if answer.form == "ASK":
        return ("true" if answer.boolean else "false") + "\n"
    if fmt == "csv":
        return write_answer(answer, "text/csv").decode("utf-8")
    from icmpd_kg.core.namespaces import bind_prefixes

    nm = bind_prefixes(Graph()).namespace_manager
    rows = [[_cell(term, nm) for term in row] for row in answer.rows]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(answer.variables)]
    out = io.StringIO()
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out.write(line + "\n")
    out.write("| " + " | ".join(v.ljust(w) for v, w in zip(answer.variables, widths, strict=True)) + " |\n")
    out.write(line + "\n")
    for r in rows:
        out.write("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |\n")
    out.write(line + "\n")
    out.write(f"{len(rows)} row(s)" + (" (cut at the row limit)" if answer.truncated else "") + "\n")
    return out.getvalue()
