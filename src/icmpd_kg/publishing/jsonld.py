"""JSON-LD that reads like JSON: one context with a short term for every property, and compaction.

The context (``dist/icmpd-kg.context.jsonld``) has the project's prefixes, and a term for every
ontology property (its local name) and for the reused properties the data uses: links are
``"@type": "@id"``, dates and numbers carry their datatype, labels and texts are language maps
(``"label": {"tr": ..., "en-t-tr": ...}``). Everything is made by pyld from canonically sorted
N-Quads and written with sorted keys, so the same graph gives the same bytes in every process.
"""

from __future__ import annotations

import json
from typing import Any

from pyld import jsonld
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef

from icmpd_kg.core.namespaces import IKG, PREFIXES

# Reused properties: (CURIE, kind), where kind is "@id" (a link), "@language" (a language map), an
# XSD datatype CURIE, or None (a plain value).
REUSED: tuple[tuple[str, str | None], ...] = (
    ("rdfs:label", "@language"),
    ("skos:altLabel", "@language"),
    ("skos:definition", "@language"),
    ("skos:editorialNote", "@language"),
    ("dcterms:description", "@language"),
    ("dcterms:title", "@language"),
    ("dcterms:bibliographicCitation", "@language"),
    ("skos:inScheme", "@id"),
    ("skos:hasTopConcept", "@id"),
    ("skos:topConceptOf", "@id"),
    ("org:member", "@id"),
    ("org:organization", "@id"),
    ("org:memberDuring", "@id"),
    ("org:unitOf", "@id"),
    ("org:subOrganizationOf", "@id"),
    ("time:hasBeginning", "@id"),
    ("time:after", "@id"),
    ("time:inXSDDate", "xsd:date"),
    ("time:inXSDgYearMonth", "xsd:gYearMonth"),
    ("foaf:homepage", "@id"),
    ("eli:id_local", None),
    ("eli:date_document", "xsd:date"),
    ("eli:date_publication", "xsd:date"),
    ("eli:published_in", None),
    ("schema:minValue", "xsd:integer"),
    ("oa:hasBody", "@id"),
    ("oa:hasTarget", "@id"),
    ("oa:hasSource", "@id"),
    ("oa:hasSelector", "@id"),
    ("oa:motivatedBy", "@id"),
    ("oa:exact", None),
    ("oa:prefix", None),
    ("oa:suffix", None),
    ("oa:start", "xsd:nonNegativeInteger"),
    ("oa:end", "xsd:nonNegativeInteger"),
    ("prov:wasDerivedFrom", "@id"),
    ("prov:wasAttributedTo", "@id"),
    ("spdx:checksum", "@id"),
    ("spdx:algorithm", "@id"),
    ("spdx:checksumValue", "xsd:hexBinary"),
    ("dcterms:license", "@id"),
    ("dcterms:source", "@id"),
    ("dcterms:creator", "@id"),
    ("dcterms:language", None),
    ("dcterms:format", None),
    ("owl:sameAs", "@id"),
)
LANGUAGE_RANGES = {RDF.langString}


def _curie(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and prefix != "ikg":
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def context(ontology: Graph) -> dict[str, Any]:
    """The JSON-LD context: prefixes, then one term per property (see the module's docstring)."""
    terms: dict[str, Any] = dict(PREFIXES)
    namespace = str(IKG._NS)
    properties = sorted(
        {
            s
            for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
            for s in ontology.subjects(RDF.type, kind)
            if isinstance(s, URIRef) and str(s).startswith(namespace)
        }
    )
    for prop in properties:
        name = str(prop)[len(namespace) :]
        definition: dict[str, str] = {"@id": f"ikg:{name}"}
        rng = ontology.value(prop, RDFS.range)
        if (prop, RDF.type, OWL.ObjectProperty) in ontology:
            definition["@type"] = "@id"
        elif rng in LANGUAGE_RANGES:
            definition["@container"] = "@language"
        elif (
            isinstance(rng, URIRef)
            and str(rng).startswith(PREFIXES["xsd"])
            and not str(rng).endswith("#string")
        ):
            definition["@type"] = _curie(str(rng))
        # A property named like a record prefix ("principle", "agreement") takes the name: users
        # write the property far more often, and such records then appear as full IRIs.
        terms[name] = definition
    for curie, kind in REUSED:
        name = curie.split(":", 1)[1]
        if name in PREFIXES:
            continue  # a prefix keeps its name ("source:"); the property stays a CURIE ("dcterms:source")
        if name in terms:
            raise ValueError(f"JSON-LD term {name!r} would mean both {terms[name]} and {curie}")
        definition = {"@id": curie}
        if kind == "@language":
            definition["@container"] = "@language"
        elif kind is not None:
            definition["@type"] = kind
        terms[name] = definition
    # JSON-LD 1.1: language maps give a literal without a language under "@none", which a 1.0 reader
    # took for a language tag ("@@none"); declared, a 1.0 reader refuses the document instead.
    return {"@context": {"@version": 1.1, **dict(sorted(terms.items()))}}


def compact(nquads: str, ctx: dict[str, Any], first: str | None = None) -> dict[str, Any]:
    """Compacted JSON-LD of sorted N-Quads; with ``first``, that node leads the ``@graph``."""
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    document = jsonld.compact(expanded, ctx)
    if first is not None and isinstance(document.get("@graph"), list):
        terms = ctx["@context"]

        def full(node: dict[str, Any]) -> str:
            name = str(node.get("@id", ""))
            prefix, _, rest = name.partition(":")
            return terms[prefix] + rest if isinstance(terms.get(prefix), str) else name

        document["@graph"].sort(key=lambda node: (full(node) != first, full(node)))
    return document


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# Characters that end a line for some readers though N-Triples and N-Quads end lines with LF alone
# (Python's str.splitlines, Unicode's line and paragraph separators, editors): rdflib writes them raw
# inside literals; ``line_safe`` writes them as UCHAR escapes, which N-Quads readers decode.
LINE_BREAKING = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ESCAPE_LINE_BREAKING = str.maketrans({c: f"\\u{ord(c):04X}" for c in LINE_BREAKING})


def sorted_nquads(data: Dataset | Graph) -> str:
    """N-Quads (a dataset) or N-Triples (a graph), one line per statement, sorted and without
    repeats: the deterministic form every dump and JSON-LD document of the build is made from. Lines
    are split at LF only (the form's one line end: a literal may hold U+2028 and its kin raw)."""
    text = data.serialize(format="nquads" if isinstance(data, Dataset) else "nt", encoding="utf-8").decode(
        "utf-8"
    )
    return "\n".join(sorted({line for line in text.split("\n") if line.strip()})) + "\n"


def line_safe(nquads: str) -> str:
    """N-Quads or N-Triples with every line-breaking character but LF written as an escape, for the
    files and documents people read line by line (pyld reads them raw, and does not decode UCHARs)."""
    return nquads.translate(_ESCAPE_LINE_BREAKING)


def graph_to_jsonld(graph: Graph, ctx: dict[str, Any], first: str | None = None) -> str:
    """One graph (such as a resource's description) as compacted JSON-LD, deterministic."""
    return dumps(compact(sorted_nquads(graph), ctx, first))
