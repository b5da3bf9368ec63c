"""Content negotiation on its own (RFC 9110 §12): no server, no engine."""

from __future__ import annotations

import pytest

from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.negotiation import choose_format, negotiate, parse_accept
from icmpd_kg.web.linked_data import choose_language


def test_accept_is_read_with_its_q_values():
    assert parse_accept("text/html;q=0.5, application/json") == [
        ("text/html", 0.5),
        ("application/json", 1.0),
    ]
    assert parse_accept(None) == parse_accept("  ") == [("*/*", 1.0)]
    assert parse_accept("TEXT/Turtle; charset=utf-8; q=0.7") == [("text/turtle", 0.7)]
    # a q outside 0..1 is clamped, an unreadable one is 0 (not acceptable), empty ranges are skipped
    assert parse_accept("a/b;q=7, c/d;q=x, ,e/f") == [("a/b", 1.0), ("c/d", 0.0), ("e/f", 1.0)]


@pytest.mark.parametrize(
    "accept, offered, chosen",
    [
        ("text/turtle, application/rdf+xml;q=0.9", ["application/rdf+xml", "text/turtle"], "text/turtle"),
        ("*/*", ["application/rdf+xml", "text/turtle"], "application/rdf+xml"),  # ties: server order
        ("text/*;q=0.3, text/turtle;q=0", ["text/turtle", "text/csv"], "text/csv"),  # most specific wins
        ("text/turtle;q=0", ["text/turtle"], None),  # q=0: not acceptable
        ("image/png", ["text/turtle"], None),
        ("application/json;q=0.2, */*;q=0.1", ["text/turtle", "application/json"], "application/json"),
    ],
)
def test_the_preferred_offer_is_chosen(accept, offered, chosen):
    assert negotiate(accept, offered) == chosen


def test_a_query_form_gets_a_format_it_has():
    assert choose_format("SELECT", None, None) == "application/sparql-results+json"
    assert choose_format("CONSTRUCT", None, None) == "text/turtle"
    assert choose_format("SELECT", "text/csv", None) == "text/csv"
    # the generic type is answered as asked, with the body of the format it stands for
    assert choose_format("SELECT", "application/json", None) == "application/json"
    assert choose_format("CONSTRUCT", "application/json", None) == "application/json"
    assert choose_format("SELECT", "application/sparql-results+json, application/json", None) == (
        "application/sparql-results+json"
    )
    # ?format= wins over Accept; a client's own name for a format yields to Accept
    assert choose_format("SELECT", "text/csv", "json") == "application/sparql-results+json"
    assert choose_format("CONSTRUCT", "text/turtle", "rdf+xml") == "application/rdf+xml"
    assert choose_format("SELECT", "text/csv", "no-such-format") == "text/csv"


def test_a_format_a_query_form_lacks_is_406_naming_what_is_available():
    with pytest.raises(ProtocolError) as csv_for_ask:
        choose_format("ASK", None, "csv")  # the CSV results format defines no boolean
    assert csv_for_ask.value.status == 406 and "application/sparql-results+json" in csv_for_ask.value.message
    with pytest.raises(ProtocolError) as nothing:
        choose_format("SELECT", "image/png", None)
    assert nothing.value.status == 406 and "image/png" in nothing.value.message


@pytest.mark.parametrize(
    "header, param, language",
    [
        ("en-GB,en;q=0.9,tr;q=0.8", None, "en"),
        ("tr-TR, en;q=0.9", None, "tr"),
        ("de, fr;q=0.5", None, "tr"),  # neither offered: Turkish, the source's language
        ("en;q=0.1, tr;q=0.2", None, "tr"),
        ("en", "tr", "tr"),  # the lang parameter first
        (None, None, "tr"),
    ],
)
def test_the_page_language_is_read_by_the_same_parser(header, param, language):
    assert choose_language(header, param) == language


QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
    "DESCRIBE <https://w3id.org/icmpd-kg/id/organisation/icmpd>",
    "PREFIX x: <urn:x:>\nselect ?s { ?s x:p ?o }",
    "SELECT * WHERE { SERVICE <http://not.allowed/> { ?s ?p ?o } }",  # the policy refuses it first
    "SELECT (1 AS ?x) {}",  # the full read
]
ASKED = [
    (None, None),
    ("image/png", None),
    ("text/csv", None),
    ("text/turtle", None),
    ("text/turtle, application/sparql-results+json;q=0.5", None),
    (None, "csv"),
    (None, "turtle"),
    ("application/sparql-results+xml", "ntriples"),
]


@pytest.fixture(scope="module")
def engine(dist):
    from icmpd_kg.sparql.engine import open_engine

    engine = open_engine(dist)
    yield engine
    engine.close()


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(("accept", "fmt"), ASKED)
def test_an_early_refusal_is_exactly_the_engines(engine, query, accept, fmt):
    """The server refuses some 406s before a worker sees them (``refuse_early``): it must refuse only
    what the engine refuses, with the engine's status and message."""
    from icmpd_kg.sparql.negotiation import refuse_early
    from icmpd_kg.sparql.results import QueryRequest

    try:
        refuse_early(query, accept, fmt)
    except ProtocolError as early:
        with pytest.raises(ProtocolError) as engine_said:
            engine.respond(QueryRequest(query, accept=accept, format=fmt))
        assert (engine_said.value.status, engine_said.value.message) == (early.status, early.message)


def test_a_406_is_answered_without_a_trip_to_a_worker(dist):
    from starlette.testclient import TestClient

    from icmpd_kg.runtime.config import ServerConfig
    from icmpd_kg.web.app import create_app

    class Counting:
        calls = 0
        generation = 0
        last_error = None

        async def start(self, wait: bool = True) -> None: ...

        async def stop(self) -> None: ...

        def status(self) -> dict:
            return {"workers": 1}

        async def run(self, *args, **kwargs):
            Counting.calls += 1
            raise AssertionError("the query reached the runner")

    config = ServerConfig(dist=dist)
    with TestClient(create_app(config, runner=Counting()), base_url=config.public_url) as client:
        answer = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert answer.status_code == 406 and "ASK" in answer.json()["message"]
    assert Counting.calls == 0
