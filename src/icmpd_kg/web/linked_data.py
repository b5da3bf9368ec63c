"""Linked Data: describe one resource of the graph as RDF and as an HTML page.

A resource's description is its own statements (and those of its fragment IRIs, such as an
annotation's ``#target``), the statements that point at it, and the labels of everything they
mention. The HTML page also shows, for each fact, the source sentence it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from rdflib import OWL, RDF, RDFS, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from icmpd_kg.core.namespaces import BASE, OA, VIEW_GRAPH, bind_prefixes
from icmpd_kg.core.paths import SOURCE_FILE
from icmpd_kg.publishing.jsonld import context as jsonld_context
from icmpd_kg.publishing.jsonld import graph_to_jsonld

WIKIDATA = "http://www.wikidata.org/entity/"
SENTENCE_END = re.compile(r"\n|(?<!\d)\.(?=\s|$)")


def choose_language(accept_language: str | None, lang_param: str | None) -> str:
    """``tr`` or ``en``: the ``lang`` parameter first, then Accept-Language by q-value (read by the
    one parser of such headers, ``negotiation.parse_accept``), else Turkish."""
    from icmpd_kg.sparql.negotiation import parse_accept

    if lang_param in ("tr", "en"):
        return lang_param
    best, best_q = "tr", 0.0
    for tag, q in parse_accept(accept_language):
        primary = tag.split("-")[0]
        if primary in ("tr", "en") and q > best_q:
            best, best_q = primary, q
    return best


def pick_label(graphs: Iterable[Graph], node, lang: str) -> str:
    """``node``'s label in ``graphs``: in ``lang`` ("en" also finds "en-t-tr", English translated
    from Turkish), else in the other language, else any, else its CURIE (by the last graph's prefixes)."""
    labels: dict[str, str] = {}
    last = None
    for graph in graphs:
        last = graph
        for value in sorted(graph.objects(node, RDFS.label)):
            if isinstance(value, Literal):
                labels.setdefault((value.language or "").split("-")[0], str(value))
    return (
        labels.get(lang)
        or labels.get("en" if lang == "tr" else "tr")
        or next(iter(labels.values()), None)
        or (last.namespace_manager.normalizeUri(node) if last is not None else str(node))
    )


@dataclass
class Fact:
    graph: URIRef
    quote: str | None
    sentence: str | None
    start: int | None
    end: int | None


class LinkedData:
    def __init__(
        self,
        data: Dataset,
        ontology: Graph,
        source_text: str | None = None,
        context: dict[str, Any] | None = None,
    ):
        self.data = data
        self.union = bind_prefixes(Graph())
        for s, p, o, _ in data.quads((None, None, None, None)):
            self.union.add((s, p, o))
        self.ontology = ontology
        self.context = context if context is not None else jsonld_context(ontology)
        self.text = source_text if source_text is not None else SOURCE_FILE.read_text(encoding="utf-8")
        self.graph_of: dict[tuple, set[Any]] = {}
        for s, p, o, g in data.quads((None, None, None, None)):
            name = g.identifier if isinstance(g, Graph) else g
            if name != DATASET_DEFAULT_GRAPH_ID:
                self.graph_of.setdefault((s, p, o), set()).add(name)

    def only_in_view(self, triple: tuple) -> bool:
        """Whether the Wikidata-shaped view alone states ``triple`` (its statement nodes, wdt:, p:…):
        the pages show it apart, not among the resource's own statements."""
        return self.graph_of.get(triple) == {VIEW_GRAPH}

    def exists(self, iri: URIRef) -> bool:
        return (
            (iri, None, None) in self.union
            or (None, None, iri) in self.union
            or any(str(s).startswith(str(iri) + "#") for s in self.union.subjects())
        )

    def _subjects(self, iri: URIRef) -> list[URIRef]:
        prefix = str(iri) + "#"
        return [iri] + sorted(
            {s for s in self.union.subjects() if isinstance(s, URIRef) and str(s).startswith(prefix)}
        )

    def content(self, iri: URIRef) -> list[tuple]:
        """What the named graph ``iri`` states (a fact graph's triples), if it is one."""
        return sorted((s, p, o) for s, p, o, _ in self.data.quads((None, None, None, iri)))  # type: ignore[arg-type]

    def describe(self, iri: URIRef) -> Graph:
        """The resource's description: its statements and those pointing at it, the labels of what
        they mention, and, for a named graph such as a fact graph, the triples it states."""
        g = bind_prefixes(Graph())
        for triple in self.content(iri):
            g.add(triple)
        for subject in self._subjects(iri):
            for p, o in self.union.predicate_objects(subject):
                if not self.only_in_view((subject, p, o)):  # the Wikidata view: in its own graph
                    g.add((subject, p, o))
        for s, p in self.union.subject_predicates(iri):
            if not self.only_in_view((s, p, iri)):
                g.add((s, p, iri))
        mentioned = {t for triple in g for t in (triple[0], triple[2]) if isinstance(t, URIRef)}
        for node in mentioned:
            for label in self.union.objects(node, RDFS.label):
                g.add((node, RDFS.label, label))
        return g

    def label(self, node, lang: str) -> str:
        return pick_label((self.ontology, self.union), node, lang)

    def jsonld(self, iri: URIRef) -> str:
        """The resource's description as compacted JSON-LD, the resource first; same bytes every time."""
        return graph_to_jsonld(self.describe(iri), self.context, first=str(iri))

    def sentence_around(self, start: int, end: int) -> str:
        """The sentence (or list item) that holds the quote: bounded by line ends and by full stops
        followed by white space, a full stop after digits excepted (Turkish ordinals: "25.yılını",
        "17. Üyesi")."""
        ends = [m.end() for m in SENTENCE_END.finditer(self.text)]
        left = max([e for e in ends if e <= start], default=0)
        right = min([e for e in ends if e >= end], default=len(self.text))
        return self.text[left:right].strip()

    def facts_about(self, iri: URIRef) -> list[Fact]:
        graphs = {iri} if (None, OA.hasBody, iri) in self.union else set()
        for subject in self._subjects(iri):
            for p, o in self.union.predicate_objects(subject):
                graphs |= self.graph_of.get((subject, p, o), set())
        return [self._fact(g) for g in sorted(graphs)]

    def _fact(self, graph: URIRef) -> Fact:
        """The fact graph with the quote and offsets its annotation's selectors give."""
        u = self.union
        for annotation in sorted(u.subjects(OA.hasBody, graph)):
            for target in sorted(u.objects(annotation, OA.hasTarget)):
                selectors = sorted(u.objects(target, OA.hasSelector))
                exact = next((x for q in selectors for x in sorted(u.objects(q, OA.exact))), None)
                offsets = next(
                    (
                        (int(str(start)), int(str(end)))
                        for q in selectors
                        for start in sorted(u.objects(q, OA.start))
                        for end in sorted(u.objects(q, OA.end))
                    ),
                    None,
                )
                if exact is not None and offsets is not None:
                    start, end = offsets
                    return Fact(graph, str(exact), self.sentence_around(start, end), start, end)
        return Fact(graph, None, None, None, None)


def local_href(iri: str) -> str:
    """Links under the base go to this server; everything else stays as it is."""
    if iri.startswith(BASE):  # a term of the ontology: /ontology with its fragment, its definition's anchor
        return "/" + iri[len(BASE) :]
    return iri


def term(node, ld: LinkedData, lang: str) -> dict[str, Any]:
    """A term as the templates show it: a link with a label, or a literal with its tag or type."""
    if isinstance(node, URIRef):
        text = ld.label(node, lang)
        if text.startswith("<") and text.endswith(">"):  # no label and no prefix: the address itself
            text = str(node)
        return {"href": local_href(str(node)), "iri": str(node), "text": text}
    if isinstance(node, Literal):
        datatype = ld.union.namespace_manager.normalizeUri(node.datatype) if node.datatype else None
        link = str(node) if datatype == "xsd:anyURI" else None  # a web address written as a literal
        return {"text": str(node), "lang": node.language, "datatype": datatype, "href": link}
    return {"text": str(node)}


LABELS = {
    "en": {
        "types": "Types",
        "properties": "Statements",
        "incoming": "Linked from",
        "sources": "Source sentences",
        "content": "What this graph states",
        "neighbourhood": "Neighbourhood",
        "more": "and {n} more links",
        "wikidata": "Wikidata",
        "formats": "This description as",
        "translation": "editorial (not in the source)",
    },
    "tr": {
        "types": "Türler",
        "properties": "İfadeler",
        "incoming": "Bağlantı veren kaynaklar",
        "content": "Bu grafın ifadeleri",
        "neighbourhood": "Yakın çevresi",
        "more": "ve {n} bağlantı daha",
        "sources": "Kaynak cümleler",
        "wikidata": "Wikidata",
        "formats": "Bu açıklama şu biçimlerde",
        "translation": "editöryal (kaynakta yok)",
    },
}


def _neighbourhood(ld: LinkedData, iri: URIRef, lang: str) -> tuple[Any, int]:
    """The diagram of ``iri`` and the resources it links to and is linked from (one step)."""
    from icmpd_kg.web.diagrams import Node, neighbourhood

    links: list[tuple[str, str | None, Node, bool]] = []
    seen: set = set()
    out = sorted(
        (p, o)
        for p, o in ld.union.predicate_objects(iri)
        if isinstance(o, URIRef) and p != RDF.type and not ld.only_in_view((iri, p, o))
    )
    incoming = sorted(
        (s, p)
        for s, p in ld.union.subject_predicates(iri)
        if isinstance(s, URIRef) and not ld.only_in_view((s, p, iri))
    )
    for p, o in out:
        if (p, o) not in seen:
            seen.add((p, o))
            links.append(
                (
                    ld.label(p, lang),
                    local_href(str(p)),
                    Node(
                        term(o, ld, lang)["text"],
                        local_href(str(o)),
                        title=str(o),
                        kind="" if str(o).startswith(BASE) else "external",
                    ),
                    True,
                )
            )
    for s, p in incoming:
        links.append(
            (
                ld.label(p, lang),
                local_href(str(p)),
                Node(ld.label(s, lang), local_href(str(s)), title=str(s)),
                False,
            )
        )
    diagram = neighbourhood(Node(ld.label(iri, lang), None, title=str(iri)), links)
    return diagram, max(0, len(links) - len(diagram.nodes) + 1)


def entity_view(ld: LinkedData, iri: URIRef, lang: str, path: str) -> dict[str, Any]:
    """What ``templates/entity.html`` shows of ``iri`` in ``lang`` (the page adds its language switch)."""
    from icmpd_kg.core.formats import document_links

    nm = ld.union.namespace_manager
    rows = []
    in_view = 0  # statements of the Wikidata-shaped view, shown as one line with a link
    for subject in ld._subjects(iri):
        for p, o in sorted(ld.union.predicate_objects(subject)):
            if p == RDF.type and subject == iri:
                continue
            if ld.only_in_view((subject, p, o)):
                in_view += 1
                continue
            graphs = sorted(ld.graph_of.get((subject, p, o), set()))
            rows.append(
                {
                    "fragment": None if subject == iri else str(subject).split("#", 1)[1],
                    "property": term(p, ld, lang),
                    "value": term(o, ld, lang),
                    "facts": [{"href": local_href(str(g)), "text": nm.normalizeUri(g)} for g in graphs],
                }
            )
    sources = []
    for f in ld.facts_about(iri):
        entry: dict[str, Any] = {"href": local_href(str(f.graph)), "text": nm.normalizeUri(f.graph)}
        if f.quote:
            sentence = f.sentence or ""
            at = sentence.find(f.quote)
            before, quote, after = (
                (sentence[:at], f.quote, sentence[at + len(f.quote) :]) if at >= 0 else (sentence, "", "")
            )
            entry.update(before=before, quote=quote, after=after, start=f.start, end=f.end)
        sources.append(entry)
    diagram, more = _neighbourhood(ld, iri, lang)
    return {
        "lang": lang,
        "t": LABELS[lang],
        "title": ld.label(iri, lang),
        "iri": str(iri),
        "types": [term(x, ld, lang) for x in sorted(set(ld.union.objects(iri, RDF.type)))],
        "rows": rows,
        "in_view": in_view,
        "view_query": "/sparql#query="
        + url_quote(f"SELECT ?p ?o WHERE {{ GRAPH <{VIEW_GRAPH}> {{ <{iri}> ?p ?o }} }}", safe=""),
        "content": [[term(x, ld, lang) for x in triple] for triple in ld.content(iri)],
        "incoming": [
            (term(s, ld, lang), term(p, ld, lang)) for s, p in sorted(ld.union.subject_predicates(iri))
        ],
        "sources": sources,
        "wikidata": sorted(
            str(o)
            for p in (OWL.sameAs, SKOS.exactMatch)
            for o in ld.union.objects(iri, p)
            if str(o).startswith(WIKIDATA)
        ),
        "formats": [(key, media, href) for key, media, href in document_links(path) if key != "html"],
        "jsonld": ld.jsonld(iri),
        "diagram": diagram,
        "more": more,
    }


NOT_A_PROPERTY = "<urn:icmpd-kg:no-such-property>"  # !<…> matches every predicate: any one step


def _neighbourhood_query(iri: URIRef) -> str:
    """The resource's statements, those of its fragment IRIs (one or two steps away, such as an
    annotation's #target and its selectors) and the statements that point at it, with their graphs."""
    i, step = iri.n3(), f"!{NOT_A_PROPERTY}"
    fragment = Literal(str(iri) + "#").n3()
    return f"""SELECT ?s ?p ?o ?g WHERE {{
  {{ BIND({i} AS ?s) ?s ?p ?o OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }}
  UNION {{ BIND({i} AS ?o) ?s ?p ?o OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }}
  UNION {{ {{ SELECT DISTINCT ?s WHERE {{ {{ {i} {step} ?s }} UNION {{ {i} {step}/{step} ?s }}
                                        FILTER(isIRI(?s) && STRSTARTS(STR(?s), {fragment})) }} }}
           ?s ?p ?o OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }}
}}"""


def fetch(
    select: Callable[[str], Any],
    iri: URIRef,
    ontology: Graph,
    text: str | None = None,
    context: dict[str, Any] | None = None,
) -> LinkedData | None:
    """``iri``'s description, read through ``select`` (a function that runs a SELECT on the one
    engine and returns its ``Answer``), or None when the graph does not mention it."""
    ds = Dataset(default_union=False)  # a plain Dataset: the page needs no SPARQL functions
    rows = select(_neighbourhood_query(iri)).rows
    content = [
        (s, p, o, iri)
        for s, p, o in select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri.n3()} {{ ?s ?p ?o }} }}").rows
    ]
    if not rows and not content:
        return None
    rows = rows + content

    def add(found) -> None:
        for s, p, o, g in found:
            ds.graph(g if g is not None else DATASET_DEFAULT_GRAPH_ID).add((s, p, o))

    add(rows)
    graphs = sorted({g for *_, g in rows if isinstance(g, URIRef)})
    if graphs:  # the annotations whose bodies are these graphs: their quotes and offsets
        values = " ".join(g.n3() for g in graphs)
        add(
            select(f"""SELECT ?s ?p ?o ?g WHERE {{ VALUES ?body {{ {values} }}
            ?a <{OA.hasBody}> ?body ; <{OA.hasTarget}> ?t . ?t <{OA.hasSelector}> ?sel .
            VALUES ?which {{ 1 2 3 }} BIND(IF(?which = 1, ?a, IF(?which = 2, ?t, ?sel)) AS ?s)
            ?s ?p ?o OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }}""").rows
        )
    mentioned = sorted({t for s, p, o, _ in rows for t in (s, p, o) if isinstance(t, URIRef)})
    if mentioned:  # labels of everything the description mentions
        values = " ".join(m.n3() for m in mentioned)
        add(
            select(f"""SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} BIND(<{RDFS.label}> AS ?p)
            ?s ?p ?o OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }} }}""").rows
        )
    return LinkedData(bind_prefixes(ds), ontology, text, context)


class Site:
    """Linked Data for any resource of a built graph, through the engine of its store."""

    def __init__(self, select: Callable[[str], Any], ontology: Graph, text: str | None = None):
        self.select, self.ontology, self.text = select, ontology, text
        self.context = jsonld_context(ontology)  # once, not per page

    def resource(self, iri: URIRef) -> LinkedData | None:
        return fetch(self.select, iri, self.ontology, self.text, self.context)

    def jsonld(self, iri: URIRef) -> str:
        found = self.resource(iri)
        if found is None:
            raise KeyError(iri)
        return found.jsonld(iri)


def load(dist: Path, ontology_file: Path) -> Site:
    """Linked Data of the build in ``dist``, read through the engine (for scripts and tests)."""
    from icmpd_kg.sparql.engine import Engine, default_store, open_backend

    engine = Engine(open_backend(default_store(dist), dist))
    return Site(engine.query, Graph().parse(ontology_file))
