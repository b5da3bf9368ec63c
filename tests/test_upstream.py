"""Canaries for the library bugs the code works around: each is a strict xfail, so the suite fails
(and the workaround can go) once upstream fixes the bug."""

from __future__ import annotations

import pytest
from rdflib import Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID


@pytest.mark.xfail(
    strict=True,
    reason="https://github.com/RDFLib/rdflib/issues/2019 — Dataset.update does not "
    "insert into the default graph; engine.RdflibBackend.update works around it",
)
def test_rdflib_dataset_update_inserts_data_into_the_default_graph():
    ds = Dataset()
    ds.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert (URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c")) in ds.graph(DATASET_DEFAULT_GRAPH_ID)


@pytest.mark.xfail(
    strict=True,
    reason="pySHACL fills a SHACL-SPARQL constraint's sh:message templates as plain strings, "
    "dropping their language tags; validate._result_messages recovers them from the templates",
)
def test_pyshacl_keeps_the_language_of_sparql_constraint_messages():
    import pyshacl
    from rdflib import Graph, Literal
    from rdflib.namespace import SH

    shapes = Graph().parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:Shape a sh:NodeShape ; sh:targetNode ex:a ;
            sh:message "has {?value}"@en , "{?value} var"@tr ;
            sh:sparql [ a sh:SPARQLConstraint ;
                        sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value }" ] .
        """,
    )
    data = Graph().parse(format="turtle", data='<http://example.org/a> <http://example.org/p> "x" .')
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert not conforms
    messages = [m for m in report.objects(None, SH.resultMessage) if isinstance(m, Literal)]
    assert len(messages) == 2
    assert {m.language for m in messages} == {"en", "tr"}


@pytest.mark.xfail(
    strict=True,
    reason="https://github.com/RDFLib/rdflib/issues/2332 — VALUES followed by OPTIONAL drops rows "
    "when the optional part matches other values; engine._values_keep_their_variables works around it",
)
def test_rdflib_values_then_optional_keeps_every_row():
    from rdflib import Graph, Literal
    from rdflib.namespace import RDFS

    g = Graph()
    g.add((URIRef("urn:x:b"), RDFS.label, Literal("b")))
    query = "SELECT * WHERE { VALUES ?s { <urn:x:a> } OPTIONAL { ?s <LABEL> ?l } }"
    rows = list(g.query(query.replace("LABEL", str(RDFS.label))))
    assert len(rows) == 1


def test_the_workaround_keeps_every_row_on_the_memory_store():
    from rdflib import Literal
    from rdflib.namespace import RDFS

    from icmpd_kg.sparql.engine import Engine

    ds = Dataset()
    ds.add((URIRef("urn:x:b"), RDFS.label, Literal("b")))
    rows = Engine.for_dataset(ds).query(
        "SELECT ?s ?l WHERE { VALUES ?s { <urn:x:a> <urn:x:b> } OPTIONAL { ?s rdfs:label ?l } } ORDER BY ?s"
    )
    assert [(str(s), label and str(label)) for s, label in rows.rows] == [("urn:x:a", None), ("urn:x:b", "b")]
