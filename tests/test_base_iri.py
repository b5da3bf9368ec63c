"""Relative IRIs in a query without BASE: resolved against the endpoint's IRI (SPARQL 1.1 Protocol)
or, on the command line, the query file's IRI (as Jena's arq and rdflib do), or --base."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from icmpd_kg.cli import main

RELATIVE = "CONSTRUCT { <s> <p> 1 } WHERE {}"


def test_the_endpoint_resolves_against_its_own_iri(server):
    response = httpx.post(
        server + "/sparql", data={"query": RELATIVE}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200, response.text
    [(s, p, _)] = Graph().parse(data=response.text, format="nt")
    assert str(s).endswith("/s") and str(p).endswith("/p") and str(s).startswith("http")


@pytest.mark.parametrize("store", ["memory", None])
def test_a_query_file_is_its_own_base(dist, tmp_path, store):
    query = tmp_path / "relative.rq"
    query.write_text(RELATIVE, encoding="utf-8")
    args = ["query", "--file", str(query), "--dist", str(dist)] + (["--store", store] if store else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.output, format="turtle")
    assert (URIRef((tmp_path / "s").as_uri()), URIRef((tmp_path / "p").as_uri()), None) in graph


def test_base_sets_another_and_the_querys_own_base_wins(dist):
    args = ["query", "--dist", str(dist), "--format", "csv", "--base", "http://example.org/x/"]
    result = CliRunner().invoke(main, [*args, "SELECT ?i WHERE { BIND(<a> AS ?i) }"])
    assert result.output.splitlines()[1:] == ["http://example.org/x/a"]
    own = CliRunner().invoke(
        main, [*args, "BASE <http://other.example/> SELECT ?i WHERE { BIND(<a> AS ?i) }"]
    )
    assert own.output.splitlines()[1:] == ["http://other.example/a"]


@pytest.mark.parametrize("kind", ["memory", "oxigraph"])
def test_updates_resolve_against_the_base_too(kind):
    import pyoxigraph as ox
    from rdflib import Dataset

    from icmpd_kg.sparql.engine import Engine, OxigraphBackend, Policy, RdflibBackend

    backend = RdflibBackend(Dataset()) if kind == "memory" else OxigraphBackend(ox.Store())
    engine = Engine(backend, Policy(base_iri="http://example.org/base/"))
    engine.update("INSERT DATA { <s> <p> <o> }")
    assert engine.query("SELECT * WHERE { ?s ?p ?o }").strings() == [
        {"s": "http://example.org/base/s", "p": "http://example.org/base/p", "o": "http://example.org/base/o"}
    ]
