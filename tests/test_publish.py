"""Publishing to an existing SPARQL server, and serving our endpoint in front of it: a real
Virtuoso (Debian's virtuoso-opensource) on 127.0.0.1 receives every graph through the Graph Store
HTTP Protocol with digest authentication, then every example query runs through our endpoint
against it and answers as our own store does."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from icmpd_kg.cli import main
from icmpd_kg.core import paths
from icmpd_kg.publishing.graph_store import graphs_of
from icmpd_kg.sparql.engine import open_engine

from .conftest import by_value, free_port, live_server
from .virtuoso import available, virtuoso

DEFAULT = "https://w3id.org/icmpd-kg/id/graph/default"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(available() is not None, reason=str(available()))]


@pytest.fixture(scope="module")
def published(dist, tmp_path_factory):
    folder = tmp_path_factory.mktemp("virtuoso")
    with virtuoso(folder, free_port(), free_port()) as base:

        def publish(password: str, *more: str):
            to = base + "/sparql-graph-crud-auth"
            args = [
                "--dist",
                str(dist),
                "--to",
                to,
                "--auth",
                "digest",
                "--user",
                "dba",
                "--password",
                password,
            ]
            return CliRunner().invoke(main, ["publish", *args, *more])

        refused = publish("wrong")
        result = publish("dba", "--default-graph", DEFAULT)
        yield base, result, refused


def test_publish_sends_every_graph(published, dist):
    base, result, refused = published
    assert refused.exit_code == 2 and "HTTP 401" in refused.output and "0 of" in refused.output
    assert result.exit_code == 0, result.output
    graphs = graphs_of(dist)
    assert f"published {len(graphs)} graphs" in result.output
    for name, body in graphs.items():
        count = httpx.get(
            base + "/sparql",
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name or DEFAULT}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"},
        ).json()
        assert int(count["results"]["bindings"][0]["n"]["value"]) == body.count(b"\n"), name


def test_every_example_query_through_our_endpoint_in_front_of_virtuoso(published, dist):
    base, result, _ = published
    assert result.exit_code == 0
    ours = open_engine(dist, "memory")
    with live_server(dist, "--store", f"sparql:{base}/sparql") as endpoint:
        health = httpx.get(endpoint + "/health").json()
        assert health["store"] == "sparql" and base not in str(health)
        refused = httpx.get(
            endpoint + "/sparql",
            params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
        )
        assert refused.status_code == 400  # our policy stands in front of the server
        page = httpx.get(endpoint + "/id/project/pact", headers={"Accept": "text/turtle"})
        assert page.status_code == 200 and "PACT" in page.text
        for path in paths.query_files():
            if paths.query_needs_internet(path):
                continue
            text = path.read_text(encoding="utf-8")
            r = httpx.post(
                endpoint + "/sparql",
                data={"query": text},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            assert r.status_code == 200, (path.name, r.text)
            remote = [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]
            # As sets: Virtuoso's default graph repeats a triple stated in two graphs (a bag, not
            # the RDF merge), so a row can come twice; the README says so.
            assert set(map(repr, by_value(remote))) == set(map(repr, by_value(ours.query(text).strings()))), (
                path.name
            )
            assert remote, path.name
