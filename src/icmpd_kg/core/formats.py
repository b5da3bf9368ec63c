"""Every format the project reads or writes, in one table: name, media type, file extension,
rdflib's and Oxigraph's name for it, its W3C format IRI and the ``?format=`` names clients use.

The parser of data files, the dump writer, the bulk loader, content negotiation of SPARQL results
and of Linked Data documents, the file server and the service description all read this table.
Importing it is cheap (no rdflib).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["graph", "dataset", "results", "page"]
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    key: str  # our name for it, also a ?format= value
    media_type: str
    kind: Kind  # "graph": triples; "dataset": quads; "results": SPARQL results; "page": HTML
    extensions: tuple[str, ...] = ()
    rdflib: str | None = None  # rdflib's parser and serializer name
    oxigraph: str | None = None  # the name of pyoxigraph's RdfFormat
    w3c: str | None = None  # the local name of its IRI in http://www.w3.org/ns/formats/
    aliases: tuple[str, ...] = ()  # further ?format= values
    also_as: tuple[str, ...] = ()  # further media types that ask for it (generic ones, offered last)
    graph_aliases: tuple[str, ...] = ()  # ?format= values that mean this format for a graph result

    @property
    def iri(self) -> str | None:
        return W3C_FORMATS + self.w3c if self.w3c else None


FORMATS: tuple[Format, ...] = (
    # RDF: a graph (triples) or a dataset (quads); a dataset format also holds a single graph.
    Format(
        "turtle",
        "text/turtle",
        "graph",
        (".ttl",),
        "turtle",
        "TURTLE",
        "Turtle",
        ("ttl",),
        ("application/x-turtle",),
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "dataset",
        (".jsonld", ".json"),
        "json-ld",
        "JSON_LD",
        "JSON-LD",
        ("json-ld",),
        ("application/json",),
        ("json",),
    ),
    Format(
        "ntriples",
        "application/n-triples",
        "graph",
        (".nt",),
        "nt",
        "N_TRIPLES",
        "N-Triples",
        ("nt", "n-triples"),
        ("text/plain",),
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "graph",
        (".rdf", ".owl", ".xml"),
        "xml",
        "RDF_XML",
        "RDF_XML",
        ("rdf", "rdf+xml"),
        ("application/xml",),
        ("xml",),
    ),
    Format("n3", "text/n3", "graph", (".n3",), "n3", "N3", "N3"),
    Format("trig", "application/trig", "dataset", (".trig",), "trig", "TRIG", "TriG"),
    Format("nquads", "application/n-quads", "dataset", (".nq",), "nquads", "N_QUADS", "N-Quads", ("nq",)),
    # SPARQL query results
    Format(
        "json",
        "application/sparql-results+json",
        "results",
        (".srj",),
        "json",
        None,
        "SPARQL_Results_JSON",
        ("srj",),
        ("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "results",
        (".srx",),
        "xml",
        None,
        "SPARQL_Results_XML",
        ("srx",),
        ("application/xml",),
    ),
    Format("csv", "text/csv", "results", (".csv",), "csv", None, "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "results", (".tsv",), "tsv", None, "SPARQL_Results_TSV"),
    # A page for a browser: a results table, a Linked Data page
    Format("html", "text/html", "page", (".html",), None, None, None),
)
BY_KEY = {f.key: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}


def rdf_formats() -> list[Format]:
    return [f for f in FORMATS if f.kind in ("graph", "dataset")]


def by_extension(name: str) -> Format | None:
    """The RDF format of a file name, by its extension (case-insensitive)."""
    lower = name.lower()
    return next((f for f in rdf_formats() for ext in f.extensions if lower.endswith(ext)), None)


def rdf_extensions() -> list[str]:
    return [ext for f in rdf_formats() for ext in f.extensions]


def media_type_of_file(name: str) -> str:
    """The media type to serve a file of ``dist/`` with (text types in UTF-8)."""
    if name.endswith(".context.jsonld"):
        return "application/ld+json"
    lower = name.lower()
    found = next((f for f in FORMATS for ext in f.extensions if lower.endswith(ext)), None)
    if found is not None:
        return found.media_type
    return "text/plain" if name == "SHA256SUMS" or lower.endswith(".txt") else "application/octet-stream"


def serializers(keys: tuple[str, ...]) -> dict[str, str]:
    """Media type -> serializer name for the formats named by ``keys``: each one's own media type
    in that order, then the generic ones that also ask for it (``application/json`` …), which a
    client gets only when it names them."""
    chosen = [BY_KEY[k] for k in keys]
    table = {f.media_type: f.rdflib or f.key for f in chosen}
    table.update({m: f.rdflib or f.key for f in chosen for m in f.also_as if m not in table})
    return table


# What each kind of answer is offered as, in the server's order of preference.
GRAPH_ANSWER = ("turtle", "jsonld", "ntriples", "rdfxml")  # CONSTRUCT, DESCRIBE, Linked Data documents
RESULTS_ANSWER = ("json", "xml", "csv", "tsv")  # SELECT (ASK: not CSV or TSV, which define no boolean)


def document_media_types() -> list[str]:
    """What a Linked Data document is offered as: Turtle first (for clients that accept anything),
    then the page, then the other triple syntaxes."""
    first, *others = (BY_KEY[k].media_type for k in GRAPH_ANSWER)
    return [first, "text/html", *others]


def alias(value: str, graph: bool) -> str | None:
    """The media type a ``?format=`` value names (a media type names itself); ``graph`` reads the
    ambiguous ones (``json``, ``xml``) as JSON-LD and RDF/XML rather than as SPARQL results."""
    wanted = value.strip().lower()
    if wanted in BY_MEDIA_TYPE:
        return wanted
    if graph:
        for f in rdf_formats():
            if wanted in f.graph_aliases:
                return f.media_type
    for f in FORMATS:
        if wanted == f.key or wanted in f.aliases:
            return f.media_type
    return None


DOCUMENT_FORMATS = ("html", "turtle", "jsonld", "nt", "rdfxml")  # the ?format= values pages link to


def document_links(path: str) -> list[tuple[str, str, str]]:
    """(?format= value, media type, href) of each format a Linked Data document comes in."""
    return [(key, alias(key, graph=True) or "", f"{path}?format={key}") for key in DOCUMENT_FORMATS]
