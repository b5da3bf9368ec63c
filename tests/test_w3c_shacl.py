"""The W3C SHACL test suite (vendored in tests/w3c-shacl-tests, W3C licence inside: 98 core and 22
SHACL-SPARQL approved tests) through the native engine of ``icmpd-kg validate`` (shacl.py) and the
reference engine (pySHACL).

Reports are compared as the suite defines them: ``sh:conforms`` and, result by result, focus node,
path, value, source shape, constraint component, severity and (SHACL-SPARQL) source constraint;
messages are not compared. A test whose expected result is ``sht:Failure`` passes when validation
stops with an error. Blank nodes are compared by what they are: a path by its SPARQL form, another
blank node by its own statements. The native engine fails no test; pySHACL's own failures are
listed with their reason (strict: a listed test that passes fails the suite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Namespace
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from icmpd_kg.core.errors import IcmpdKgError
from icmpd_kg.core.namespaces import SH
from icmpd_kg.core.settings import literals_as_written
from icmpd_kg.core.terms import to_oxigraph
from icmpd_kg.validation.native import Finding, core_findings, native_findings, plan_sparql
from icmpd_kg.validation.reference import pyshacl_findings

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)


SUITE = Path(__file__).resolve().parent / "w3c-shacl-tests"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
FIELDS = (
    SH.focusNode,
    SH.resultPath,
    SH.value,
    SH.sourceShape,
    SH.sourceConstraintComponent,
    SH.resultSeverity,
    SH.sourceConstraint,
)

PYSHACL_FAILS = {
    "core/property/uniqueLang-002": "pySHACL accepts sh:uniqueLang with a value other than true",
    "sparql/pre-binding/shapesGraph-001": "pySHACL does not pre-bind $shapesGraph",
}


def _entries(manifest: Path) -> list[tuple[str, Graph, Node]]:
    with literals_as_written():  # the suite's files read as the project reads its data: as written
        g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    found = []
    for m in g.subjects(RDF.type, MF.Manifest):
        for include in g.objects(m, MF.include):
            found += _entries(Path(str(include).removeprefix("file://")))
        for entries in g.objects(m, MF.entries):
            for entry in g.items(entries):
                if g.value(entry, MF.status) == SHT.approved:
                    name = str(entry).removeprefix(SUITE.as_uri() + "/")
                    found.append((name, g, entry))
    return found


ENTRIES = {name: (g, entry) for name, g, entry in _entries(SUITE / "manifest.ttl")}


def _canon(g: Graph, node: Node | None) -> Any:
    """A term as the comparison sees it: a blank path by its SPARQL form, another blank node by its
    own statements (each engine names blank nodes its own way)."""
    if not isinstance(node, BNode):
        return node
    try:
        return ("path", parse_shacl_path(g, node).n3())  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - not a path: a blank shape or data node
        return (
            "blank",
            tuple(sorted((p, o) for p, o in g.predicate_objects(node) if not isinstance(o, BNode))),
        )


def _graph(g: Graph, entry: Node, which: Node) -> Graph:
    location = g.value(g.value(entry, MF.action), which)
    with literals_as_written():
        return Graph().parse(
            Path(str(location).removeprefix("file://")), format="turtle", publicID=str(location)
        )


def expected(name: str) -> tuple[bool, list] | str:
    g, entry = ENTRIES[name]
    result = g.value(entry, MF.result)
    if result == SHT.Failure:
        return "failure"
    rows = [tuple(_canon(g, g.value(r, f)) for f in FIELDS) for r in g.objects(result, SH.result)]
    return bool(g.value(result, SH.conforms).toPython()), sorted(rows, key=repr)  # type: ignore[union-attr]


def as_rows(findings: list[Finding], seen: Graph) -> tuple[bool, list]:
    rows = [
        tuple(
            _canon(seen, x)
            for x in (f.focus, f.path, f.value, f.shape, f.component, f.severity, f.constraint)
        )
        for f in findings
    ]
    return not findings, sorted(rows, key=repr)  # SHACL 3.6.1: conforms when there is no result


def _quads(data: Graph) -> list[ox.Quad]:
    return [ox.Quad(*(to_oxigraph(t) for t in triple)) for triple in data]


def run(name: str, engine: str) -> tuple[bool, list] | str:
    g, entry = ENTRIES[name]
    data, shapes = _graph(g, entry, SHT.dataGraph), _graph(g, entry, SHT.shapesGraph)
    try:
        if engine == "native":
            found = native_findings(_quads(data), b"", shapes)
        else:
            found = pyshacl_findings(data, shapes)
    except IcmpdKgError:
        return "failure"
    except Exception:  # noqa: BLE001 - pySHACL's own errors for what the suite calls a failure
        if engine == "pyshacl":
            return "failure"
        raise
    return as_rows(found, data + shapes)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_native_engine(name):
    assert run(name, "native") == expected(name)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_reference_engine(name):
    if name in PYSHACL_FAILS:
        assert run(name, "pyshacl") != expected(name), f"{name} passes now: take it off PYSHACL_FAILS"
        return
    assert run(name, "pyshacl") == expected(name)


def test_the_suite_is_whole():
    core = [n for n in ENTRIES if n.startswith("core/")]
    sparql = [n for n in ENTRIES if n.startswith("sparql/")]
    assert (len(core), len(sparql)) == (98, 22)


@pytest.mark.parametrize(
    "name", sorted(n for n in ENTRIES if n.startswith("sparql/") and expected(n) != "failure")
)
def test_every_sparql_constraint_on_the_slow_path_says_the_same(name):
    """The differential test of the set-wise path: every SHACL-SPARQL test again with no constraint
    set-wise (the shacl package pre-binds $this per focus node) gives the same report."""
    g, entry = ENTRIES[name]
    data, shapes = _graph(g, entry, SHT.dataGraph), _graph(g, entry, SHT.shapesGraph)
    setwise = plan_sparql(shapes)
    planned = run(name, "native")
    with_all_slow = native_findings_without_setwise(data, shapes)
    assert as_rows(with_all_slow, data + shapes) == planned
    assert bool(setwise) == (name not in SLOW_PATH), SLOW_PATH.get(name, "set-wise")


# The SHACL-SPARQL tests whose constraints the set-wise check keeps on the slow path, and why.
SLOW_PATH = {
    "sparql/component/optional-001": "a constraint component's validator",
    "sparql/component/propertyValidator-select-001": "a constraint component's validator",
    "sparql/component/validator-001": "a constraint component's validator",
    "sparql/pre-binding/pre-binding-001": "$this only in a FILTER",
    "sparql/pre-binding/pre-binding-002": "$this only in a FILTER in one branch of a UNION",
    "sparql/pre-binding/pre-binding-003": "$this only in FILTERs",
    "sparql/pre-binding/pre-binding-004": "$this only in a BIND",
    "sparql/pre-binding/pre-binding-005": "$this read by a FILTER in a group that does not bind it",
    "sparql/pre-binding/pre-binding-007": "$this only in a sub-select's FILTER",
    "sparql/pre-binding/shapesGraph-001": "$shapesGraph",
    "sparql/property/sparql-001": "a property shape ($PATH)",
}


def native_findings_without_setwise(data: Graph, shapes: Graph) -> list[Finding]:
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        file = Path(work) / "data.nt"
        with file.open("wb") as out:
            ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in _quads(data)),
                out,
                ox.RdfFormat.N_TRIPLES,
            )
        return core_findings(file, shapes, ())
