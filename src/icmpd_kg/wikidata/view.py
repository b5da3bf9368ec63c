"""Our facts in Wikidata's own shape: the Wikibase RDF format of the Wikidata dumps and Query Service.

Every statement has its truthy form (``wdt:``), a statement node (``p:``/``ps:``, qualifiers
``pq:``, ``wikibase:rank``), value nodes for dates (``psv:``/``pqv:``, with precision, time zone and
calendar model) and quantities, and a reference (``prov:wasDerivedFrom``) with a reference URL
(``pr:P854``), the Turkish words that state it (``pr:P1683``) and their language (``pr:P407``).
Every property used is described as Wikibase describes its properties (``wikibase:Property``, its
type and the predicates of each of its forms), so ``?p wikibase:directClaim wdt:P463`` answers here
as on WDQS. Resources with a curated Wikidata link appear under their ``wd:`` IRI, the others
under ours.

What the view states, and what it deliberately does not:

- only what the words say: "200'ün üzerinde çalışanı vardır" (more than 200 staff) is not stated
  (P1128): a Wikibase quantity has both bounds or none, so "more than 200" has no honest form;
- counts the source gives for "bugün" (its undated today) carry a point in time (P585) of unknown
  value and the earliest date (P1319) the source's date can be, as the editors bound it
  (``graph:derived-source-date``: not before July 2019, a lower bound);
- names are labels, not official names (no P1448): the source spells ICMPD's name its own way, and
  "Türkçe adıyla" gives a Turkish name, not an official one;
- a short name (P1813) only where the editors confirmed the acronym as its bearer's own
  (``graph:derived-acronyms``): never a funder's name as a project's;
- an operating area (P2541) only where our region is the same as Wikidata's item (``skos:exactMatch``).

Every identifier comes from ``data/mappings/wikidata-ids.tsv`` (each with the public evidence that
confirmed it) or from the curated SSSOM links; using one that is not listed is an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from rdflib import OWL, RDF, RDFS, SDO, SKOS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from icmpd_kg.core.namespaces import ID, IKG, ORG, WDQS_PREFIXES
from icmpd_kg.kg.graph import union as merged
from icmpd_kg.kg.mappings import wikidata_ids
from icmpd_kg.kg.provenance import fact_quotes
from icmpd_kg.kg.quads import Quads

WD = Namespace(WDQS_PREFIXES["wd"])
WDT = Namespace(WDQS_PREFIXES["wdt"])
P = Namespace(WDQS_PREFIXES["p"])
PS = Namespace(WDQS_PREFIXES["ps"])
PSV = Namespace(WDQS_PREFIXES["psv"])
PQ = Namespace(WDQS_PREFIXES["pq"])
PQV = Namespace(WDQS_PREFIXES["pqv"])
PR = Namespace(WDQS_PREFIXES["pr"])
PRV = Namespace(WDQS_PREFIXES["prv"])
WDNO = Namespace(WDQS_PREFIXES["wdno"])
WIKIBASE = Namespace(WDQS_PREFIXES["wikibase"])
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
TIME = Namespace("http://www.w3.org/2006/time#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")

ACRONYMS_GRAPH = ID["graph/derived-acronyms"]
SOURCE = ID["source/icmpd-tr"]
SOURCE_DATE = ID["source/icmpd-tr-date"]
GENID = Namespace(
    str(ID) + ".well-known/genid/"
)  # skolem IRIs of unknown values ("somevalue"), as WDQS skolemises them
PREFIXES = {k: WDQS_PREFIXES[k] for k in ("wd", "wdt", "p", "ps", "psv", "pq", "pqv", "pr", "prv", "wdno")}
PREFIXES["wikibase"] = WDQS_PREFIXES["wikibase"]
PRECISION = {XSD.gYear: 9, XSD.gYearMonth: 10, XSD.date: 11}
PROPERTY_TYPE = {  # Wikibase datatype -> wikibase:propertyType (Wikibase's RdfVocabulary::getDataTypeURI)
    "wikibase-item": "WikibaseItem",
    "time": "Time",
    "quantity": "Quantity",
    "string": "String",
    "monolingualtext": "Monolingualtext",
    "url": "Url",
}
REFERENCE_PROPERTIES = ("P854", "P1683", "P407")


def wd(qid: str) -> URIRef:
    """The item ``qid``, which must be one of the verified identifiers."""
    entry = wikidata_ids().get(qid)
    if entry is None or entry.kind != "item":
        raise KeyError(f"{qid} is not a verified item of data/mappings/wikidata-ids.tsv")
    return WD[qid]


def pid(prop: str, role: str | None = None) -> str:
    """``prop``, checked against the verified properties (and their role, when given)."""
    entry = wikidata_ids().get(prop)
    if entry is None or entry.kind != "property" or (role is not None and entry.role != role):
        raise KeyError(f"{prop} is not a verified {role or ''} property of data/mappings/wikidata-ids.tsv")
    return prop


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

    @property
    def wikibase_json(self) -> str:
        """The time as Wikibase stores it (and QuickStatements reads it): unknown parts as 00."""
        parts = str(self.literal).split("-") + ["00", "00"]
        return f"+{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z"


@dataclass(frozen=True)
class Quantity:
    """An exact count (unit 1): Wikibase's quantity without bounds."""

    amount: int

    @property
    def literal(self) -> Literal:
        # Wikibase writes amounts with their sign ("+19"): kept as written, not normalised to "19".
        return Literal(f"+{self.amount}", datatype=XSD.decimal, normalize=False)


