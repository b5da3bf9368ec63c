"""The project's SPARQL functions (rdflib-endpoint DatasetExt): on the command line's engine and at
the endpoint, the same answers; documented by generate_docs and advertised in the service description."""

from __future__ import annotations

import re
import textwrap

import pytest
from rdflib import Graph, URIRef

from icmpd_kg.sparql.engine import open_engine
from icmpd_kg.sparql.functions import fold, label_similarity, long_date

from .conftest import by_value

QUERY = """PREFIX ikgfn: <https://w3id.org/icmpd-kg/functions#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?thing ?key ?tr ?en ?score WHERE {
  ?thing rdfs:label ?label .
  BIND (ikgfn:fold(?label) AS ?key)
  FILTER (CONTAINS(?key, "isvicre"))
  BIND (ikgfn:longDate("2018-05-15"^^xsd:date, "tr") AS ?tr)
  BIND (ikgfn:longDate("2019-07"^^xsd:gYearMonth, "en") AS ?en)
  BIND (ikgfn:labelSimilarity("Resmî Gazete", "Resmi gazete") AS ?score)
}"""


def test_turkish_folding_is_what_lcase_gets_wrong():
    assert fold("İSVİÇRE") == fold("isviçre") == "isvicre"
    assert fold("IĞDIR") == fold("ığdır") == "igdir"
    assert fold("Göç İdaresi Genel Müdürlüğü") == "goc idaresi genel mudurlugu"


def test_long_dates_as_the_source_writes_them():
    assert long_date("2018-05-15") == "15 Mayıs 2018"
    assert long_date("2017-03-31", "en") == "31 March 2017"
    assert long_date("2019-07", "tr") == "Temmuz 2019"
    with pytest.raises(ValueError):
        long_date("2019-07", "de")


def test_similarity_after_folding():
    assert label_similarity("Resmî Gazete", "Resmi gazete") == 1.0
    assert 0 < label_similarity("Ankara Ofisi", "Ankara Office") < 1


@pytest.mark.parametrize("store", ["memory", None])
def test_same_answers_on_the_command_line_engine_and_the_endpoint(dist, site, store):
    """The functions answer the same on both stores (rdflib's engine, Oxigraph's) and at the endpoint."""
    local = open_engine(dist, store).query(QUERY).strings()
    remote = site.get(
        "/sparql", params={"query": QUERY}, headers={"Accept": "application/sparql-results+json"}
    ).json()["results"]["bindings"]
    docs = site.get("/functions")
    description = Graph().parse(
        data=site.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    ui = site.get("/", headers={"Accept": "text/html"}).text
    assert by_value(local) == by_value([{k: v["value"] for k, v in row.items()} for row in remote])
    # Switzerland, and its Wikidata item, which the Wikidata view names with our labels
    assert by_value(local) == by_value(
        [
            {"thing": thing, "key": "isvicre", "tr": "15 Mayıs 2018", "en": "July 2019", "score": "1.0"}
            for thing in (
                "https://w3id.org/icmpd-kg/id/state/switzerland",
                "http://www.wikidata.org/entity/Q39",
            )
        ]
    )
    assert (
        docs.status_code == 200
        and "ikgfn:fold" in docs.text
        and "https://w3id.org/icmpd-kg/functions#longDate" in docs.text
    )
    functions = set(
        description.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#extensionFunction"))
    )
    assert URIRef("https://w3id.org/icmpd-kg/functions#labelSimilarity") in functions and len(functions) == 3
    assert 'href="/functions"' in ui


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
@pytest.mark.parametrize("where", ["FILTER", "ORDER BY", "BIND"])
def test_the_functions_answer_in_every_expression_on_both_stores(dist, store, where):
    """In FILTER and ORDER BY as in BIND (rdflib-endpoint 0.6.3 evaluated its functions in BIND only:
    a FILTER on them found nothing on the memory store); a failing call is an expression error."""
    body = {
        "FILTER": 'FILTER(ikgfn:fold(?x) = "istanbul")',
        "ORDER BY": "} ORDER BY DESC(ikgfn:fold(?x)) LIMIT 1 #",
        "BIND": 'BIND(ikgfn:fold(?x) AS ?k) FILTER(?k = "istanbul")',
    }[where]
    query = f'SELECT ?x WHERE {{ VALUES ?x {{ "İSTANBUL" "Ankara" }} {body} }}'
    spec = "memory" if store == "memory" else f"oxigraph:{dist / 'oxigraph'}"
    rows = open_engine(dist, spec).query(query).strings()
    assert rows == [{"x": "İSTANBUL"}]
    error = 'SELECT ?d WHERE { BIND(ikgfn:longDate("no date") AS ?d) FILTER(!BOUND(?d)) }'
    assert len(open_engine(dist, spec).query(error).rows) == 1


def test_function_iris_are_the_names_rdflib_endpoint_gives_them():
    """functions.NAMES spells out each IRI (so Oxigraph's engine needs no rdflib-endpoint import);
    they must stay what DatasetExt registers."""
    from rdflib_endpoint.gen_docs import snake_to_camel

    from icmpd_kg.sparql.functions import FUNCTIONS, NAMES

    assert [NAMES[f] for f in FUNCTIONS] == [snake_to_camel(f.__name__) for f in FUNCTIONS]


def test_a_dataset_leaves_rdflibs_global_evaluators_alone():
    """rdflib-endpoint's DatasetExt puts the functions it registers into rdflib's process-global
    CUSTOM_EVALS and takes them out when it is collected, which can happen while another query
    iterates that dict ("dictionary changed size during iteration"). The project's datasets
    register nothing there (their functions are in rdflib's function registry)."""
    from rdflib.plugins.sparql import CUSTOM_EVALS

    from icmpd_kg.store.memory import new_dataset

    before = dict(CUSTOM_EVALS)
    data = new_dataset()
    assert dict(CUSTOM_EVALS) == before
    del data


EXAMPLE = re.compile(r"```sparql\n(.*?)```.*?```text\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str, dict[str, str]]]:
    from icmpd_kg.sparql.functions import FUNCTIONS

    found = []
    for function in FUNCTIONS:
        for query, answer in EXAMPLE.findall(function.__doc__ or ""):
            expected = dict(part.strip().removeprefix("?").split(" = ", 1) for part in answer.split("·"))
            found.append((function.__name__, textwrap.dedent(query), expected))
    return found


def test_every_function_documents_an_example_with_its_answer():
    from icmpd_kg.sparql.functions import FUNCTIONS

    assert {name for name, _, _ in _examples()} == {f.__name__ for f in FUNCTIONS}


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
@pytest.mark.parametrize(("name", "query", "expected"), _examples(), ids=[e[0] for e in _examples()])
def test_the_documented_example_answers_as_documented(dist, store, name, query, expected):
    """The ```sparql example of each function's documentation (served at /functions), run as a
    doctest on both engines: one of its rows is the documented answer."""
    engine = open_engine(dist, store if store == "memory" else None)
    try:
        rows = engine.query(query).strings()
    finally:
        engine.close()
    assert any(all(_same(row.get(k), v) for k, v in expected.items()) for row in rows), (name, rows)


def _same(found: str | None, documented: str) -> bool:
    if found is None:
        return False
    try:
        return float(found) == float(documented)
    except ValueError:
        return found == documented
