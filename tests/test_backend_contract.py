"""The contract every local store keeps, whatever engine answers (pyoxigraph's habit of one suite run
over each store): three triples, two of them in named graphs, asked the same questions through the
one engine, over Oxigraph on disk and rdflib in memory, with the same answers."""

from __future__ import annotations

import pytest

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.backends import open_backend
from icmpd_kg.sparql.engine import Engine, Policy
from icmpd_kg.store.oxigraph import load_files
from icmpd_kg.store.spec import StoreSpec

THREE = """\
<urn:x:a> <urn:x:p> "one" .
<urn:x:b> <urn:x:p> "two"@tr <urn:x:g1> .
<urn:x:c> <urn:x:q> <urn:x:a> <urn:x:g2> .
"""


@pytest.fixture(params=["oxigraph", "memory"])
def engine(request, tmp_path):
    data = tmp_path / "three.nq"
    data.write_text(THREE, encoding="utf-8")
    if request.param == "oxigraph":
        load_files(tmp_path / "store", [data])
        spec = StoreSpec("oxigraph", str(tmp_path / "store"))
        backend = open_backend(spec, read_only=False)
    else:
        backend = open_backend(StoreSpec("memory"), snapshot=data)
    engine = Engine(backend, Policy(max_rows=4))
    yield engine
    engine.close()


def values(engine: Engine, text: str, **kw) -> list[tuple[str, ...]]:
    return sorted(tuple(str(t) for t in row) for row in engine.query(text, **kw).rows)


def test_the_default_graph_is_the_union_of_all_graphs(engine):
    assert values(engine, "SELECT ?s WHERE { ?s ?p ?o }") == [("urn:x:a",), ("urn:x:b",), ("urn:x:c",)]


def test_named_graphs_are_asked_with_graph(engine):
    found = values(engine, "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert found == [("urn:x:g1", "urn:x:b"), ("urn:x:g2", "urn:x:c")]


def test_the_protocols_dataset_names_the_graphs_queried(engine):
    only_g1 = values(engine, "SELECT ?s WHERE { ?s ?p ?o }", default_graphs=["urn:x:g1"])
    assert only_g1 == [("urn:x:b",)]
    named = values(engine, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=["urn:x:g2"])
    assert named == [("urn:x:g2",)]


def test_literals_keep_their_language_and_the_row_cap_says_it_cut(engine):
    answer = engine.query("SELECT ?o WHERE { { ?s ?p ?o } UNION { ?s ?p ?o } }")
    assert len(answer.rows) == 4 and answer.truncated
    assert not engine.query("SELECT ?o WHERE { ?s ?p ?o }").truncated
    tagged = engine.query('SELECT ?o WHERE { ?s ?p ?o FILTER(lang(?o) = "tr") }').rows
    assert [(str(o), o.language) for (o,) in tagged] == [("two", "tr")]


def test_ask_and_construct(engine):
    assert engine.query("ASK { <urn:x:c> <urn:x:q> <urn:x:a> }").boolean is True
    assert engine.query("ASK { <urn:x:a> <urn:x:q> <urn:x:c> }").boolean is False
    triples = engine.query("CONSTRUCT { ?o <urn:x:back> ?s } WHERE { ?s <urn:x:q> ?o }").triples
    assert [tuple(map(str, t)) for t in triples] == [("urn:x:a", "urn:x:back", "urn:x:c")]


def test_a_syntax_error_is_a_400_naming_the_problem(engine):
    with pytest.raises(ProtocolError) as refused:
        engine.query("SELECT ?s WHERE { ?s ?p }")
    assert refused.value.status == 400


def test_an_update_is_seen_by_the_next_query(engine):
    engine.update("INSERT DATA { GRAPH <urn:x:g3> { <urn:x:d> <urn:x:p> 4 } }")
    assert values(engine, "SELECT ?g WHERE { GRAPH ?g { <urn:x:d> ?p ?o } }") == [("urn:x:g3",)]
    assert engine.query("ASK { <urn:x:d> <urn:x:p> 4 }").boolean is True  # in the union too