@dataclass(frozen=True)
class SomeValue:
    """Wikibase's "unknown value" (somevalue): there is a value, and it is not known."""

    key: str  # makes the skolem IRI of this unknown value


Value = Node | Time | Quantity | SomeValue


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


def earliest_source_date(union: Graph) -> Time | None:
    """The earliest date the source's "today" can be, as ``graph:derived-source-date`` bounds it."""
    for instant in union.objects(SOURCE_DATE, TIME.after):
        for prop in (TIME.inXSDgYearMonth, TIME.inXSDDate, TIME.inXSDgYear):
            value = union.value(instant, prop)
            if isinstance(value, Literal) and value.datatype in PRECISION:
                return Time(value)
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
            checked = [(pid(q, "qualifier"), v) for q, v in qualifiers or []]
            out.append(Statement(subject, pid(prop, "statement"), value, fact, checked))

    union = merged(data)
    # instance of: our classes with a curated Wikidata match
    for cls, item in union.subject_objects(SKOS.exactMatch):
        if str(cls).startswith(str(IKG._NS)) and str(item).startswith(str(WD)):
            for subject in union.subjects(RDF.type, cls):
                add(subject, "P31", item, (subject, RDF.type, cls))
    for org, year in union.subject_objects(IKG.foundingYear):
        add(org, "P571", Time(cast(Literal, year)), (org, IKG.foundingYear, year))
    # short names: only the acronyms the editors confirmed as their bearers' own
    # (tagged English: each is the acronym of its bearer's English name, not a Turkish word)
    for subject, acronym in data.graph(ACRONYMS_GRAPH).subject_objects(SDO.alternateName):
        if (subject, IKG.acronym, acronym) in union:  # the source's acronym, confirmed as its own
            add(subject, "P1813", Literal(str(acronym), lang="en"), (subject, IKG.acronym, acronym))
    for org, page in union.subject_objects(FOAF_HOMEPAGE):
        add(org, "P856", page, (org, FOAF_HOMEPAGE, page))
    earliest = earliest_source_date(union)
    for org, count in union.subject_objects(IKG.memberStateCount):
        as_of: list[tuple[str, Value]] = []
        if (count, IKG.asOf, SOURCE_DATE) in union:  # "bugün": as of the source's unknown date
            as_of.append(("P585", SomeValue(f"{count}#asOf")))
            if earliest is not None:
                as_of.append(("P1319", earliest))
        for value in union.objects(count, IKG.exactValue):
            add(org, "P2124", Quantity(int(cast(Literal, value))), (count, IKG.exactValue, value), as_of)
    for org, other in union.subject_objects(IKG.hasObserverStatusAt):
        add(org, "P10624", other, (org, IKG.hasObserverStatusAt, other))
    # only the regions that are Wikidata's items (a close match, such as Avrasya, is not handed over)
    linked = links(union)
    for org, region in union.subject_objects(IKG.operatesIn):
        if region in linked:
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
        return str(value.amount)
    if isinstance(value, SomeValue):
        return "somevalue " + value.key
    return value.n3()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def links(union: Graph) -> dict[Node, Node]:
    """Our resources and concepts that are the same as a Wikidata item (``owl:sameAs``,
    ``skos:exactMatch``; not vocabulary terms, which are classes, nor close matches)."""
    return {
        s: o
        for p in (OWL.sameAs, SKOS.exactMatch)
        for s, o in sorted(union.subject_objects(p))
        if str(o).startswith(str(WD)) and str(s).startswith(str(ID))
    }


