"""Our facts in Wikidata's own shape: the Wikibase RDF format of the Wikidata dumps and Query Service.

Every statement has its truthy form (``wdt:``), a statement node (``p:``/``ps:``, qualifiers
``pq:``, ``wikibase:rank``), value nodes for dates (``psv:``/``pqv:``, with precision, time zone and
calendar model) and quantities, and a reference (``prov:wasDerivedFrom``) with the source's IRI
(``pr:P854``), the Turkish words that state it (``pr:P1683``) and its language (``pr:P407``).
Resources with a curated Wikidata link appear under their ``wd:`` IRI, the others under ours.

Identifiers used here and where they were checked: the properties are those the project's issue
lists as checked against Wikidata, plus P577 (publication date) and P1433 (published in), both
seen in public Wikidata code; Q1985727 (proleptic Gregorian calendar, the calendar model of
Wikibase dates) in the Wikibase data-model libraries' documentation (docs.rs ``wikibase``,
pywikibot, CPAN ``Wikibase::Datatype``); Q199 (the unit "1" of counts) in public WDQS queries;
Q256 (Turkish) in public language tables and queries. No identifier is written from memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import cast

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from icmpd_kg.graph import union as merged
from icmpd_kg.namespaces import ID, IKG, ORG
from icmpd_kg.provenance import fact_quotes

WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PSV = Namespace("http://www.wikidata.org/prop/statement/value/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PQV = Namespace("http://www.wikidata.org/prop/qualifier/value/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
TIME = Namespace("http://www.w3.org/2006/time#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")

VIEW_GRAPH = ID["graph/wikidata-view"]
SOURCE = ID["source/icmpd-tr"]
GREGORIAN = WD.Q1985727
UNIT_ONE = WD.Q199
TURKISH = WD.Q256
PREFIXES = {
    "wd": str(WD),
    "wdt": str(WDT),
    "p": str(P),
    "ps": str(PS),
    "psv": str(PSV),
    "pq": str(PQ),
    "pqv": str(PQV),
    "pr": str(PR),
    "wikibase": str(WIKIBASE),
}
PRECISION = {XSD.gYear: 9, XSD.gYearMonth: 10, XSD.date: 11}


@dataclass(frozen=True)
class Time:
    """A Wikibase time value from an XSD date of year, month or day precision."""

    literal: Literal

    @property
    def precision(self) -> int:
        return PRECISION[cast(URIRef, self.literal.datatype)]

    @property
    def timestamp(self) -> Literal:
        parts = (str(self.literal).split("-") + ["01", "01"])[:3]
        # As the Wikidata dumps write it ("Z", not "+00:00"): no normalisation of the lexical form.
        return Literal(f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z", datatype=XSD.dateTime, normalize=False)


@dataclass(frozen=True)
class Quantity:
    amount: int
    lower: int | None = None


Value = Node | Time | Quantity


@dataclass
class Statement:
    subject: URIRef
    prop: str
    value: Value
    fact: URIRef
    qualifiers: list[tuple[str, Value]] = field(default_factory=list)


def _fact_of(data: Dataset, triple: tuple[Node, Node, Node]) -> URIRef | None:
    for _, _, _, graph in data.quads((*triple, None)):
        name = graph.identifier if isinstance(graph, Graph) else graph
        if str(name).startswith(str(ID["fact/"])):
            return URIRef(str(name))
    return None


def statements(data: Dataset) -> list[Statement]:
    """The facts the view states, each with the fact graph that states it."""
    out: list[Statement] = []

    def add(
        subject: Node,
        prop: str,
        value: Value,
        triple: tuple[Node, Node, Node],
        qualifiers: list[tuple[str, Value]] | None = None,
    ) -> None:
        fact = _fact_of(data, triple)
        if fact is not None and isinstance(subject, URIRef):
            out.append(Statement(subject, prop, value, fact, qualifiers or []))

    union = merged(data)
    # instance of: our classes with a curated Wikidata match
    for cls, item in union.subject_objects(SKOS.exactMatch):
        if str(cls).startswith(str(IKG._NS)) and str(item).startswith(str(WD)):
            for subject in union.subjects(RDF.type, cls):
                add(subject, "P31", item, (subject, RDF.type, cls))
    for org, year in union.subject_objects(IKG.foundingYear):
        add(org, "P571", Time(cast(Literal, year)), (org, IKG.foundingYear, year))
    for subject, acronym in union.subject_objects(IKG.acronym):
        add(subject, "P1813", Literal(str(acronym), lang="tr"), (subject, IKG.acronym, acronym))
    for org in union.subjects(RDF.type, IKG.IntergovernmentalOrganisation):
        for name in union.objects(org, RDFS.label):
            if isinstance(name, Literal) and name.language in ("tr", "en"):
                add(org, "P1448", name, (org, RDFS.label, name))
    for org, page in union.subject_objects(FOAF_HOMEPAGE):
        add(org, "P856", page, (org, FOAF_HOMEPAGE, page))
    for org, count in union.subject_objects(IKG.memberStateCount):
        for value in union.objects(count, IKG.exactValue):
            add(org, "P2124", Quantity(int(cast(Literal, value))), (count, IKG.exactValue, value))
    for org, count in union.subject_objects(IKG.staffCount):
        for bound in union.objects(count, IKG.exclusiveLowerBound):
            least = int(cast(Literal, bound)) + 1
            add(org, "P1128", Quantity(least, lower=least), (count, IKG.exclusiveLowerBound, bound))
    for org, other in union.subject_objects(IKG.hasObserverStatusAt):
        add(org, "P10624", other, (org, IKG.hasObserverStatusAt, other))
    for org, region in union.subject_objects(IKG.operatesIn):
        add(org, "P2541", region, (org, IKG.operatesIn, region))
    for membership in union.subjects(RDF.type, IKG.Membership):
        member, organisation = union.value(membership, ORG.member), union.value(membership, ORG.organization)
        qualifiers: list[tuple[str, Value]] = []
        for start in union.objects(membership, ORG.memberDuring / TIME.hasBeginning / TIME.inXSDDate):
            qualifiers.append(("P580", Time(cast(Literal, start))))
        for ordinal in union.objects(membership, IKG.memberOrdinal):
            qualifiers.append(("P1545", Literal(str(ordinal))))
        if member is not None and organisation is not None:
            add(member, "P463", organisation, (membership, ORG.member, member), qualifiers)
    for project in union.subjects(RDF.type, IKG.Project):
        for title in union.objects(project, RDFS.label):
            if isinstance(title, Literal) and title.language == "tr":
                add(project, "P1476", title, (project, RDFS.label, title))
        for end in union.objects(project, IKG.endDate):
            add(project, "P582", Time(cast(Literal, end)), (project, IKG.endDate, end))
    for law, published in union.subject_objects(ELI.date_publication):
        add(law, "P577", Time(cast(Literal, published)), (law, ELI.date_publication, published))
    for law, issue in union.subject_objects(IKG.publishedIn):
        for gazette in union.objects(issue, IKG.issueOf):
            add(law, "P1433", gazette, (law, IKG.publishedIn, issue))
    return sorted(out, key=lambda s: (str(s.subject), s.prop, _key(s.value)))


def _key(value: Value) -> str:
    if isinstance(value, Time):
        return value.literal.n3()
    if isinstance(value, Quantity):
        return f"{value.amount}/{value.lower}"
    return value.n3()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def view(data: Dataset) -> Graph:
    """The Wikibase-shaped view of ``data`` as one graph (deterministic node IRIs)."""
    everything = merged(data)
    links = {s: o for s, o in _links(everything)}
    quotes = fact_quotes(data)
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)

    def entity(node: Node) -> Node:
        return links.get(node, node) if isinstance(node, URIRef) else node

    def value_nodes(value: Value, direct: Namespace, value_ns: Namespace, prop: str, owner: URIRef) -> None:
        if isinstance(value, Time):
            node = ID[f"wikidata/value/{_hash('time', value.literal.n3())}"]
            g.add((owner, direct[prop], value.timestamp))
            g.add((owner, value_ns[prop], node))
            g.add((node, RDF.type, WIKIBASE.TimeValue))
            g.add((node, WIKIBASE.timeValue, value.timestamp))
            g.add((node, WIKIBASE.timePrecision, Literal(value.precision)))
            g.add((node, WIKIBASE.timeTimezone, Literal(0)))
            g.add((node, WIKIBASE.timeCalendarModel, GREGORIAN))
        elif isinstance(value, Quantity):
            node = ID[f"wikidata/value/{_hash('quantity', str(value.amount), str(value.lower))}"]
            amount = Literal(f"+{value.amount}", datatype=XSD.decimal)
            g.add((owner, direct[prop], amount))
            g.add((owner, value_ns[prop], node))
            g.add((node, RDF.type, WIKIBASE.QuantityValue))
            g.add((node, WIKIBASE.quantityAmount, amount))
            g.add((node, WIKIBASE.quantityUnit, UNIT_ONE))
            if value.lower is not None:
                g.add((node, WIKIBASE.quantityLowerBound, Literal(f"+{value.lower}", datatype=XSD.decimal)))
        else:
            g.add((owner, direct[prop], entity(value)))

    found = statements(data)
    for s in found:
        subject = entity(s.subject)
        slug = (
            str(s.subject)[len(str(ID)) :].replace("/", "-")
            if str(s.subject).startswith(str(ID))
            else _hash(s.subject)
        )
        node = ID[f"wikidata/statement/{slug}-{s.prop}-{_hash(_key(s.value))}"]
        truthy = (
            s.value.timestamp
            if isinstance(s.value, Time)
            else (
                Literal(f"+{s.value.amount}", datatype=XSD.decimal)
                if isinstance(s.value, Quantity)
                else entity(s.value)
            )
        )
        g.add((subject, WDT[s.prop], truthy))
        g.add((subject, P[s.prop], node))
        g.add((node, RDF.type, WIKIBASE.Statement))
        g.add((node, RDF.type, WIKIBASE.BestRank))
        g.add((node, WIKIBASE.rank, WIKIBASE.NormalRank))
        value_nodes(s.value, PS, PSV, s.prop, node)
        for qualifier, value in s.qualifiers:
            value_nodes(value, PQ, PQV, qualifier, node)
        reference = ID[f"wikidata/reference/{str(s.fact)[len(str(ID['fact/'])) :]}"]
        g.add((node, PROV_DERIVED, reference))
        g.add((reference, RDF.type, WIKIBASE.Reference))
        g.add((reference, PR.P854, SOURCE))
        g.add((reference, PR.P1683, Literal(quotes.get(s.fact, ""), lang="tr")))
        g.add((reference, PR.P407, TURKISH))
    # Labels, so that the label service and readers find names for every entity of the view.
    for ours in sorted({s.subject for s in found} | {s.value for s in found if isinstance(s.value, URIRef)}):
        for label in everything.objects(ours, RDFS.label):
            g.add((entity(ours), RDFS.label, label))
    return g


def _links(union: Graph) -> list[tuple[Node, Node]]:
    """Our resources and concepts with a curated item (not vocabulary terms: they are classes)."""
    return sorted(
        (s, o)
        for p in (OWL.sameAs, SKOS.exactMatch)
        for s, o in union.subject_objects(p)
        if str(o).startswith(str(WD)) and str(s).startswith(str(ID))
    )


def view_dataset(data: Dataset) -> Dataset:
    """The view as the named graph ``graph:wikidata-view``."""
    ds = Dataset()
    target = ds.graph(VIEW_GRAPH)
    for triple in view(data):
        target.add(triple)
    ds.graph(DATASET_DEFAULT_GRAPH_ID)
    return ds
