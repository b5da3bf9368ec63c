"""The Wikidata-shaped view: Wikibase RDF with a reference on every statement, checked by its shapes."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, URIRef

from icmpd_kg import paths
from icmpd_kg.wikidata_view import PR, PS, WD, WDT, WIKIBASE, view

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
    assert len(statements) > 40
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
        (URIRef("https://w3id.org/icmpd-kg/id/law/turkey-6993"), "P31", WD.Q7748),
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


@pytest.mark.parametrize("mutation", ["no reference", "precision of an hour", "calendar model missing"])
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
    else:
        node = next(iter(broken.subjects(RDF.type, WIKIBASE.TimeValue)))
        broken.remove((node, WIKIBASE.timeCalendarModel, None))
    assert not conforms(broken)


def test_build_writes_the_view_and_the_endpoint_dataset_serves_it(dist):
    from icmpd_kg.engine import open_engine

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