def property_entities(props: Iterable[str]) -> Graph:
    """Each property as the Wikidata dumps describe it: its type, label and the predicates of its forms."""
    g = Graph()
    namespaces = {
        "directClaim": WDT,
        "claim": P,
        "statementProperty": PS,
        "statementValue": PSV,
        "qualifier": PQ,
        "qualifierValue": PQV,
        "reference": PR,
        "referenceValue": PRV,
        "novalue": WDNO,
    }
    for prop in sorted(set(props), key=lambda p: int(p[1:])):
        entry = wikidata_ids()[pid(prop)]
        entity = WD[prop]
        g.add((entity, RDF.type, WIKIBASE.Property))
        g.add((entity, WIKIBASE.propertyType, WIKIBASE[PROPERTY_TYPE[entry.datatype]]))
        g.add((entity, RDFS.label, Literal(entry.label, lang="en")))
        for name, namespace in namespaces.items():
            g.add((entity, WIKIBASE[name], namespace[prop]))
    return g


def view(data: Dataset, reference_url: str | None = None) -> Graph:
    """The Wikibase-shaped view of ``data`` as one graph (deterministic node IRIs). Every reference
    gives ``reference_url`` as its P854 (the published release or the source), else the source's IRI."""
    everything = merged(data)
    linked = links(everything)
    quotes = fact_quotes(Quads.from_dataset(data))
    reference_target = URIRef(reference_url) if reference_url else SOURCE
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)

    def entity(node: Node) -> Node:
        return linked.get(node, node) if isinstance(node, URIRef) else node

    def simple(value: Value) -> Node:
        if isinstance(value, Time):
            return value.timestamp
        if isinstance(value, Quantity):
            return value.literal
        if isinstance(value, SomeValue):
            return GENID[_hash("somevalue", value.key)]
        return entity(value)

    def write(owner: URIRef, direct: Namespace, value_ns: Namespace, prop: str, value: Value) -> None:
        g.add((owner, direct[prop], simple(value)))
        if isinstance(value, Time):
            node = ID[f"wikidata/value/{_hash('time', value.literal.n3())}"]
            g.add((owner, value_ns[prop], node))
            g.add((node, RDF.type, WIKIBASE.TimeValue))
            g.add((node, WIKIBASE.timeValue, value.timestamp))
            g.add((node, WIKIBASE.timePrecision, Literal(value.precision)))
            g.add((node, WIKIBASE.timeTimezone, Literal(0)))
            g.add((node, WIKIBASE.timeCalendarModel, wd("Q1985727")))
        elif isinstance(value, Quantity):
            node = ID[f"wikidata/value/{_hash('quantity', str(value.amount))}"]
            g.add((owner, value_ns[prop], node))
            g.add((node, RDF.type, WIKIBASE.QuantityValue))
            g.add((node, WIKIBASE.quantityAmount, value.literal))
            g.add((node, WIKIBASE.quantityUnit, wd("Q199")))

    found = statements(data)
    used: set[str] = set(REFERENCE_PROPERTIES)
    for s in found:
        subject = cast(URIRef, entity(s.subject))
        slug = (
            str(s.subject)[len(str(ID)) :].replace("/", "-")
            if str(s.subject).startswith(str(ID))
            else _hash(s.subject)
        )
        node = ID[f"wikidata/statement/{slug}-{s.prop}-{_hash(_key(s.value))}"]
        g.add((subject, WDT[s.prop], simple(s.value)))
        g.add((subject, P[s.prop], node))
        g.add((node, RDF.type, WIKIBASE.Statement))
        g.add((node, RDF.type, WIKIBASE.BestRank))
        g.add((node, WIKIBASE.rank, WIKIBASE.NormalRank))
        write(node, PS, PSV, s.prop, s.value)
        used.add(s.prop)
        for qualifier, value in s.qualifiers:
            write(node, PQ, PQV, qualifier, value)
            used.add(qualifier)
        reference = ID[f"wikidata/reference/{str(s.fact)[len(str(ID['fact/'])) :]}"]
        g.add((node, PROV_DERIVED, reference))
        g.add((reference, RDF.type, WIKIBASE.Reference))
        g.add((reference, PR[pid("P854", "reference")], reference_target))
        g.add((reference, PR[pid("P1683", "reference")], Literal(quotes.get(s.fact, ""), lang="tr")))
        g.add((reference, PR[pid("P407", "reference")], wd("Q256")))
    # Labels and aliases, so that the label service and readers find names for every entity, and for
    # every item our resources are linked to (Q39, Q40, Q3640 among them).
    named = {s.subject for s in found} | {s.value for s in found if isinstance(s.value, URIRef)} | set(linked)
    for ours in sorted(named):
        for name in (RDFS.label, SKOS.altLabel):
            for label in everything.objects(ours, name):
                g.add((entity(ours), name, label))
    for triple in property_entities(used):
        g.add(triple)
    return g
