"""The Wikidata-shaped view: Wikibase RDF with a reference on every statement, checked by its shapes."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import RDF, XSD, Graph, Literal, URIRef

from icmpd_kg.core import paths
from icmpd_kg.wikidata.view import PR, PROPERTY_TYPE, PS, WD, WDT, WIKIBASE, view

SOURCE_TEXT = paths.SOURCE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wikidata_view(kg) -> Graph:
    return view(kg.data)


def conforms(graph: Graph) -> bool:
    return bool(
        pyshacl.validate(graph, shacl_graph=str(paths.WIKIDATA_VIEW_SHAPES_FILE), inference="none")[0]
    )


def test_view_conforms_and_every_statement_quotes_the_source(wikidata_view):
    assert conforms(wikidata_view)
    statements = set(wikidata_view.subjects(RDF.type, WIKIBASE.Statement))
    assert len(statements) >= 35
    for statement in statements:
        [reference] = wikidata_view.objects(statement, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        quote = str(wikidata_view.value(reference, PR.P1683))
        assert quote and all(part in SOURCE_TEXT for part in quote.split(" … ")), statement


def test_truthy_and_statement_values_agree(wikidata_view):
    for subject, prop, statement in wikidata_view.triples((None, None, None)):
        if str(prop).startswith("http://www.wikidata.org/prop/P"):
            pid = str(prop).rsplit("/", 1)[1]
            truthy = set(wikidata_view.objects(subject, WDT[pid]))
            assert set(wikidata_view.objects(statement, PS[pid])) <= truthy, (subject, pid)


@pytest.mark.parametrize(
    ("subject", "pid", "value"),
    [
        (WD.Q498496, "P31", WD.Q245065),
        (
            WD.Q498496,
            "P571",
            Literal(
                "1993-01-01T00:00:00Z",
                datatype=URIRef("http://www.w3.org/2001/XMLSchema#dateTime"),
                normalize=False,
            ),
        ),
        (WD.Q498496, "P856", URIRef("https://www.icmpd.org/")),
        (WD.Q498496, "P10624", WD.Q1065),
        (WD.Q498496, "P2541", WD.Q15),
        (WD.Q43, "P463", WD.Q498496),
        (URIRef("https://w3id.org/icmpd-kg/id/project/mind"), "P31", WD.Q170584),
        (URIRef("https://w3id.org/icmpd-kg/id/law/turkey-6993"), "P31", WD.Q820655),
    ],
)
def test_facts_in_wikidata_shape(wikidata_view, subject, pid, value):
    assert (subject, WDT[pid], value) in wikidata_view


def test_dates_carry_their_precision(wikidata_view):
    precisions = {}
    for node in wikidata_view.subjects(RDF.type, WIKIBASE.TimeValue):
        precisions[str(wikidata_view.value(node, WIKIBASE.timeValue))] = int(
            wikidata_view.value(node, WIKIBASE.timePrecision)
        )
    assert precisions["1993-01-01T00:00:00Z"] == 9  # founding: a year
    assert precisions["2019-07-01T00:00:00Z"] == 10  # completion: a month
    assert precisions["2018-05-15T00:00:00Z"] == 11  # membership: a day


@pytest.mark.parametrize(
    "mutation", ["no reference", "precision of an hour", "calendar model missing", "a lower bound alone"]
)
def test_view_shapes_reject_broken_statements(wikidata_view, mutation):
    broken = Graph()
    for triple in wikidata_view:
        broken.add(triple)
    derived = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    if mutation == "no reference":
        statement = next(iter(broken.subjects(RDF.type, WIKIBASE.Statement)))
        broken.remove((statement, derived, None))
    elif mutation == "precision of an hour":
        node = next(iter(broken.subjects(RDF.type, WIKIBASE.TimeValue)))
        broken.set((node, WIKIBASE.timePrecision, Literal(12)))
    elif mutation == "a lower bound alone":  # "more than 200" as it once was: 201 with a lower bound
        node = next(iter(broken.subjects(RDF.type, WIKIBASE.QuantityValue)))
        broken.add(
            (node, WIKIBASE.quantityLowerBound, Literal("+201", datatype=XSD.decimal, normalize=False))
        )
    else:
        node = next(iter(broken.subjects(RDF.type, WIKIBASE.TimeValue)))
        broken.remove((node, WIKIBASE.timeCalendarModel, None))
    assert not conforms(broken)


def test_build_writes_the_view_and_the_endpoint_dataset_serves_it(dist):
    from icmpd_kg.sparql.engine import open_engine

    assert (dist / "icmpd-kg-wikidata.ttl").is_file()
    for store in ("memory", None):
        rows = (
            open_engine(dist, store)
            .query("""
        PREFIX wd: <http://www.wikidata.org/entity/> PREFIX wdt: <http://www.wikidata.org/prop/direct/>
        SELECT ?g WHERE { GRAPH ?g { wd:Q43 wdt:P463 wd:Q498496 } }""")
            .strings()
        )
        assert rows == [{"g": "https://w3id.org/icmpd-kg/id/graph/wikidata-view"}], store


def test_nothing_handed_over_that_the_words_do_not_say(wikidata_view):
    """No employees (P1128: "more than 200" has no Wikibase form), no official names (P1448: the
    source's spelling and its Turkish name are labels), no quantity bound anywhere."""
    used = {str(p).rsplit("/", 1)[1] for p in wikidata_view.predicates() if str(p).startswith(str(WDT))}
    assert "P1128" not in used and "P1448" not in used
    assert not list(wikidata_view.subject_objects(WIKIBASE.quantityLowerBound))
    assert not list(wikidata_view.subject_objects(WIKIBASE.quantityUpperBound))


def test_short_names_only_where_the_editors_confirmed_the_acronym(wikidata_view):
    short = {str(o) for o in wikidata_view.objects(None, WDT.P1813)}
    assert "ICMPD" in short
    assert not short & {"FRIT", "TACSO"}
    frit = URIRef("https://w3id.org/icmpd-kg/id/project/frit")
    assert not list(wikidata_view.objects(frit, WDT.P1813))


def test_the_member_count_of_today_is_dated_as_the_source_allows(wikidata_view):
    """19 members "bugün": P585 of unknown value and the earliest date the source can be (July 2019)."""
    PQ = "http://www.wikidata.org/prop/qualifier/"
    [statement] = wikidata_view.objects(WD.Q498496, URIRef("http://www.wikidata.org/prop/P2124"))
    [when] = wikidata_view.objects(statement, URIRef(PQ + "P585"))
    assert str(when).startswith("https://w3id.org/icmpd-kg/id/.well-known/genid/")
    [earliest] = wikidata_view.objects(statement, URIRef(PQ + "P1319"))
    assert str(earliest) == "2019-07-01T00:00:00Z"
    [node] = wikidata_view.objects(statement, URIRef("http://www.wikidata.org/prop/qualifier/value/P1319"))
    assert int(wikidata_view.value(node, WIKIBASE.timePrecision)) == 10


@pytest.mark.parametrize("normalize", [True, False])
def test_amounts_keep_wikibases_sign_after_validation(kg, monkeypatch, normalize):
    """The view is validated by pySHACL before it is written, and pySHACL sets rdflib's
    NORMALIZE_LITERALS back to True: the amount must still be written "+19", whatever the
    process's setting, and the setting must be what it was."""
    import rdflib

    from icmpd_kg.publishing.build import wikidata_view_turtle

    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", normalize)
    text = wikidata_view_turtle(kg)
    assert '"+19"^^xsd:decimal' in text
    assert rdflib.NORMALIZE_LITERALS is normalize


def test_every_property_is_described_as_wikibase_describes_properties(wikidata_view):
    from icmpd_kg.kg.mappings import wikidata_ids

    ids = wikidata_ids()
    used = {
        str(p).rsplit("/", 1)[1]
        for p in wikidata_view.predicates()
        if str(p).startswith("http://www.wikidata.org/prop/") and "/P" in str(p)
    }
    assert {"P31", "P463", "P580", "P854", "P1683", "P407"} <= used
    for prop in used:
        entity = WD[prop]
        assert (entity, RDF.type, WIKIBASE.Property) in wikidata_view, prop
        kind = PROPERTY_TYPE[ids[prop].datatype]
        assert wikidata_view.value(entity, WIKIBASE.propertyType) == WIKIBASE[kind], prop
        for name, ns in (
            ("directClaim", "direct/"),
            ("claim", ""),
            ("qualifier", "qualifier/"),
            ("novalue", "novalue/"),
        ):
            assert wikidata_view.value(entity, WIKIBASE[name]) == URIRef(
                f"http://www.wikidata.org/prop/{ns}{prop}"
            ), (prop, name)
        assert (
            entity,
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal(ids[prop].label, lang="en"),
        ) in wikidata_view


def test_every_wikidata_id_in_the_view_was_verified(wikidata_view):
    """Every P and Q the view writes is in data/mappings/wikidata-ids.tsv (with its evidence) or is a
    curated link of the SSSOM table: no identifier from memory."""
    import re

    from icmpd_kg.core import paths
    from icmpd_kg.kg.mappings import mapping_rows, wikidata_ids

    known = set(wikidata_ids()) | {
        r["object_id"].rsplit("/", 1)[1] for r in mapping_rows(paths.WIKIDATA_MAPPINGS_FILE)
    }
    seen = set()
    for triple in wikidata_view:
        for term in triple:
            match = re.match(r"http://www\.wikidata\.org/(?:entity|prop/[a-z/-]*)/?([PQ][0-9]+)$", str(term))
            if match:
                seen.add(match.group(1))
    assert seen and seen <= known, sorted(seen - known)


def test_no_item_statement_has_a_value_that_is_only_close_to_an_item(wikidata_view, kg):
    """P2541 and the other item properties are stated with Wikidata's items or our records that may
    become items, never with a region the editors found only close to one (Avrasya, Q5401)."""
    from rdflib import SKOS

    close = {s for s, o in kg.union.subject_objects(SKOS.closeMatch) if str(o).startswith(str(WD))}
    assert URIRef("https://w3id.org/icmpd-kg/id/concept/region/eurasia") in close
    assert not [(s, p, o) for s, p, o in wikidata_view if o in close]


def test_short_names_are_tagged_as_the_english_acronyms_they_are(wikidata_view):
    names = list(wikidata_view.objects(None, WDT.P1813))
    assert names and all(isinstance(n, Literal) and n.language == "en" for n in names)


def test_every_linked_item_has_the_labels_of_our_resource(wikidata_view, kg):
    from rdflib import OWL, RDFS

    for ours, item in kg.union.subject_objects(OWL.sameAs):
        labels = set(kg.union.objects(ours, RDFS.label))
        assert labels and labels <= set(wikidata_view.objects(item, RDFS.label)), item
