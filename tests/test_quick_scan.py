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
from icmpd_kg.sparql.query_text import check_nesting, prepare_fully, quick_form, quick_scan, scan

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
        "PREFIX f: <https://w3id.org/icmpd-kg/functions#>\nSELECT ?s { ?s ?p ?o FILTER(f:fold(?o) = 'x') }",
        # found by an adversarial review: each once took the quick read and meant something else
        "PREFIX wb: <http://wikiba.se/ontology#>\nSELECT ?s WHERE { ?s ?p ?o FILTER(wb:isSomeValue(?o)) }",
        "PREFIX wb: <http://wikiba.se/ontology#isSome>\nSELECT ?s WHERE { ?s ?p ?o FILTER(wb:Value(?o)) }",
        "SELECT ?o { ?s ?p ?o.rdfs:Resource ?p ?o }",
        "SELECT ?x { ?s ?p ?x FILTER(?x-xsd:integer(?x) = 0) }",
        "SELECT ?x { ?s ?p ?x FILTER(?x-ikgfn:fold(?x) = 0) }",
        "SELECT ?s { ?s ?p 1.rdfs:Class }",
        "SELECT ?s { ?s ?p ?o }.rdf:x",
        "SELECT (?a+1AS ?b) { ?s ?p ?a }",
        "SELECT (1AS ?x) {}",
        "SELECT ?x { ?s ?p ?x FILTER(?x\u0345AS ?y) }",
        "AS\u212a { ?s ?p ?o }",
        "DESCR\u0130BE <urn:x>",
        "PREF\u0130X ex: <http://ex/>\nSELECT * { ?s ex:p ?o }",
        "SELECT.ex:a ?x { ?x ?p ?o }",
        "ASK.rdf:type {}",
        "ASK { ?s ?p ?o }",  # ASK holds AS, but ends no word there
        "SELECT (1 a\u017f ?x) {}",  # the full read's upper case makes the long s an S
    ]
    return texts + variants + tricky


def _generated(count: int, seed: int) -> list[str]:
    """Texts built at random from the pieces that have fooled a quick read: odd white space and
    case, Unicode look-alikes, abutting tokens, prefixes in names and strings, comments."""
    import random

    pick = random.Random(seed).choice
    seps = ["", " ", "\n", "\r", "\t", "\xa0", "\u2028", "\x00", "  "]
    prefixes = ["rdf", "rdfs", "xsd", "ikgfn", "ex", "", "ex.a", "ex-a", "\u017f", "wdt", "select", "ask"]
    iris = [
        "<http://ex/>",
        "<https://w3id.org/icmpd-kg/functions#>",
        "<urn:x#a>",
        "<>",
        "<a b>",
        "<http://wikiba.se/ontology#>",
        "<http://www.w3.org/2000/01/rdf-schema#>",
    ]
    forms = [
        "SELECT",
        "select",
        "ASK",
        "CONSTRUCT",
        "DESCRIBE",
        "\u017fELECT",
        "SELECT*",
        "SELECTED",
        "ASK.",
        "ASK-",
        "AS\u212a",
        "DESCR\u0130BE",
    ]
    atoms = [
        "?s",
        "?o",
        "$x",
        "AS",
        "as",
        "a\u017f",
        "a",
        "*",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ".",
        ";",
        "'s'",
        '"x"',
        '"""a\nb"""',
        '"#"',
        '"a"@en',
        "# c",
        "<urn:a#b>",
        "-",
        "+",
        "!",
        "1",
        "1.",
        "_:b",
        "\u0345",
        "DISTINCT",
        "WHERE",
        "FILTER",
        "OPTIONAL",
        "LIMIT",
        "10",
        ":",
        "..",
        ".:",
    ]
    texts = []
    for _ in range(count):
        prologue = "".join(
            pick(["PREFIX", "prefix", "PREF\u0130X"])
            + pick([" ", "\n", "", "\xa0"])
            + pick(prefixes)
            + ":"
            + pick(["", " ", "a"])
            + pick(iris)
            + pick(["\n", " ", "", "# c\n"])
            for _ in range(pick([0, 1, 1, 2]))
        )
        body = "".join(
            (pick(prefixes) + ":" + pick(["", "a", "label", "fold", "a.b", "isSomeValue", "."]))
            if pick([True, False, False])
            else pick(atoms) + pick(seps)
            for _ in range(pick(range(12)))
        )
        texts.append(pick(["", " ", "\n"]) + prologue + pick(forms) + pick(seps) + body)
    return texts


TEXTS = _texts()


def test_the_quick_read_serves_most_of_the_simple_texts():
    """It is no shortcut if it never answers: the lookup query and a share of the corpus take it."""
    taken = [t for t in TEXTS if quick_scan(t) is not None]
    assert len(taken) >= 100, len(taken)
    assert any("project/pact" in t for t in taken)


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_the_quick_read_means_what_the_full_read_means(text):
    quick = quick_scan(text)
    assert quick_form(text) == (quick.form if quick is not None else None)  # the front's read of the form
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


def test_generated_texts_mean_the_same_on_both_reads():
    """A few thousand texts made at random from the pieces that fooled the quick read before."""
    wrong = []
    for text in _generated(4000, seed=20261204):
        quick = quick_scan(text)
        if quick is None:
            continue
        full = scan(text)
        differs = [name for name in EXACT if getattr(quick, name) != getattr(full, name)]
        if not quick.predeclared.items() >= full.predeclared.items():
            differs.append("predeclared")
        if full.calls_functions and not quick.calls_functions:
            differs.append("calls_functions")
        if differs:
            wrong.append((text, differs))
    assert not wrong, wrong[:5]


def test_the_quick_read_stays_small_whatever_the_text():
    """The front reads a text quickly only while it is short, and never keeps more names than the
    longest prefix allows per colon (a run of 100,000 digits once cost seconds and gigabytes)."""
    from icmpd_kg.sparql.query_text import QUICK_LONGEST, _names_before_colons

    assert quick_scan("SELECT * WHERE { ?s ?p " + "1" * 100_000 + ":x }") is None
    text = "SELECT * WHERE { ?s ?p " + "1" * (QUICK_LONGEST - 40) + ":x }"
    names = _names_before_colons(text, 0, 12)
    assert len(names) <= 14 and all(len(n) <= 12 for n in names)
    assert quick_scan(text) is not None
