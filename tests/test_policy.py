"""One policy for every query, whatever runs it (the engine is the same on the command line, in
the workers and for the pages): FROM selects graphs and creates none, SERVICE calls exactly the
allowlisted IRI through our own client, updates follow the same rules, and mistakes are 400s."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from icmpd_kg.cli import main
from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.engine import Engine, Policy, open_engine, prepare
from icmpd_kg.sparql.results import QueryRequest

from .standin import stand_in_endpoint

STORES = ("oxigraph", "memory")
WIKIDATA_LIKE = """
@prefix ex: <http://example.org/> .
ex:a ex:p "one" . ex:b ex:p "two" ."""


def engine(dist, store, allow=()):
    return open_engine(
        dist, None if store == "oxigraph" else "memory", Policy(service_allowlist=tuple(allow))
    )


@pytest.mark.parametrize("store", STORES)
def test_from_and_graph_parameters_select_local_graphs_and_create_none(dist, store):
    e = engine(dist, store)
    before = e.query("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    for query in (
        "SELECT * FROM <urn:nowhere> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <urn:nowhere> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
    ):
        assert e.query(query).rows == []
    assert (
        e.query("ASK { ?s ?p ?o }", default_graphs=["urn:nowhere"], named_graphs=["urn:none"]).boolean
        is False
    )
    with pytest.raises(ProtocolError) as relative:
        e.query("ASK { ?s ?p ?o }", named_graphs=["None"])
    assert relative.value.status == 400 and "'None'" in relative.value.message
    assert e.query("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows == before
    if store == "memory":
        assert URIRef("urn:nowhere") not in {g.identifier for g in e.backend.data.graphs()}
        assert URIRef("None") not in {g.identifier for g in e.backend.data.graphs()}
    fact = "https://w3id.org/icmpd-kg/id/fact/icmpd-founding"
    assert e.query(f"ASK FROM <{fact}> {{ ?s ?p ?o }}").boolean is True
    assert e.query("ASK { ?s ?p ?o }", default_graphs=[fact]).boolean is True


@pytest.mark.parametrize("store", STORES)
def test_service_calls_exactly_the_checked_iri_with_our_client(dist, store):
    with stand_in_endpoint(WIKIDATA_LIKE) as remote:
        e = engine(dist, store, [remote.url])
        # rdflib cut the URL out of the raw text: this asked the host for
        # /sparql>{GRAPH<urn:x/../../admin?x=1>…
        e.query(
            f"SELECT ?o WHERE {{ SERVICE SILENT <{remote.url}>{{GRAPH<urn:x/../../admin?x=1>{{?s ?p ?o}}}} }}"
        )
        answer = e.query(
            f"PREFIX ex: <http://example.org/> SELECT ?o WHERE {{ SERVICE <{remote.url}> {{ ?s ex:p ?o }} }}"
            " ORDER BY ?o"
        )
    assert [str(r[0]) for r in answer.rows] == ["one", "two"]
    assert [c.path for c in remote.calls] == ["/sparql", "/sparql"]
    assert all(c.method == "POST" for c in remote.calls)
    assert "GRAPH<urn:x/../../admin?x=1>" in remote.calls[0].query.replace(" ", "")
    agent = remote.calls[0].headers["User-Agent"]
    assert agent.startswith("icmpd-kg/") and "https://w3id.org/icmpd-kg/" in agent


@pytest.mark.parametrize("store", STORES)
def test_service_silent_still_calls_and_only_silences_errors(dist, store):
    with stand_in_endpoint(WIKIDATA_LIKE) as remote:
        e = engine(dist, store, [remote.url])
        query = f"SELECT ?o WHERE {{ SERVICE SILENT <{remote.url}> {{ ?s <http://example.org/p> ?o }} }}"
        assert len(e.query(query).rows) == 2
        remote.status = 500
        assert len(e.query(query).rows) == 1  # a failed SILENT service is one empty solution
        with pytest.raises(ProtocolError) as failed:
            e.query(query.replace("SILENT ", ""))
    assert failed.value.status == 502 and remote.url in failed.value.message
    assert len(remote.calls) == 3


def test_service_answer_size_is_capped(dist):
    with stand_in_endpoint(WIKIDATA_LIKE) as remote:
        remote.pad_bytes = 5000
        e = open_engine(dist, None, Policy(service_allowlist=(remote.url,), service_max_bytes=2000))
        with pytest.raises(ProtocolError) as refused:
            e.query(f"SELECT * WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} }}")
    assert "more than 2000 bytes" in refused.value.message


@pytest.mark.parametrize(
    "query,message",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "not allowed"),
        ("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", "a variable"),
        ("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "not allowed"),
        ("SELECT * WHERE { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "not allowed"),
        ("PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }", "not allowed"),
    ],
)
def test_service_outside_the_allowlist_is_refused(dist, query, message):
    for store in STORES:
        with pytest.raises(ProtocolError) as refused:
            engine(dist, store).query(query)
        assert refused.value.status == 400 and message in refused.value.message


@pytest.mark.parametrize("store", STORES)
def test_updates_follow_the_same_policy(dist, store, tmp_path):
    e = engine(dist, store)
    with pytest.raises(ProtocolError) as load:
        e.update("LOAD <http://127.0.0.1:9/data.ttl>")
    assert load.value.status == 403
    with pytest.raises(ProtocolError) as service:
        e.update("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert service.value.status == 400


@pytest.mark.parametrize("store", STORES)
def test_mistakes_are_400s_with_a_message(dist, store):
    e = engine(dist, store)
    for query in ("SELECT ?x WHERE { ?x ?y }", "SELECT * WHERE { BIND(<nope:> AS ?x) } GROUP BY"):
        with pytest.raises(ProtocolError) as wrong:
            e.respond(QueryRequest(query))
        assert wrong.value.status == 400 and "line 1" in wrong.value.message
    with pytest.raises(ProtocolError) as csv:
        e.respond(QueryRequest("ASK {}", accept="text/csv"))
    assert csv.value.status == 406
    bad_regex = QueryRequest('SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "[")) }')
    if store == "oxigraph":  # an expression error: the filter is false (SPARQL 1.1 §17.3)
        assert b'"bindings": []' in e.respond(bad_regex).body.replace(b'"bindings":[]', b'"bindings": []')
    else:  # rdflib stops the query: a 400 that says why
        with pytest.raises(ProtocolError) as regex:
            e.respond(bad_regex)
        assert regex.value.status == 400 and "character set" in regex.value.message


def test_a_repeated_query_is_prepared_once():
    prepare.cache_clear()
    for _ in range(3):
        prepare("SELECT * WHERE { ?s ?p ?o } LIMIT 1", ())
    info = prepare.cache_info()
    assert info.misses == 1 and info.hits == 2


def test_command_line_shares_the_policy(dist):
    with stand_in_endpoint(WIKIDATA_LIKE) as remote:
        runner = CliRunner()
        fetched = runner.invoke(
            main, ["query", "--dist", str(dist), f"SELECT * FROM <{remote.url}> WHERE {{ ?s ?p ?o }}"]
        )
        called = runner.invoke(
            main,
            ["query", "--dist", str(dist), f"SELECT * WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} }}"],
        )
        allowed = runner.invoke(
            main,
            [
                "query",
                "--dist",
                str(dist),
                "--allow-service",
                remote.url,
                "--format",
                "csv",
                f"SELECT ?o WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} }} ORDER BY ?o",
            ],
        )
        wrong = runner.invoke(
            main,
            [
                "query",
                "--dist",
                str(dist),
                'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(?o, "[")) }',
                "--store",
                "memory",
            ],
        )
    assert fetched.exit_code == 0 and "0 row(s)" in fetched.output
    assert called.exit_code == 2 and "not allowed" in called.output and "Traceback" not in called.output
    assert allowed.exit_code == 0 and allowed.output.splitlines() == ["o", "one", "two"]
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output
    assert len(remote.calls) == 1


def test_engine_for_dataset_is_the_memory_store(dist):
    from icmpd_kg.store.memory import load_built

    e = Engine.for_dataset(load_built(dist))
    assert e.backend.name == "memory" and e.query("ASK { ?s ?p ?o }").boolean is True


@pytest.mark.parametrize("store", STORES)
def test_result_limits_in_rows_triples_and_bytes(dist, store):
    spec = None if store == "oxigraph" else "memory"
    capped = open_engine(dist, spec, Policy(service_allowlist=(), max_rows=5))
    graph = capped.respond(
        QueryRequest("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", accept="application/n-triples")
    )
    assert graph.truncated and graph.rows == 5 and graph.body.count(b" .\n") == 5
    rows = capped.respond(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
    assert rows.truncated and rows.rows == 5
    small = open_engine(dist, spec, Policy(service_allowlist=(), max_result_bytes=2000))
    with pytest.raises(ProtocolError) as too_big:
        small.respond(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
    assert too_big.value.status == 400 and "2000" in too_big.value.message
    assert small.respond(QueryRequest("ASK { ?s ?p ?o }")).body


def test_the_word_service_outside_the_keyword_costs_no_second_parse(monkeypatch):
    """Only the SERVICE keyword that the scanner could not isolate asks rdflib's parser for a
    second opinion (a 30 ms parse of a long prologue); the word in an IRI, a string or a comment
    (the service description's namespace has it) does not."""
    from icmpd_kg.sparql import query_text

    def second_opinion(text, update):
        raise AssertionError("rdflib's parser was asked")

    monkeypatch.setattr(query_text, "_rdflib_has_service", second_opinion)
    text = (
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
        'SELECT * WHERE { ?s a sd:Service ; rdfs:comment "a service" } # service'
    )
    assert query_text.prepare(text, ()).calls == ()
