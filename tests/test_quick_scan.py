"""The quick read of a query text (``query_text.quick_scan``) is a shortcut of the full read
(``scan``, ``prepare_fully``): wherever it answers, it must mean the same. Every query the project
has (its examples, the WDQS corpus, the W3C SPARQL suites), and variants of each (comments,
case, a new number per request as the benchmark sends), go through both; the fields the engine
reads must be equal, and where the quick read says more (a prefix handed to Oxigraph, the functions
offered) it only over-approximates."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from icmpd_kg.core import paths
from icmpd_kg.sparql import query_text
from icmpd_kg.sparql.query_text import check_nesting, prepare_fully, quick_scan, scan

REPO = Path(__file__).resolve().parent.parent
ALLOW = ("https://query.wikidata.org/sparql",)
EXACT = [
    f.name
    for f in dataclasses.fields(query_text.Scan)
    if f.name not in ("tokens", "predeclared", "calls_functions")
]


def _texts() -> list[str]:
    files = sorted(paths.QUERIES_DIR.glob("*.rq")) + sorted((REPO / "tests").glob("**/*.rq"))
    texts = []
    for file in files:
        try:
            texts.append(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
    lookup = (
        "SELECT ?label WHERE { <https://w3id.org/icmpd-kg/id/project/pact> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    )
    variants = [lookup, lookup + " # 17\n", lookup.lower(), "  \n" + lookup, "PREFIX x: <urn:x:>\n" + lookup]
    variants += [t + f"\n# {i}\n" for i, t in enumerate(texts[:50])]
    variants += [re.sub(r"\bSELECT\b", "select", t) for t in texts[:50]]
    tricky = [
        "SELECT * WHERE { ?s ?p ?o } # SERVICE in a comment",
        'SELECT ?s WHERE { ?s ?p "from a string" }',
        "ASK { ?s rdfs:label ?o }",
        "PREFIX rdfs: <urn:mine#>\nSELECT * { ?s rdfs:label ?o }",  # a project prefix declared anew
        "PREFIX : <urn:x#>\nDESCRIBE :a",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ikgfn:fold ?o }",
        "PREFIX f: <https://w3id.org/icmpd-kg/functions#>\nSELECT (f:fold(?o) AS ?x) { ?s ?p ?o }",
        "SELECT * { " + "{ " * 130 + "}" * 130 + " }",
        "SELECT * { FILTER(" + "!" * 140 + "true) }",
        "SELECT * { ?s ?p '\\u0053ERVICE' }",
        "# a comment first\nSELECT * { ?s ?p ?o }",
        "SELECTED * { ?s ?p ?o }",
        "select distinct * { ?s ?p ?o }",
    ]
    return texts + variants + tricky


TEXTS = _texts()


def test_the_quick_read_serves_most_of_the_simple_texts():
    """It is no shortcut if it never answers: the lookup query and a share of the corpus take it."""
    taken = [t for t in TEXTS if quick_scan(t) is not None]
    assert len(taken) >= 100, len(taken)
    assert any("project/pact" in t for t in taken)


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_the_quick_read_means_what_the_full_read_means(text):
    quick = quick_scan(text)
    if quick is None:
        return  # the full read decides: nothing to compare
    full = scan(text)
    for name in EXACT:
        assert getattr(quick, name) == getattr(full, name), name
    # what Oxigraph is given: every prefix the text uses and does not declare (more is harmless)
    assert quick.predeclared.items() >= full.predeclared.items()
    for extra in quick.predeclared.keys() - full.predeclared.keys():
        assert quick.prefixes[extra] == quick.predeclared[extra]  # never one the text declares anew
    assert quick.calls_functions or not full.calls_functions
    # and what the full read would have done to it: nothing (no rewrite, no SERVICE, no refusal)
    check_nesting(full.tokens)
    prepared = prepare_fully(text, ALLOW)
    assert prepared.text == text and prepared.calls == ()
