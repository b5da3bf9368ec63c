"""The cases of the W3C SPARQL 1.1 Protocol test manifest (tests/w3c-sparql11-tests/protocol,
vendored), against the app in this process (the ``site`` fixture: no socket, no worker process).
The dataset tests use this graph's own named graphs: the endpoint never downloads a graph, so the
manifest's remote data1.nt.. files are stood in for by local graphs. Update cases expect a
refusal: the endpoint is read-only."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

FACT = "https://w3id.org/icmpd-kg/id/fact/"
JSON = {"Accept": "application/sparql-results+json"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def form(pairs) -> dict:
    """A form body with repeated keys (httpx's data= takes a dict only)."""
    return {
        "content": urlencode(pairs).encode(),
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }


def count(response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def graphs(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [b["g"]["value"] for b in response.json()["results"]["bindings"]]


def test_get_with_protocol_default_graph(site):
    r = site.get(
        "/sparql", params={"query": COUNT, "default-graph-uri": FACT + "icmpd-acronym"}, headers=JSON
    )
    assert count(r) == 1


def test_post_with_protocol_default_graphs(site):
    body = [
        ("query", COUNT),
        ("default-graph-uri", FACT + "icmpd-acronym"),
        ("default-graph-uri", FACT + "icmpd-kind"),
    ]
    kwargs = form(body)
    assert count(site.post("/sparql", content=kwargs["content"], headers={**kwargs["headers"], **JSON})) == 2


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_protocol_named_graphs(site, method):
    params = [
        ("query", GRAPHS),
        ("named-graph-uri", FACT + "icmpd-kind"),
        ("named-graph-uri", FACT + "law-6993"),
    ]
    r = (
        site.get("/sparql", params=params, headers=JSON)
        if method == "GET"
        else site.post(
            "/sparql", content=form(params)["content"], headers={**form(params)["headers"], **JSON}
        )
    )
    assert graphs(r) == [FACT + "icmpd-kind", FACT + "law-6993"]


def test_protocol_dataset_both_named_and_default(site):
    q = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    params = [
        ("query", q),
        ("default-graph-uri", FACT + "icmpd-acronym"),
        ("named-graph-uri", FACT + "icmpd-kind"),
    ]
    assert count(site.get("/sparql", params=params, headers=JSON)) == 2


def test_protocol_dataset_overrides_query_dataset(site):
    q = f"SELECT (COUNT(*) AS ?n) FROM <{FACT}icmpd-founding> WHERE {{ ?s ?p ?o }}"
    r = site.get("/sparql", params={"query": q, "default-graph-uri": FACT + "icmpd-acronym"}, headers=JSON)
    assert count(r) == 1
    assert count(site.get("/sparql", params={"query": q}, headers=JSON)) == 5


def test_query_via_post_directly(site):
    r = site.post(
        "/sparql", content=COUNT.encode(), headers={**JSON, "Content-Type": "application/sparql-query"}
    )
    assert count(r) > 800


def test_other_method_is_refused(site):
    r = site.put("/sparql", params={"query": COUNT})
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_more_than_one_query_string(site, method):
    params = [("query", "ASK {}"), ("query", "ASK {}")]
    r = site.get("/sparql", params=params) if method == "GET" else site.post("/sparql", **form(params))
    assert r.status_code == 400


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("text/plain", "ASK {}"),  # neither form nor sparql-query
        ("application/sparql-update", "query=ASK%20%7B%7D"),  # url-encoded body, wrong media type
        ("application/x-www-form-urlencoded", "ASK {}"),  # SPARQL body declared as a form
    ],
)
def test_post_with_wrong_media_type(site, content_type, body):
    r = site.post("/sparql", content=body.encode(), headers={"Content-Type": content_type})
    assert 400 <= r.status_code < 500


def test_direct_post_in_utf16_is_refused(site):
    r = site.post(
        "/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert 400 <= r.status_code < 500


def test_invalid_query_syntax(site):
    assert site.get("/sparql", params={"query": "ASK {"}).status_code == 400


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "POST", **form([("update", "CLEAR ALL"), ("update", "CLEAR ALL")])},
    ],
)
def test_updates_are_refused(site, request_kwargs):
    r = site.request(url="/sparql", **request_kwargs)
    assert r.status_code in (400, 403)
    after = site.get("/sparql", params={"query": COUNT}, headers=JSON)
    assert count(after) > 800, "nothing was cleared"


# --- answers as the protocol suite reads them back ------------------------------------------------------


def test_every_service_of_the_description_has_a_supported_language(site):
    from rdflib import RDF, Graph, Namespace

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    described = site.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=described.text, format="turtle")
    services = set(g.subjects(RDF.type, sd.Service))
    assert len(services) >= 2  # this endpoint and the Wikidata Query Service it may call
    assert all(set(g.objects(s, sd.supportedLanguage)) for s in services)


@pytest.mark.parametrize(
    "literal", ['"-3"^^xsd:negativeInteger', '"07"^^xsd:byte', '"5"^^xsd:positiveInteger']
)
def test_a_literal_written_in_the_query_comes_back_as_written(site, literal):
    query = f"SELECT ?x ?y WHERE {{ VALUES ?x {{ {literal} }} BIND({literal} AS ?y) }}"
    r = site.get("/sparql", params={"query": query}, headers=JSON)
    assert r.status_code == 200, r.text
    [row] = r.json()["results"]["bindings"]
    lexical, datatype = literal.strip('"').split('"^^xsd:')
    for name in ("x", "y"):
        assert row[name]["value"] == lexical
        assert row[name]["datatype"] == "http://www.w3.org/2001/XMLSchema#" + datatype
    counted = site.get(
        "/sparql",
        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {literal} }} }}"},
        headers=JSON,
    )
    assert counted.json()["results"]["bindings"][0]["n"]["datatype"].endswith("#integer")  # computed


def test_a_carriage_return_survives_every_xml_answer(site):
    from xml.etree import ElementTree

    select = site.get(
        "/sparql",
        params={"query": 'SELECT ?x WHERE { VALUES ?x { "a\\rb" } }'},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert select.status_code == 200 and b"&#13;" in select.content and b"\r" not in select.content
    literal = ElementTree.fromstring(select.content).find(
        ".//{http://www.w3.org/2005/sparql-results#}literal"
    )
    assert literal is not None and literal.text == "a\rb"
    graph = site.get(
        "/sparql",
        params={"query": 'CONSTRUCT { <urn:x:s> <urn:x:p> ?x } WHERE { VALUES ?x { "a\\rb" } }'},
        headers={"Accept": "application/rdf+xml"},
    )
    assert graph.status_code == 200 and b"\r" not in graph.content
    from rdflib import Graph

    assert [str(o) for o in Graph().parse(data=graph.content, format="xml").objects()] == ["a\rb"]


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ('SELECT ?x WHERE { VALUES ?x { "c\\u0001d" } }', "application/sparql-results+xml"),
        ('CONSTRUCT { <urn:x:s> <urn:x:p> ?x } WHERE { VALUES ?x { "c\\u0000d" } }', "application/rdf+xml"),
    ],
)
def test_a_character_xml_cannot_carry_is_refused_not_written(site, query, accept):
    r = site.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 406 and "XML 1.0" in r.text and "JSON" in r.text
    assert (
        site.get(
            "/sparql",
            params={"query": query},
            headers={"Accept": "application/n-triples, application/sparql-results+json"},
        ).status_code
        == 200
    )
