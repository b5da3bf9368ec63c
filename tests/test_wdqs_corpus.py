"""Queries written as for the Wikidata Query Service, run here unchanged (no PREFIX lines, the label
service, p:/ps:/pq:/psv:/pr: paths, property entities), on every local store, against their
expected answers (tests/wdqs/NAME.rq and NAME.json, checked by hand against what the Wikidata view
states). Decimals compare by value: Oxigraph keeps "+19" as 19 (see the README)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import XSD, Literal

from icmpd_kg.sparql.engine import open_engine

from .conftest import live_server

CORPUS = Path(__file__).resolve().parent / "wdqs"
QUERIES = sorted(CORPUS.glob("*.rq"))


def cell(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype == XSD.decimal:
            return format(Decimal(str(term)).normalize(), "f")
        return str(term) + (f"@{term.language}" if term.language else "")
    return str(term)


def answer_of(engine, query: Path) -> dict:
    answer = engine.query(query.read_text(encoding="utf-8"))
    if answer.form == "ASK":
        return {"boolean": answer.boolean}
    return {"variables": answer.variables, "rows": [[cell(t) for t in row] for row in answer.rows]}


def test_the_corpus_is_large_enough_and_written_as_for_wdqs():
    assert len(QUERIES) >= 20
    for query in QUERIES:
        text = query.read_text(encoding="utf-8")
        assert "PREFIX" not in text.upper().replace("PREFIXES", ""), query.name  # runs unchanged
        assert (CORPUS / (query.stem + ".json")).is_file(), query.name


@pytest.fixture(scope="module", params=["memory", "oxigraph", "sparql"])
def engine(request, dist):
    """The engine over each store: rdflib in memory, the built Oxigraph store, and another SPARQL
    server over HTTP (here an `icmpd-kg serve` of the same build, as after 'icmpd-kg publish')."""
    if request.param != "sparql":
        yield open_engine(dist, "memory" if request.param == "memory" else None)
        return
    with live_server(dist) as base:
        yield open_engine(dist, f"sparql:{base}/sparql")


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_wdqs_query_answers_as_expected(engine, query):
    expected = json.loads((CORPUS / (query.stem + ".json")).read_text(encoding="utf-8"))
    got = answer_of(engine, query)
    if "boolean" in expected:
        assert got == expected
        return
    assert got["variables"] == expected["variables"]
    if expected.get("ordered"):
        assert got["rows"] == expected["rows"]
    elif expected.get("split"):  # a GROUP_CONCAT, whose order SPARQL leaves open
        column = got["variables"].index(expected["split"])
        for row in got["rows"] + expected["rows"]:
            # Oxigraph keeps the language when every value has the same (as SPARQL 1.2 drafts do)
            row[column] = sorted(row[column].rsplit("@tr", 1)[0].split(", "))
        assert sorted(map(str, got["rows"])) == sorted(map(str, expected["rows"]))
    else:
        assert sorted(map(str, got["rows"])) == sorted(map(str, expected["rows"]))
