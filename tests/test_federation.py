"""SERVICE as a bind join, against a stand-in Query Service on 127.0.0.1 that behaves as WDQS does
under its limits: it answers patterns bound to values, refuses a request without a User-Agent and
fails an open-ended pattern as a query past its timeout does. The items and dates it serves are test
data, not Wikidata's."""

from __future__ import annotations

import pytest

from icmpd_kg.core import paths
from icmpd_kg.core.errors import ProtocolError
from icmpd_kg.sparql.engine import Policy, open_engine, scan, tokens
from icmpd_kg.sparql.federation import joined

from .standin import INCEPTIONS, fixed_endpoint, stand_in_endpoint

EXAMPLE = (paths.QUERIES_DIR / "federated-member-states-in-wikidata.rq").read_text(encoding="utf-8")
WDQS = "https://query.wikidata.org/sparql"
ITEMS = {
    "<http://www.wikidata.org/entity/Q40>",
    "<http://www.wikidata.org/entity/Q39>",
    "<http://www.wikidata.org/entity/Q43>",
}


@pytest.fixture(scope="module")
def wdqs():
    with stand_in_endpoint(INCEPTIONS, wdqs_limits=True) as stand_in:
        yield stand_in


def engine(dist, store, wdqs, **policy):
    return open_engine(dist, store, Policy(service_allowlist=(wdqs.url,), **policy))


@pytest.mark.parametrize("store", ["memory", None])
def test_the_federated_example_sends_only_bound_patterns(dist, wdqs, store):
    wdqs.calls.clear()
    answer = engine(dist, store, wdqs).query(EXAMPLE.replace(WDQS, wdqs.url))
    rows = [(r["label"], r["item"].rsplit("/", 1)[1], r["inception"][:4]) for r in answer.strings()]
    assert rows == [("Avusturya", "Q40", "1918"), ("Türkiye", "Q43", "1923"), ("İsviçre", "Q39", "1848")]
    assert not wdqs.refused
    [call] = wdqs.calls
    assert "VALUES (?item)" in call.query and all(item in call.query for item in ITEMS)
    assert "Q1>" not in call.query
    assert call.headers.get("User-Agent", "").startswith("icmpd-kg/")


def test_values_go_in_batches(dist, wdqs):
    wdqs.calls.clear()
    answer = engine(dist, None, wdqs, service_batch=2).query(EXAMPLE.replace(WDQS, wdqs.url))
    assert len(answer.rows) == 3
    assert len(wdqs.calls) == 2 and not wdqs.refused
    sent = [item for call in wdqs.calls for item in ITEMS if item in call.query]
    assert sorted(sent) == sorted(ITEMS)


def test_a_filter_on_what_only_the_service_binds_still_applies(dist, wdqs):
    query = f"""SELECT ?item WHERE {{
      ?state a ikg:State ; rdfs:label ?label ; owl:sameAs ?item . FILTER (LANG(?label) = "tr")
      SERVICE <{wdqs.url}> {{ ?item wdt:P571 ?inception }}
      FILTER (YEAR(?inception) < 1900)
    }}"""
    answer = engine(dist, None, wdqs).query(query)
    assert [r["item"].rsplit("/", 1)[1] for r in answer.strings()] == ["Q39"]
    assert not wdqs.refused


def test_a_pattern_that_shares_nothing_is_sent_as_it_is_and_fails_as_on_wdqs(dist, wdqs):
    wdqs.calls.clear()
    open_pattern = f"SELECT * WHERE {{ SERVICE <{wdqs.url}> {{ ?item wdt:P571 ?inception }} }}"
    with pytest.raises(ProtocolError) as failed:
        engine(dist, None, wdqs).query(open_pattern)
    assert failed.value.status == 502 and "HTTP 500" in failed.value.message
    assert len(wdqs.refused) == 1
    silent = open_pattern.replace("SERVICE <", "SERVICE SILENT <")
    assert engine(dist, None, wdqs).query(silent).rows == [()]


def test_too_many_values_are_refused_with_a_message(dist, wdqs):
    with pytest.raises(ProtocolError) as refused:
        engine(dist, None, wdqs, service_max_bindings=2).query(EXAMPLE.replace(WDQS, wdqs.url))
    assert refused.value.status == 400 and "more than 2 values of ?item" in refused.value.message


