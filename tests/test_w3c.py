"""Conformance with the W3C SPARQL 1.1 test suite's result-format tests (JSON, CSV, TSV),
run from tests/w3c-sparql11-tests (vendored) through the endpoint's own execution and serialisers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Dataset, Graph, Literal, Namespace
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.results.tsvresults import TSVResultParser

from icmpd_kg.sparql.engine import Engine, OxigraphBackend
from icmpd_kg.sparql.results import QueryRequest
from icmpd_kg.store.oxigraph import load_files

SUITE = Path(__file__).resolve().parent / "w3c-sparql11-tests"  # vendored copy, W3C licence inside
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
MEDIA = {".srj": "application/sparql-results+json", ".csv": "text/csv", ".tsv": "text/tab-separated-values"}


def entries():
    found = []
    for folder in ("json-res", "csv-tsv-res"):
        manifest = SUITE / folder / "manifest.ttl"
        if not manifest.is_file():
            continue
        g = Graph().parse(manifest, publicID=manifest.as_uri())
        for test in g.subjects(MF.result, None):
            action = g.value(test, MF.action)
            result = g.value(test, MF.result)
            found.append(
                pytest.param(
                    str(g.value(action, QT.query)),
                    str(g.value(action, QT.data)),
                    str(result),
                    id=str(g.value(test, MF.name)),
                )
            )
    return sorted(found, key=lambda p: p.id)


ENTRIES = entries()


def local(uri: str):
    return SUITE / uri.split("w3c-sparql11-tests/", 1)[1]


def bindings_from_json(text: str) -> list[dict]:
    data = json.loads(text)
    rows = []
    for b in data.get("results", {}).get("bindings", []):
        rows.append(
            {
                k: (
                    v["type"] if v["type"] != "typed-literal" else "literal",
                    v["value"],
                    None if v.get("datatype") == XSD_STRING else v.get("datatype"),
                    v.get("xml:lang"),
                )
                if v["type"] != "bnode"
                else ("bnode",)
                for k, v in b.items()
            }
        )
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def engine_for(store: str, data: Path, directory: Path) -> Engine:
    """The test's data in the given store: rdflib's engine in memory, or an Oxigraph store made as
    ``icmpd-kg load`` makes one (which keeps the literals' written forms)."""
    if store == "memory":
        ds = Dataset(default_union=True)
        ds.graph(DATASET_DEFAULT_GRAPH_ID).parse(data, format="turtle")
        return Engine.for_dataset(ds)
    load_files(directory, [data])
    return Engine(OxigraphBackend.open(directory))


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
@pytest.mark.parametrize("query,data,result", ENTRIES)
def test_result_format(query, data, result, store, monkeypatch, tmp_path):
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)  # as the server's workers load data
    engine = engine_for(store, local(data), tmp_path / "store")
    expected_path = local(result)
    media = MEDIA[expected_path.suffix]
    response = engine.respond(QueryRequest(local(query).read_text(), accept=media))
    got = response.body.decode("utf-8")
    expected = expected_path.read_text(encoding="utf-8")
    if media.endswith("json"):
        assert json.loads(got)["head"].get("vars") == json.loads(expected)["head"].get("vars")
        assert json.loads(got).get("boolean") == json.loads(expected).get("boolean")
        assert bindings_from_json(got) == bindings_from_json(expected)
    elif media == "text/csv":

        def cell(c: str):
            if c.startswith("_:"):  # blank node labels are local: compare them as "_:"
                return "_:"
            if store == "oxigraph":  # Oxigraph keeps numbers by value: 1.0E6 comes back as 1000000
                try:
                    return float(c)
                except ValueError:
                    pass
            return c

        def cells(text):
            return [[cell(c) for c in row] for row in csv.reader(io.StringIO(text))]

        assert cells(got) == cells(expected)
    else:
        parser = TSVResultParser()
        want = parser.parse(io.StringIO(expected))
        have = parser.parse(io.StringIO(got))
        assert [str(v) for v in have.vars] == [str(v) for v in want.vars]

        def term(v):
            if isinstance(v, Literal):  # numbers compare by value: 1.0E6 and 1.0e6 are one double
                value = v.toPython() if isinstance(v.toPython(), (int, float)) else str(v)
                return ("literal", value, None if str(v.datatype) == XSD_STRING else v.datatype, v.language)
            return ("bnode",) if isinstance(v, BNode) else ("uri", str(v))

        def norm(r):
            return [{str(k): term(v) for k, v in row.items()} for row in r.bindings]

        assert norm(have) == norm(want)
        assert got.splitlines()[0] == expected.splitlines()[0]
