"""Namespaces, defined once; our own vocabulary as a closed namespace.

``IKG.Projekt`` (a misspelt term) raises ``AttributeError`` at import of the calling module, and a
test checks that the terms listed here are exactly those that ``ontology/icmpd-kg.ttl`` declares.
"""

from __future__ import annotations

from typing import TypeVar

from rdflib import (
    DCAT,
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    TIME,
    VOID,
    XSD,
    Graph,
    Namespace,
    URIRef,
)
from rdflib.namespace import ORG, SH, VANN, DefinedNamespace  # closed: a misspelt term is an error

BASE = "https://w3id.org/icmpd-kg/"
ONTOLOGY_IRI = URIRef(BASE + "ontology")
ID = Namespace(BASE + "id/")
VIEW_GRAPH = ID["graph/wikidata-view"]  # the named graph of the Wikidata-shaped view (wikidata.view)
SHAPES = Namespace(BASE + "shapes#")  # the names of our shapes and rules
DATASET = ID["dataset/icmpd-kg"]  # the dataset, as VoID and DCAT describe it
# DCAT 3's dcat:version (rdflib's closed DCAT namespace is DCAT 2's, which lacks it)
DCAT_VERSION = URIRef(str(DCAT) + "version")


class IKG(DefinedNamespace):
    """The icmpd-kg migration-governance ontology."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    IntergovernmentalOrganisation: URIRef
    State: URIRef
    Membership: URIRef
    Anniversary: URIRef
    LegalInstrument: URIRef
    Law: URIRef
    InternationalAgreement: URIRef
    Accession: URIRef
    OfficialGazette: URIRef
    GazetteIssue: URIRef
    Office: URIRef
    RegionalCoordination: URIRef
    Project: URIRef
    PublicInstitution: URIRef
    MandateStatement: URIRef
    QuantityObservation: URIRef
    SourceDocument: URIRef
    EditorialGraph: URIRef
    # object properties
    foundedOnInitiativeOf: URIRef
    hasMemberState: URIRef
    operatesIn: URIRef
    principle: URIRef
    hasMandateStatement: URIRef
    hasObserverStatusAt: URIRef
    anniversaryOf: URIRef
    basedOnAccession: URIRef
    accedingParty: URIRef
    agreement: URIRef
    legalInstrument: URIRef
    foundingAgreementOf: URIRef
    publishedIn: URIRef
    issueOf: URIRef
    locatedIn: URIRef
    coversArea: URIRef
    implementedBy: URIRef
    implementingUnit: URIRef
    implementsProjectsIn: URIRef
    projectCountry: URIRef
    beneficiary: URIRef
    thematicArea: URIRef
    targetGroup: URIRef
    status: URIRef
    hasQuantity: URIRef
    staffCount: URIRef
    memberStateCount: URIRef
    quantityKind: URIRef
    asOf: URIRef
    dateOf: URIRef
    # datatype properties
    acronym: URIRef
    foundingYear: URIRef
    anniversaryNumber: URIRef
    year: URIRef
    statementText: URIRef
    listPosition: URIRef
    memberOrdinal: URIRef
    endDate: URIRef
    issueNumber: URIRef
    publicationDate: URIRef
    exactValue: URIRef
    exclusiveLowerBound: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
WD = Namespace("http://www.wikidata.org/entity/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
IKGFN = Namespace(BASE + "functions#")  # the project's SPARQL extension functions
# WDQS's own extension function that the engines also answer (icmpd_kg.sparql.functions.is_some_value)
IS_SOME_VALUE = URIRef("http://wikiba.se/ontology#isSomeValue")

# The prefixes the Wikidata Query Service predeclares, so that a query copied from it runs here
# unchanged. Read from its source (wikimedia/wikidata-query-rdf: WikibaseContextListener.addPrefixes,
# PropertyType, dist/src/script/prefixes.conf; Blazegraph's PrefixDeclProcessor.defaultDecls for
# rdf, rdfs, owl, xsd, hint, bd, bds, fn, foaf, dc, sesame). ``schema:`` is the one prefix that
# means something else here: WDQS has http://schema.org/, our data (like schema.org today) uses
# https://schema.org/, and the project's meaning stands (QUERY_PREFIXES). See the README.
WIKIDATA = "http://www.wikidata.org/"
WDQS_PREFIXES: dict[str, str] = {
    "wd": WIKIDATA + "entity/",
    "wdata": WIKIDATA + "wiki/Special:EntityData/",
    "wds": WIKIDATA + "entity/statement/",
    "wdv": WIKIDATA + "value/",
    "wdref": WIKIDATA + "reference/",
    "wdt": WIKIDATA + "prop/direct/",
    "wdtn": WIKIDATA + "prop/direct-normalized/",
    "p": WIKIDATA + "prop/",
    "ps": WIKIDATA + "prop/statement/",
    "psv": WIKIDATA + "prop/statement/value/",
    "psn": WIKIDATA + "prop/statement/value-normalized/",
    "pq": WIKIDATA + "prop/qualifier/",
    "pqv": WIKIDATA + "prop/qualifier/value/",
    "pqn": WIKIDATA + "prop/qualifier/value-normalized/",
    "pr": WIKIDATA + "prop/reference/",
    "prv": WIKIDATA + "prop/reference/value/",
    "prn": WIKIDATA + "prop/reference/value-normalized/",
    "wdno": WIKIDATA + "prop/novalue/",
    "wikibase": "http://wikiba.se/ontology#",
    "wikibaseqs": "http://wikiba.se/queryService#",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "geof": "http://www.opengis.net/def/geosparql/function/",
    "mediawiki": "https://www.mediawiki.org/ontology#",
    "mwapi": "https://www.mediawiki.org/ontology#API/",
    "gas": "http://www.bigdata.com/rdf/gas#",
    "ontolex": "http://www.w3.org/ns/lemon/ontolex#",
    "dct": "http://purl.org/dc/terms/",
    "wdsubgraph": "https://query.wikidata.org/subgraph/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "hint": "http://www.bigdata.com/queryHints#",
    "bd": "http://www.bigdata.com/rdf#",
    "bds": "http://www.bigdata.com/rdf/search#",
    "fn": "http://www.w3.org/2005/xpath-functions#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "sesame": "http://www.openrdf.org/schema/sesame#",
}

# Record namespaces: one path segment per kind of thing.
RECORD_PATHS = (
    "agent",
    "agreement",
    "annotation",
    "concept/principle",
    "concept/project-status",
    "concept/quantity-kind",
    "concept/region",
    "concept/target-group",
    "concept/theme",
    "dataset",
    "event",
    "fact",
    "gazette",
    "gazette-issue",
    "graph",
    "law",
    "mandate",
    "membership",
    "organisation",
    "place",
    "project",
    "quantity",
    "scheme",
    "source",
    "state",
    "unit",
)

G = TypeVar("G", bound=Graph)  # a Graph, a Dataset: bind_prefixes returns what it is given

PREFIXES: dict[str, str] = {
    "ikg": str(IKG._NS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "time": str(TIME),
    "schema": str(SDO),
    "org": str(ORG),
    "oa": str(OA),
    "spdx": str(SPDX),
    "vann": str(VANN),
    "sd": str(SD),
    "sh": str(SH),
    "wd": str(WD),
    "eli": str(ELI),
    "ikgsh": str(SHAPES),
    **{
        path.replace("concept/", "").replace("-", "")
        if path.startswith("concept/")
        else path.replace("-", ""): f"{BASE}id/{path}/"
        for path in RECORD_PATHS
    },
}


# Predeclared in every query (the endpoint, ``icmpd-kg query``, the pages, the query UI's
# autocompletion): WDQS's, then the project's own (which win where both name a prefix: schema:).
QUERY_PREFIXES: dict[str, str] = {**WDQS_PREFIXES, **PREFIXES, "ikgfn": str(IKGFN)}


def bind_prefixes(graph: G) -> G:
    """Bind every project prefix on ``graph`` (and nothing else), replacing rdflib's defaults."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