def test_nothing_to_join_with_means_no_call(dist, wdqs):
    wdqs.calls.clear()
    query = EXAMPLE.replace(WDQS, wdqs.url).replace('= "tr"', '= "xx"')
    assert engine(dist, None, wdqs).query(query).rows == []
    assert wdqs.calls == []


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("{ ?s ?p ?item SERVICE <http://x/> { ?item ?q ?o } }", True),
        ("{ ?s ?p ?item OPTIONAL { SERVICE <http://x/> { ?item ?q ?o } } }", True),
        ("{ { ?s ?p ?item } UNION { SERVICE <http://x/> { ?item ?q ?o } } }", False),
        ("{ ?s ?p ?item MINUS { SERVICE <http://x/> { ?item ?q ?o } } }", False),
        ("{ ?s ?p ?item FILTER NOT EXISTS { SERVICE <http://x/> { ?item ?q ?o } } }", False),
        ("{ ?s ?p ?item { SELECT ?item WHERE { SERVICE <http://x/> { ?item ?q ?o } } } }", False),
    ],
)
def test_only_a_joined_pattern_is_bound_to_its_surroundings(where, expected):
    text = "SELECT * WHERE " + where
    [part] = scan(text).services
    assert joined(tokens(text), part) is expected


@pytest.mark.parametrize(
    "term",
    [
        {
            "type": "literal",
            "value": "x",
            "datatype": "http://e/>) } } SERVICE <http://127.0.0.1:9/sparql> {",
        },
        {"type": "uri", "value": "http://e/> } } SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o"},
        {"type": "literal", "value": "x", "xml:lang": "en) } } SERVICE <http://127.0.0.1:9/sparql> {"},
        {"type": "bnode", "value": "b> } SERVICE <http://127.0.0.1:9/sparql> {"},
    ],
)
@pytest.mark.slow
def test_an_answer_never_becomes_query_text(dist, term):
    """A service's answer is data: a term that would close the VALUES block and open another SERVICE
    is refused (502), and nothing else is called."""
    import json

    body = json.dumps(
        {
            "head": {"vars": ["item", "x"]},
            "results": {
                "bindings": [
                    {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q43"}, "x": term}
                ]
            },
        }
    ).encode()
    with fixed_endpoint(body) as (url, seen):
        for store in ("memory", None):
            query = f"SELECT * WHERE {{ ?s owl:sameAs ?item SERVICE <{url}> {{ ?item ?p ?x }} }}"
            with pytest.raises(ProtocolError) as refused:
                open_engine(dist, store, Policy(service_allowlist=(url,))).query(query)
            assert refused.value.status == 502 and "valid" in refused.value.message
            silent = query.replace("SERVICE <", "SERVICE SILENT <")
            answer = open_engine(dist, store, Policy(service_allowlist=(url,))).query(silent)
            assert answer.rows and all("127.0.0.1:9" not in str(cell) for row in answer.rows for cell in row)
    assert len(seen) == 4 and all("?item" in q for q in seen)  # asked as it was told, nothing else


def test_the_service_call_carries_only_what_wikidata_expects(dist, wdqs, tmp_path):
    """Only the prefixes the pattern uses, WDQS's IRIs for WDQS's prefixes (schema: is
    http://schema.org/ there, https://schema.org/ here), no BASE of a local file, no comments."""
    query = tmp_path / "federated.rq"
    query.write_text(
        f"""# a comment that stays here
SELECT ?item ?d WHERE {{
  ?state a ikg:State ; owl:sameAs ?item .
  SERVICE <{wdqs.url}> {{
    # which inception
    ?item wdt:P571 ?d . OPTIONAL {{ ?item schema:description ?desc }}
  }}
}}""",
        encoding="utf-8",
    )
    wdqs.calls.clear()
    wdqs.refused.clear()
    local = open_engine(dist, None, Policy(service_allowlist=(wdqs.url,), base_iri=query.as_uri()))
    answer = local.query(query.read_text(encoding="utf-8"))
    assert len(answer.rows) == 3 and not wdqs.refused
    [call] = wdqs.calls
    declared = [line.split()[1] for line in call.query.splitlines() if line.startswith("PREFIX")]
    assert sorted(declared) == ["schema:", "wdt:"]
    assert "PREFIX schema: <http://schema.org/>" in call.query
    assert "BASE" not in call.query and "file:" not in call.query and "#" not in call.query
