"""Validation's two engines say the same: the native one (rudof for SHACL Core, Oxigraph for
SHACL-SPARQL, the dataset rules over Oxigraph's reading) and the reference (pySHACL, rdflib), on
every fixture, on the real data and on mutated real data; and the dataset rules find what their
rdflib version found (tests/reference_rules.py)."""

from __future__ import annotations

import re

import pytest

from icmpd_kg.core import paths
from icmpd_kg.kg.graph import KnowledgeGraph
from icmpd_kg.kg.quads import Quads, read_quads
from icmpd_kg.validation.rules import broken_rules
from icmpd_kg.validation.validate import validate, validate_files

from . import reference_rules
from .conftest import FIXTURES, Lazy
from .test_engines import MUTATIONS, mutate

pytestmark = pytest.mark.slow  # the fast tier leaves it out (see pyproject's markers)

BLANK = re.compile(r"_:\w+")


def comparable(report) -> list[tuple]:
    """The results, blank node labels aside (each engine names blank nodes its own way)."""
    return sorted(
        tuple(BLANK.sub("_:b", v or "") for v in (r.shape, r.focus, r.path, r.value, r.message, r.message_tr))
        + (r.severity,)
        for r in report.results
    )


def rule_findings(found) -> list[tuple]:
    return sorted(
        tuple(BLANK.sub("_:b", x.n3() if x is not None else "") for x in f[:3]) + (f[3],) for f in found
    )


@pytest.fixture(scope="session")
def reference_reports() -> dict:
    return Lazy(lambda fixture: validate_files([fixture], engine="pyshacl"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_native_engine_reports_what_pyshacl_reports(fixture, fixture_reports, reference_reports):
    native, reference = fixture_reports[fixture], reference_reports[fixture]
    assert native.conforms == reference.conforms
    assert comparable(native) == comparable(reference)


def test_both_engines_accept_the_real_data(kg, report):
    reference = validate(kg, engine="pyshacl")
    assert report.conforms and reference.conforms
    assert comparable(report) == comparable(reference) == []


# Mutations that SHACL (not only the dataset rules) rejects, one per kind of constraint
SHACL_MUTATIONS = sorted(name for name, entry in MUTATIONS.items() if entry[4])[:4]


@pytest.mark.parametrize("name", SHACL_MUTATIONS)
def test_engines_agree_on_mutated_real_data(tmp_path, name):
    file, old, new, _, _ = MUTATIONS[name]
    files = mutate(tmp_path, file, old, new)
    native, reference = validate_files(files), validate_files(files, engine="pyshacl")
    assert not native.conforms
    assert comparable(native) == comparable(reference)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_dataset_rules_find_what_the_rdflib_rules_found(fixture):
    kg = KnowledgeGraph.load([fixture])
    old = reference_rules.broken_rules(kg, paths.SOURCE_FILE)
    assert rule_findings(broken_rules(Quads.from_dataset(kg.data), paths.SOURCE_FILE)) == rule_findings(old)
    read = Quads.from_oxigraph(read_quads([fixture]))
    assert rule_findings(broken_rules(read, paths.SOURCE_FILE)) == rule_findings(old)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_dataset_rules_on_mutated_real_data(tmp_path, name):
    file, old_text, new_text, _, _ = MUTATIONS[name]
    files = mutate(tmp_path, file, old_text, new_text)
    kg = KnowledgeGraph.load(files)
    old = reference_rules.broken_rules(kg, paths.SOURCE_FILE)
    new = broken_rules(Quads.from_oxigraph(read_quads(files)), paths.SOURCE_FILE)
    assert rule_findings(new) == rule_findings(old)


# SHACL-SPARQL constraints where the set-wise path cannot go: on a property shape ($PATH), on a shape
# reached through sh:node, and inside sh:not. Added to a copy of the project's shapes, they once
# left the native engine saying "Conforms: yes" where pySHACL reported twelve results.
NESTED_RULES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ikg: <https://w3id.org/icmpd-kg/ontology#> .
@prefix ex: <https://w3id.org/icmpd-kg/shapes#> .
ex:LongAcronym a sh:NodeShape ;
    sh:targetClass ikg:Project ;
    sh:property [
        sh:path ikg:acronym ;
        sh:sparql [ sh:message "acronym {?value} is long"@en ;
            sh:select "SELECT $this ?value WHERE { $this $PATH ?value FILTER (STRLEN(?value) > 4) }" ] ] .
ex:ThroughNode a sh:NodeShape ;
    sh:targetClass ikg:Project ;
    sh:node ex:HasNoAcronym .
ex:HasNoAcronym a sh:NodeShape ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this <https://w3id.org/icmpd-kg/ontology#acronym> ?a }" ] .
ex:NotUnnamed a sh:NodeShape ;
    sh:targetClass ikg:Project ;
    sh:not [ sh:sparql [ sh:select '''SELECT $this WHERE {
        FILTER NOT EXISTS { $this <https://w3id.org/icmpd-kg/ontology#acronym> ?a } }''' ] ] .
"""


def test_nested_sparql_constraints_are_evaluated_not_skipped(kg):
    from rdflib import Graph

    from icmpd_kg.kg.graph import schema_ntriples, shapes_graph
    from icmpd_kg.kg.quads import oxigraph_quads
    from icmpd_kg.validation.native import native_findings
    from icmpd_kg.validation.reference import pyshacl_findings

    shapes = Graph()
    for triple in shapes_graph():
        shapes.add(triple)
    shapes.parse(data=NESTED_RULES, format="turtle")
    native = native_findings(oxigraph_quads(kg.data), schema_ntriples(), shapes)
    reference = pyshacl_findings(kg.validation_graph(), shapes)

    def key(findings):
        return sorted((str(f.focus), str(f.component), str(f.value)) for f in findings)

    assert len(native) >= 3 and key(native) == key(reference)
    by_component = {str(f.component).rsplit("#", 1)[1] for f in native}
    assert {"SPARQLConstraintComponent", "NodeConstraintComponent", "NotConstraintComponent"} <= by_component


@pytest.mark.parametrize(
    ("shape", "named"),
    [
        (
            "ex:S a sh:NodeShape ; sh:nodeKind sh:IRI ;"
            " sh:target [ a sh:SPARQLTarget ; sh:select 'SELECT ?this WHERE { ?this ?p ?o }' ] .",
            "sh:target",
        ),
        ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:rule [ a sh:TripleRule ] .", "sh:rule"),
        (
            "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "
            "'SELECT $this WHERE { $this ?p ?o SERVICE <http://example.org/sparql> { ?o ?q ?r } }' ] .",
            "SERVICE",
        ),
    ],
)
def test_what_no_engine_evaluates_stops_validation_named(shape, named):
    from rdflib import Graph

    from icmpd_kg.core.errors import IcmpdKgError
    from icmpd_kg.validation.native import native_findings

    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n" + shape,
        format="turtle",
    )
    with pytest.raises(IcmpdKgError, match=named) as raised:
        native_findings([], b"", shapes)
    assert "example.org/S" in str(raised.value)
